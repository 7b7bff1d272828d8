/**
 * `deno task cli merge OUT SHARD_DIR...`: combine the outputs of sharded suite runs (e.g. one directory per
 * Kubernetes pod) into one suite directory, then regenerate the report. Each run directory is copied
 * whole; when two shards hold the same run, a finished "ok" result wins over "failed", and two different
 * "ok" results of the same content id are an error (non-deterministic training).
 *
 * @module
 */
import type { CliCommand } from "./command.ts";
import { parseFlags } from "./args.ts";
import { listRunIds, readResult, runDir } from "../suite/store.ts";
import { generateReport } from "../report/generate.ts";
import { UsageError } from "../runtime/errors.ts";
import { lockOutputDir } from "../suite/lock.ts";
import { canonicalJson } from "../suite/content_id.ts";
import type { RunResult } from "../train/types.ts";

async function copyDir(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const e of Deno.readDir(from)) {
    if (e.name.endsWith(".tmp") || e.name === ".claim") continue;
    if (e.isDirectory) await copyDir(`${from}/${e.name}`, `${to}/${e.name}`);
    else if (e.isFile) await Deno.copyFile(`${from}/${e.name}`, `${to}/${e.name}`);
  }
}

function comparable(r: RunResult): string {
  const { timing: _t, environment: _e, ...rest } = r;
  return canonicalJson(rest);
}

/** Merge shard directories into `out`; returns the number of runs copied. */
export async function mergeShards(
  out: string,
  shards: readonly string[],
): Promise<{ copied: number; conflicts: string[] }> {
  let copied = 0;
  const conflicts: string[] = [];
  await Deno.mkdir(`${out}/runs`, { recursive: true });
  for (const shard of shards) {
    try {
      await Deno.stat(`${shard}/runs`);
    } catch {
      throw new UsageError(`merge: ${shard}: no runs/ directory (expected a suite output directory)`);
    }
    try {
      const suite = await Deno.readTextFile(`${shard}/suite.json`);
      await Deno.writeTextFile(`${out}/suite.json`, suite);
    } catch { /* optional */ }
    for (const id of await listRunIds(shard)) {
      const incoming = await readResult(runDir(shard, id));
      if (!incoming) continue;
      const existing = await readResult(runDir(out, id));
      if (existing) {
        if (existing.status === "ok" && incoming.status === "ok") {
          if (comparable(existing) !== comparable(incoming)) conflicts.push(id);
          continue;
        }
        if (existing.status === "ok") continue;
      }
      await copyDir(runDir(shard, id), runDir(out, id));
      copied++;
    }
  }
  return { copied, conflicts };
}

/** The merge command. */
export const mergeCommand: CliCommand = {
  name: "merge",
  summary: "combine sharded suite outputs into one directory and regenerate its report",
  usage: `usage: deno task cli merge OUT SHARD_DIR [SHARD_DIR ...] [--no-report]

Copies every finished run (runs/<id>/ with result.json) of each SHARD_DIR into OUT/runs/, preferring ok
over failed results, then runs 'report OUT'. Two different ok results for the same run id are reported as
conflicts (exit 1). With a shared filesystem (e.g. Slurm) all shards can write one directory directly.`,
  async run(args) {
    const { values, positionals } = parseFlags("merge", args, { "no-report": { type: "boolean" } }, {
      pathsFrom: 0,
    });
    if (positionals.length < 2) throw new UsageError("merge: expected OUT and at least one SHARD_DIR");
    const [out, ...shards] = positionals;
    const lock = await lockOutputDir(out, { command: "cli merge" });
    let r;
    try {
      r = await mergeShards(out, shards);
    } finally {
      await lock.release();
    }
    console.error(`merge: copied ${r.copied} run(s) into ${out}`);
    if (r.conflicts.length) {
      console.error(`merge: ${r.conflicts.length} conflicting ok result(s): ${r.conflicts.join(", ")}`);
    }
    if (!values["no-report"]) {
      const rep = await generateReport(out);
      console.log(`merge: ${rep.results} run results -> ${out}/README.md and the other report files`);
    }
    return r.conflicts.length ? 1 : 0;
  },
};
