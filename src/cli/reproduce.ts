/**
 * `deno task cli reproduce PUBLISHED DIR [--json]`: compare the runs of DIR with the published results of
 * the same suite run by run (src/report/reproduce.ts) and print the verdict line that `deno task bench`
 * prints after a fresh run.
 *
 * @module
 */
import type { CliCommand } from "./command.ts";
import { parseFlags } from "./args.ts";
import { UsageError } from "../runtime/errors.ts";
import { compareReproduction } from "../report/reproduce.ts";

async function requireDir(dir: string, role: string): Promise<void> {
  try {
    if (!(await Deno.stat(dir)).isDirectory) {
      throw new UsageError(`reproduce: ${role} ${dir} is not a directory`);
    }
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new UsageError(`reproduce: ${role} ${dir}: no such directory`);
    }
    throw e;
  }
}

/** The reproduce command. */
export const reproduceCommand: CliCommand = {
  name: "reproduce",
  summary:
    "check a suite directory against the published results of the same suite, run by run (bit-identity)",
  usage: `usage: deno task cli reproduce PUBLISHED DIR [--json]

Matches every run of DIR (the runs its suite.json plans) with the run of the same resolved configuration in
PUBLISHED and prints one verdict line, then one line per differing run (metric, relative difference, new vs
published value):
  reproduced 15/15 runs bit-identically (wasm, tfjs 4.22.0)
  NOT reproduced: 2/15 runs differ from PUBLISHED on the same environment (...)
  15/15 runs differ from PUBLISHED, as expected: the environment differs (backend native here vs wasm; ...)
Bit-identity is expected only with the same antbench, Deno/V8 and tfjs versions and the same backend (and,
for backends whose kernels depend on the CPU, the same CPU model); across environments the line gives the
largest relative differences and how many of the report's verdicts agree.

  --json  print the whole comparison as one JSON object

exit codes: 0 reproduced, or differences explained by a different environment; 1 a difference on the same
environment, or a run of DIR without an ok result; 2 unusable input`,
  async run(args) {
    const { values, positionals } = parseFlags("reproduce", args, { json: { type: "boolean" } }, {
      pathsFrom: 0,
    });
    if (positionals.length !== 2) {
      throw new UsageError(
        `reproduce: expected two directories (PUBLISHED DIR), got ${positionals.length}; ` +
          "usage: deno task cli reproduce PUBLISHED DIR",
      );
    }
    const [published, dir] = positionals.map((p) => p.replace(/\/+$/, "") || "/");
    await requireDir(published, "PUBLISHED");
    await requireDir(dir, "DIR");
    const rep = await compareReproduction(published, dir);
    if (values.json) console.log(JSON.stringify(rep));
    else {
      console.log(rep.line);
      for (const d of rep.details) console.log(d);
    }
    return rep.exitCode;
  },
};
