/**
 * Argument parsing with errors that name the flag, the value and what is allowed: `--name value`,
 * `--name=value`, boolean `--flag`, short `-h`, repeated `multiple` flags, `--` ending the flags. Strict:
 * an unknown flag or a missing value is a UsageError (never Node's parser text).
 *
 * @module
 */
import { badValue, UsageError } from "../runtime/errors.ts";
import { userPath } from "./entry.ts";

/**
 * Option spec accepted by {@link parseFlags}. `path: true` marks a string flag naming a file or directory:
 * a relative value is taken from the caller's directory (INIT_CWD under `deno task`; src/cli/entry.ts).
 */
export type FlagSpec = Record<
  string,
  { type: "string" | "boolean"; short?: string; multiple?: boolean; path?: boolean }
>;

/** Options of {@link parseFlags}. */
export interface ParseOptions {
  /** Positionals from this index on are paths (resolved like `path: true` flags); default: none. */
  pathsFrom?: number;
}

/** Parsed flags and positionals. */
export interface ParsedFlags {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
}

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length][b.length];
}

/** "; did you mean --x?" when a known name is close to `name` (case-insensitive edit distance <= 2). */
export function didYouMean(name: string, known: readonly string[], prefix = "--"): string {
  let best = "", bestD = Infinity;
  for (const k of known) {
    const dist = editDistance(name.toLowerCase(), k.toLowerCase());
    if (dist < bestD) [best, bestD] = [k, dist];
  }
  return bestD <= 2 && best !== "" ? `; did you mean ${prefix}${best}?` : "";
}

/** A value that may follow a string flag as a separate argument: not a flag (negative numbers are values). */
function isValue(arg: string | undefined): arg is string {
  return arg !== undefined && (!arg.startsWith("-") || arg === "-" || /^-\d/.test(arg));
}

/** Parse flags strictly; unknown flags and missing values are UsageErrors listing the known flags. */
export function parseFlags(
  command: string,
  args: string[],
  spec: FlagSpec,
  opts: ParseOptions = {},
): ParsedFlags {
  const known = Object.keys(spec);
  const knownText = known.map((k) => `--${k}`).join(", ");
  const values: ParsedFlags["values"] = {};
  const positionals: string[] = [];
  const set = (name: string, raw: string | boolean) => {
    const v = spec[name].path && typeof raw === "string" ? userPath(raw) : raw;
    if (!spec[name].multiple) values[name] = v;
    else values[name] = [...((values[name] ?? []) as (string | boolean)[]), v] as string[] | boolean[];
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-" || /^-\d/.test(arg)) {
      positionals.push(arg);
      continue;
    }
    let name: string, inline: string | undefined;
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      inline = eq < 0 ? undefined : arg.slice(eq + 1);
    } else {
      const short = arg.slice(1);
      const found = known.find((k) => spec[k].short === short);
      if (!found) {
        throw new UsageError(`${command}: unknown flag ${arg}; known flags: ${knownText}`);
      }
      name = found;
    }
    const opt = spec[name];
    if (!opt) {
      throw new UsageError(
        `${command}: unknown flag --${name}${didYouMean(name, known)}; known flags: ${knownText}`,
      );
    }
    if (opt.type === "boolean") {
      if (inline !== undefined) {
        throw new UsageError(`${command}: --${name} takes no value; got --${name}=${inline}`);
      }
      set(name, true);
      continue;
    }
    if (inline !== undefined) {
      set(name, inline);
      continue;
    }
    const next = args[i + 1];
    if (!isValue(next)) {
      throw new UsageError(
        `${command}: --${name} needs a value` +
          (next === undefined ? "" : ` (the next argument, ${JSON.stringify(next)}, is a flag; ` +
            `write --${name}=VALUE for a value starting with "-")`),
      );
    }
    set(name, next);
    i++;
  }
  if (opts.pathsFrom !== undefined) {
    for (let i = opts.pathsFrom; i < positionals.length; i++) positionals[i] = userPath(positionals[i]);
  }
  return { values, positionals };
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
