/**
 * The registry of `deno task cli` subcommands, keyed by name.
 *
 * @module
 */
import type { CliCommand } from "./command.ts";

/** Every subcommand. Add one line per command file. */
export const COMMANDS: readonly CliCommand[] = [];
