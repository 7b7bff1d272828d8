/**
 * On-disk layout of a suite's outputs and the state of each run:
 *
 *     reports/<suite>/suite.json              the resolved suite
 *     reports/<suite>/runs/<id>/config.json   {schema, id, hash, antbench, config}: the resolved RunConfig
 *     reports/<suite>/runs/<id>/log.jsonl     append-only: a line per loss window and evaluation, then "end"
 *     reports/<suite>/runs/<id>/result.json   the RunResult; written last, atomically: its presence = done
 *     reports/<suite>/runs/<id>/checkpoint/   optional checkpoints
 *     reports/<suite>/runs/<id>/.claim        while a process trains the run (src/suite/lock.ts)
 *     reports/<suite>/.lock, .lock.shard-i-of-n   while a bench runs (src/suite/lock.ts)
 *
 * Every file is written with atomicWriteFile (temp file + rename), so a run killed at any moment leaves
 * either no result or a complete one, plus possibly stray `*.tmp` files that the next run removes.
 *
 * @module
 */
import { atomicWriteFile, atomicWriteJson } from "../runtime/atomic_write.ts";
import type { RunConfig, RunResult } from "../train/types.ts";
import { ANTBENCH_VERSION } from "./version.ts";

/** State of a run directory. */
export type RunState = "absent" | "incomplete" | "ok" | "failed";

/** What config.json holds. */
export interface StoredConfig {
  schema: "antbench.runconfig/1";
  id: string;
  hash: string;
  antbench: string;
  config: RunConfig;
}

/** Directory of run `id` under a suite output directory. */
export function runDir(outDir: string, id: string): string {
  return `${outDir}/runs/${id}`;
}

async function readJson<T>(path: string): Promise<T | null> {
  try {
    return JSON.parse(await Deno.readTextFile(path)) as T;
  } catch {
    return null;
  }
}

/** The stored result of a run, or null when there is none (or it cannot be parsed). */
export function readResult(dir: string): Promise<RunResult | null> {
  return readJson<RunResult>(`${dir}/result.json`);
}

/** State of the run in `dir`. */
export async function runState(dir: string): Promise<RunState> {
  const result = await readResult(dir);
  if (result) return result.status === "ok" ? "ok" : "failed";
  try {
    await Deno.stat(dir);
    return "incomplete";
  } catch {
    return "absent";
  }
}

/** Remove leftovers of an interrupted run (temporary files, partial log, stale result). */
export async function resetRunDir(dir: string): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  for await (const e of Deno.readDir(dir)) {
    if (e.name.startsWith(".claim")) continue; // claims and their temporary files belong to src/suite/lock.ts
    if (e.isFile && (e.name.endsWith(".tmp") || e.name === "log.jsonl" || e.name === "result.json")) {
      await Deno.remove(`${dir}/${e.name}`).catch((err) => {
        if (!(err instanceof Deno.errors.NotFound)) throw err;
      });
    }
  }
}

/** Write config.json. */
export function writeConfig(dir: string, id: string, hash: string, config: RunConfig): Promise<void> {
  const stored: StoredConfig = {
    schema: "antbench.runconfig/1",
    id,
    hash,
    antbench: ANTBENCH_VERSION,
    config,
  };
  return atomicWriteJson(`${dir}/config.json`, stored);
}

/**
 * Append `lines` (each one JSON object) to log.jsonl in one write: the log only grows, so a reader sees
 * whole lines plus at most one partial last line (see {@link readLog}).
 */
export async function appendLog(dir: string, lines: readonly unknown[]): Promise<void> {
  await Deno.writeTextFile(`${dir}/log.jsonl`, lines.map((l) => JSON.stringify(l) + "\n").join(""), {
    append: true,
  });
}

/** The lines of log.jsonl that parse (a partial last line of a killed writer is skipped); [] without one. */
export async function readLog(dir: string): Promise<Record<string, unknown>[]> {
  let text: string;
  try {
    text = await Deno.readTextFile(`${dir}/log.jsonl`);
  } catch {
    return [];
  }
  const out: Record<string, unknown>[] = [];
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    try {
      const v = JSON.parse(line);
      if (v !== null && typeof v === "object") out.push(v);
    } catch { /* a partial line */ }
  }
  return out;
}

/** Rewrite log.jsonl with `lines` (each one JSON object), atomically. */
export function writeLog(dir: string, lines: readonly unknown[]): Promise<void> {
  return atomicWriteFile(`${dir}/log.jsonl`, lines.map((l) => JSON.stringify(l) + "\n").join(""));
}

/** Write result.json (the run's completion marker). */
export function writeResult(dir: string, result: RunResult): Promise<void> {
  return atomicWriteJson(`${dir}/result.json`, result);
}

/** Ids of every run directory under `outDir/runs` that has a result, sorted. */
export async function listRunIds(outDir: string): Promise<string[]> {
  const ids: string[] = [];
  try {
    for await (const e of Deno.readDir(`${outDir}/runs`)) if (e.isDirectory) ids.push(e.name);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return ids.sort();
}

/** Every stored result under `outDir/runs`, sorted by id. */
export async function readAllResults(outDir: string): Promise<RunResult[]> {
  const out: RunResult[] = [];
  for (const id of await listRunIds(outDir)) {
    const r = await readResult(runDir(outDir, id));
    if (r) out.push(r);
  }
  return out;
}
