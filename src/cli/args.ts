/**
 * Argument parsing on top of `node:util` parseArgs, with errors that name the flag, the value and what is
 * allowed.
 *
 * @module
 */
import { parseArgs as nodeParseArgs } from "node:util";
import { badValue, UsageError } from "../runtime/errors.ts";

/** Option spec accepted by {@link parseFlags}. */
export type FlagSpec = Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }>;

/** Parsed flags and positionals. */
export interface ParsedFlags {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
}

/** Parse flags strictly; unknown flags are a UsageError listing the known ones. */
export function parseFlags(command: string, args: string[], spec: FlagSpec): ParsedFlags {
  try {
    const r = nodeParseArgs({ args, options: spec, allowPositionals: true, strict: true });
    return { values: r.values as ParsedFlags["values"], positionals: r.positionals };
  } catch (e) {
    const known = Object.keys(spec).map((k) => `--${k}`).join(", ");
    const msg = e instanceof Error ? e.message : String(e);
    throw new UsageError(`${command}: ${msg.replace(/\. To specify.*$/s, "")}; known flags: ${known}`);
  }
}

/** Read a string flag restricted to `allowed`. */
export function enumFlag<T extends string>(
  flag: string,
  value: unknown,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if (typeof value === "string" && (allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(badValue(`--${flag}`, value, allowed.join(" | ")));
}

/** Read an integer flag within [min, max]. */
export function intFlag(flag: string, value: unknown, fallback: number, min: number, max = Infinity): number {
  if (value === undefined) return fallback;
  const n = typeof value === "string" && /^-?\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    const range = max === Infinity ? `an integer >= ${min}` : `an integer in [${min}, ${max}]`;
    throw new UsageError(badValue(`--${flag}`, value, range));
  }
  return n;
}

/** Read a finite number flag within [min, max]. */
export function numberFlag(
  flag: string,
  value: unknown,
  fallback: number,
  min = -Infinity,
  max = Infinity,
): number {
  if (value === undefined) return fallback;
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : NaN;
  if (!Number.isFinite(n) || n < min || n > max) {
    throw new UsageError(badValue(`--${flag}`, value, `a number in [${min}, ${max}]`));
  }
  return n;
}
