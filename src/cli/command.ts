/**
 * A subcommand of `deno task cli`. Each command lives in its own file under src/cli/ and is listed in
 * src/cli/commands.ts.
 *
 * Conventions: results go to stdout (with `--json`, exactly one JSON object and nothing else); progress
 * and diagnostics go to stderr; bad input throws UsageError (exit code 2).
 *
 * @module
 */

/** A CLI subcommand. */
export interface CliCommand {
  readonly name: string;
  /** One line for `deno task cli help`. */
  readonly summary: string;
  /** Full usage text. */
  readonly usage: string;
  /** Run with the arguments after the command name; resolves to the process exit code. */
  run(args: string[]): Promise<number>;
}
