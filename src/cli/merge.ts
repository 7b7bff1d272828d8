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

/**
 * What must agree between two ok results of one run id: everything but timing and environment, and but the
 * path of an affinity file whose bytes the id already hashes (shards write their matrices to their own
 * directories).
 */
function comparable(r: RunResult): string {
  const { timing: _t, environment: _e, ...rest } = r;
  const cl = rest.config?.clustering;
  if (cl?.affinitySha256 !== undefined) {
    const { affinity: _a, ...clustering } = cl;
    return canonicalJson({ ...rest, config: { ...rest.config, clustering } });
  }
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
    await mergeAffinity(shard, out, conflicts);
  }
  return { copied, conflicts };
}

/**
 * Copy the task-affinity matrices a suite measured (affinity/<key>.json, .svg, .timing.json; not claims or
 * trained checkpoints), so the merged directory plans the same gradient runs and its report finds the
 * heatmaps. The same key with other bytes in the matrix file is a conflict ("affinity/<key>.json").
 */
async function mergeAffinity(shard: string, out: string, conflicts: string[]): Promise<void> {
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(`${shard}/affinity`)];
  } catch {
    return;
  }
  await Deno.mkdir(`${out}/affinity`, { recursive: true });
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (!e.isFile || !/^[0-9a-f]+(\.json|\.svg|\.timing\.json)$/.test(e.name)) continue;
    const from = `${shard}/affinity/${e.name}`, to = `${out}/affinity/${e.name}`;
    const incoming = await Deno.readFile(from);
    let existing: Uint8Array | null = null;
    try {
      existing = await Deno.readFile(to);
    } catch { /* not there yet */ }
    if (existing && /^[0-9a-f]+\.json$/.test(e.name)) {
      if (existing.length !== incoming.length || existing.some((b, i) => b !== incoming[i])) {
        conflicts.push(`affinity/${e.name}`);
      }
      continue;
    }
    if (!existing) await Deno.writeFile(to, incoming);
  }
}

/** The merge command. */
export const mergeCommand: CliCommand = {
  name: "merge",
  summary: "combine sharded suite outputs into one directory and regenerate its report",
  usage: `usage: deno task cli merge OUT SHARD_DIR [SHARD_DIR ...] [--no-report]

Copies every finished run (runs/<id>/ with result.json) of each SHARD_DIR into OUT/runs/, preferring ok
over failed results, and the task-affinity matrices a suite measured (affinity/<key>.json, .svg), then runs
'report OUT'. Two different ok results for the same run id are reported as
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
