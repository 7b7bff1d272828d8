/**
 * The resumable suite runner: runs every planned run that has no result yet (or a failed one, with
 * `retryFailed`), `jobs` at a time, writing config, log and result next to each other with atomic writes
 * (src/suite/store.ts). A run is executed by a {@link RunExecutor} (Web Workers in `deno task bench`, an
 * in-process function in tests), so the runner itself never touches tfjs.
 *
 * A run that throws is recorded as a failed result and the suite continues, exactly like a run that
 * diverges (runTraining returns status "failed").
 *
 * @module
 */
import type { EvalPoint, RunConfig, RunResult } from "../train/types.ts";
import type { PlannedRun } from "./expand.ts";
import { selectShard, type Shard } from "./shard.ts";
import { resetRunDir, runDir, runState, writeConfig, writeLog, writeResult } from "./store.ts";
import { runHash } from "./content_id.ts";
import { atomicWriteJson } from "../runtime/atomic_write.ts";

/** Progress of one run as reported by an executor. */
export interface ExecProgress {
  phase: "train" | "eval";
  step: number;
  steps: number;
  loss?: number;
}

/** Samples produced at an evaluation point (forwarded to the runner's `onSamples`). */
export interface ExecSamples {
  step: number;
  samples: Float32Array;
  n: number;
  dataShape: readonly number[];
}

/** What an executor gets besides the config. */
export interface ExecContext {
  id: string;
  dir: string;
  checkpointDir?: string;
  onProgress(p: ExecProgress): void;
  onSamples(s: ExecSamples): Promise<void>;
}

/** Runs one config to a result. */
export type RunExecutor = (config: RunConfig, ctx: ExecContext) => Promise<RunResult>;

/** Aggregate progress of a suite, for progress bars. */
export interface SuiteProgress {
  runsTotal: number;
  runsDone: number;
  runsFailed: number;
  stepsTotal: number;
  stepsDone: number;
  /** Short label of the run that last reported. */
  current: string;
}

/** Options of {@link runSuite}. */
export interface RunSuiteOptions {
  /** Suite output directory (reports/<suite>). */
  outDir: string;
  executor: RunExecutor;
  /** Number of runs in flight (default 1). */
  jobs?: number;
  shard?: Shard;
  /** Re-run runs whose stored result is "failed". */
  retryFailed?: boolean;
  /** Write checkpoints under runs/<id>/checkpoint. */
  checkpoints?: boolean;
  /** Called on every progress event. */
  onProgress?: (p: SuiteProgress) => void;
  /** Called with the samples of each evaluation point (e.g. to write sample grids into the run dir). */
  onSamples?: (dir: string, s: ExecSamples, config: RunConfig) => Promise<void>;
  /** Extra JSON written to outDir/suite.json (the resolved suite). */
  suite?: unknown;
}

/** What a suite run did. */
export interface RunSuiteSummary {
  planned: number;
  inShard: number;
  skipped: number;
  executed: number;
  ok: number;
  failed: number;
  failures: { id: string; error: string }[];
}

/** A short human label of a run, e.g. "swissroll/mlp snr k=5 uw seed 1". */
export function runLabel(c: RunConfig): string {
  const cl = c.clustering.objective === "none" ? "vanilla" : `${c.clustering.objective} k=${c.clustering.k}`;
  const only = c.train.timesteps ? ` t in [${c.train.timesteps[0]}, ${c.train.timesteps[1]}]` : "";
  return `${c.dataset.id}/${c.model.id} ${cl}${only} ${c.method.id} seed ${c.seed}`;
}

function failedResult(id: string, config: RunConfig, error: string): RunResult {
  return {
    schema: "antbench.run/1",
    id,
    status: "failed",
    error,
    config,
    clusters: [],
    curve: [],
    final: {},
    loss: { every: 0, values: [] },
    method: {},
    paramCount: 0,
    timing: { totalSeconds: 0, trainSeconds: 0, evalSeconds: 0, msPerStep: 0 },
    environment: {},
  };
}

/** Run (the shard of) a suite; resolves when every selected run has a result. */
export async function runSuite(runs: readonly PlannedRun[], opts: RunSuiteOptions): Promise<RunSuiteSummary> {
  const jobs = Math.max(1, opts.jobs ?? 1);
  await Deno.mkdir(`${opts.outDir}/runs`, { recursive: true });
  if (opts.suite !== undefined) await atomicWriteJson(`${opts.outDir}/suite.json`, opts.suite);
  const selected = opts.shard ? selectShard(runs, opts.shard) : [...runs];
  const todo: PlannedRun[] = [];
  for (const r of selected) {
    const state = await runState(runDir(opts.outDir, r.id));
    if (state === "ok" || (state === "failed" && !opts.retryFailed)) continue;
    todo.push(r);
  }
  const summary: RunSuiteSummary = {
    planned: runs.length,
    inShard: selected.length,
    skipped: selected.length - todo.length,
    executed: 0,
    ok: 0,
    failed: 0,
    failures: [],
  };
  const progress: SuiteProgress = {
    runsTotal: todo.length,
    runsDone: 0,
    runsFailed: 0,
    stepsTotal: todo.reduce((s, r) => s + r.config.train.steps, 0),
    stepsDone: 0,
    current: "",
  };
  opts.onProgress?.({ ...progress });

  const runOne = async (run: PlannedRun): Promise<void> => {
    const dir = runDir(opts.outDir, run.id);
    await resetRunDir(dir);
    await writeConfig(dir, run.id, await runHash(run.config), run.config);
    const label = runLabel(run.config);
    const log: unknown[] = [];
    let lastStep = 0;
    let writes = Promise.resolve();
    let result: RunResult;
    try {
      result = await opts.executor(run.config, {
        id: run.id,
        dir,
        ...(opts.checkpoints ? { checkpointDir: `${dir}/checkpoint` } : {}),
        onProgress(p) {
          if (p.phase === "train" && p.step > lastStep) {
            progress.stepsDone += p.step - lastStep;
            lastStep = p.step;
          }
          progress.current = `${label} step ${p.step}/${p.steps}${p.phase === "eval" ? " (eval)" : ""}`;
          opts.onProgress?.({ ...progress });
        },
        async onSamples(s) {
          log.push({ event: "eval", step: s.step, samples: s.n });
          writes = writes.then(() => writeLog(dir, log));
          await writes;
          if (opts.onSamples) await opts.onSamples(dir, s, run.config);
        },
      });
      result = { ...result, id: run.id };
    } catch (e) {
      result = failedResult(run.id, run.config, `run crashed: ${e instanceof Error ? e.message : String(e)}`);
    }
    await writes;
    // The final log: one line per evaluation point reached, with its metrics.
    const curveLines = result.curve.map((p: EvalPoint) => ({ event: "eval", ...p }));
    await writeLog(dir, [...curveLines, {
      event: "end",
      status: result.status,
      ...(result.error ? { error: result.error } : {}),
    }]);
    await writeResult(dir, result);
    progress.stepsDone += run.config.train.steps - lastStep;
    progress.runsDone++;
    summary.executed++;
    if (result.status === "ok") summary.ok++;
    else {
      summary.failed++;
      progress.runsFailed++;
      summary.failures.push({ id: run.id, error: result.error ?? "failed" });
    }
    progress.current = `${label}: ${result.status}`;
    opts.onProgress?.({ ...progress });
  };

  let next = 0;
  const worker = async () => {
    while (next < todo.length) await runOne(todo[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(jobs, todo.length) }, worker));
  return summary;
}
