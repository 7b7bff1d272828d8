/**
 * Entry point of `deno task cli <command> [args]`. Exit codes: see src/cli/entry.ts.
 *
 * @module
 */
import { COMMANDS } from "./commands.ts";
import { didYouMean } from "./args.ts";
import { describeError, EXIT, EXIT_CODES_HELP, runEntry } from "./entry.ts";
import { ANTBENCH_VERSION } from "../suite/version.ts";

/** Former subcommands that live elsewhere now, with where to find them. */
const MOVED: Record<string, string> = {
  perf: "the training-step benchmark is laboratory code (lab/perf/main.ts); run `deno task perf [options]` " +
    "(`deno task perf --help` for its options)",
};

/** The usage text of `deno task cli`. */
export function cliUsage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length), 4);
  return [
    "usage: deno task cli <command> [options]",
    "",
    "commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    `  ${"help".padEnd(width)}  this text; 'help <command>' for a command's usage`,
    "",
    "Relative paths are taken from the directory you run the command in. --version prints the version.",
    "",
    EXIT_CODES_HELP,
  ].join("\n");
}

/**
 * Run the CLI with `args`; resolves to the exit code. A command's expected failures (bad input, missing
 * permission) resolve to 2 with one line on stderr; anything else propagates (runEntry reports it).
 */
export async function main(args: string[]): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined) {
    console.error(cliUsage());
    console.error("error: no command given; choose one of the commands above");
    return EXIT.usage;
  }
  if (name === "--version" || name === "version") {
    console.log(`antbench ${ANTBENCH_VERSION}`);
    return EXIT.ok;
  }
  if (name === "help" || name === "--help" || name === "-h") {
    const cmd = rest[0] === undefined ? undefined : COMMANDS.find((c) => c.name === rest[0]);
    if (rest[0] !== undefined && !cmd && rest[0] in MOVED) {
      console.error(`error: "${rest[0]}" is not a cli command: ${MOVED[rest[0]]}`);
      return EXIT.usage;
    }
    if (rest[0] !== undefined && !cmd) {
      console.error(
        `error: help: unknown command ${JSON.stringify(rest[0])}; allowed: ${
          COMMANDS.map((c) => c.name).join(", ")
        }`,
      );
      return EXIT.usage;
    }
    console.log(cmd ? cmd.usage : cliUsage());
    return EXIT.ok;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd && name in MOVED) {
    console.error(`error: "${name}" is not a cli command: ${MOVED[name]}`);
    return EXIT.usage;
  }
  if (!cmd) {
    console.error(
      `error: unknown command ${JSON.stringify(name)}${didYouMean(name, COMMANDS.map((c) => c.name), "")}; ` +
        `allowed: ${COMMANDS.map((c) => c.name).join(", ")}`,
    );
    return EXIT.usage;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    console.log(cmd.usage);
    return EXIT.ok;
  }
  try {
    return await cmd.run(rest);
  } catch (e) {
    const d = describeError("cli", e);
    if (d.code !== EXIT.usage) throw e;
    console.error(d.message);
    return d.code;
  }
}

if (import.meta.main) await runEntry("cli", () => main(Deno.args));
