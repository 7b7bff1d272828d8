/**
 * Option validation shared by the method factories. Every problem names the option as
 * `method.<id>.<option>`, the value given and what is allowed.
 *
 * @module
 */
import { badValue } from "../runtime/errors.ts";

/** Problems for option keys not in `allowed`. */
export function unknownOptions(
  id: string,
  options: Record<string, unknown>,
  allowed: readonly string[],
): string[] {
  return Object.keys(options)
    .filter((key) => !allowed.includes(key))
    .map((key) =>
      `method.${id}.${key}: unknown option; allowed: ${
        allowed.length ? allowed.join(", ") : "none (no options)"
      }`
    );
}

/** Problem if `options[key]` is not a finite number in (min, max] (min exclusive unless `minInclusive`). */
export function checkNumber(
  id: string,
  options: Record<string, unknown>,
  key: string,
  range: { min: number; max?: number; minInclusive?: boolean; integer?: boolean },
): string[] {
  const v = options[key];
  const max = range.max ?? Infinity;
  const ok = typeof v === "number" && Number.isFinite(v) &&
    (range.minInclusive ? v >= range.min : v > range.min) && v <= max &&
    (!range.integer || Number.isInteger(v));
  if (ok) return [];
  const lo = `${range.minInclusive ? ">=" : ">"} ${range.min}`;
  const hi = Number.isFinite(max) ? ` and <= ${max}` : "";
  return [badValue(`method.${id}.${key}`, v, `a finite ${range.integer ? "integer" : "number"} ${lo}${hi}`)];
}
