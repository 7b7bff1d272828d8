/**
 * Errors that reach users. Every message names the offending field or flag, the value given and what is
 * allowed, so a user can fix the input without reading the source.
 *
 * @module
 */

/** Bad input from a user: a CLI flag, a suite file, a data file. Exit code 2 in the CLI. */
export class UsageError extends Error {
  /** Error name. */
  override name = "UsageError";
}

/** Build the standard "field: got X; allowed: Y" message. */
export function badValue(field: string, value: unknown, allowed: string): string {
  return `${field}: got ${formatValue(value)}; allowed: ${allowed}`;
}

/** A compact, unambiguous rendering of a user value for error messages. */
export function formatValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (value === undefined) return "nothing";
  try {
    const s = JSON.stringify(value);
    return s.length > 80 ? s.slice(0, 77) + "..." : s;
  } catch {
    return String(value);
  }
}

/**
 * Throw a UsageError listing all problems at once (no-op for an empty list): one line for one problem,
 * `context: N problems` and one indented line per problem otherwise.
 */
export function throwIfProblems(context: string, problems: string[]): void {
  if (problems.length === 0) return;
  if (problems.length === 1) throw new UsageError(`${context}: ${problems[0]}`);
  throw new UsageError(
    `${context}: ${problems.length} problems\n` + problems.map((p) => `  - ${p}`).join("\n"),
  );
}

/**
 * An environment that cannot work: a missing permission, an output directory in use by another process,
 * a machine without what the run needs. Exit code 2, like a UsageError.
 */
export class EnvironmentError extends Error {
  /** Error name. */
  override name = "EnvironmentError";
}

/** True for Deno's permission errors (NotCapable with --no-prompt, PermissionDenied from the OS). */
export function isPermissionError(e: unknown): e is Error {
  return e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied;
}

/** One problem per key of `options` that is not a key of `defaults` (a misspelt or unsupported option). */
export function unknownOptionProblems(options: Record<string, unknown>, defaults: object): string[] {
  const known = Object.keys(defaults);
  return Object.keys(options).filter((k) => !known.includes(k)).map((k) =>
    badValue(k, options[k], `one of the options ${known.join(", ")}`)
  );
}
