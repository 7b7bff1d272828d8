/**
 * Entry point of `deno task cli <command> [args]`.
 *
 * @module
 */
import { COMMANDS } from "./commands.ts";
import { UsageError } from "../runtime/errors.ts";

/** Former subcommands that live elsewhere now, with where to find them. */
const MOVED: Record<string, string> = {
  perf: "the training-step benchmark is laboratory code (lab/perf/main.ts); run `deno task perf [options]` " +
    "(`deno task perf --help` for its options)",
};

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length), 4);
  return [
    "usage: deno task cli <command> [options]",
    "",
    "commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    `  ${"help".padEnd(width)}  this text; 'help <command>' for a command's usage`,
  ].join("\n");
}

/** Run the CLI with `args`; resolves to the exit code. */
export async function main(args: string[]): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    const cmd = rest[0] === undefined ? undefined : COMMANDS.find((c) => c.name === rest[0]);
    console.log(cmd ? cmd.usage : help());
    return 0;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd && name in MOVED) {
    console.error(`"${name}" is not a cli command: ${MOVED[name]}`);
    return 2;
  }
  if (!cmd) {
    console.error(
      `unknown command ${JSON.stringify(name)}; allowed: ${COMMANDS.map((c) => c.name).join(", ")}`,
    );
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    console.log(cmd.usage);
    return 0;
  }
  try {
    return await cmd.run(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`error: ${e.message}`);
      return 2;
    }
    throw e;
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
