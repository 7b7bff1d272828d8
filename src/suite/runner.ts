/**
 * The resumable suite runner: runs every planned run that has no result yet (or a failed one, with
 * `retryFailed`), `jobs` at a time, writing config, log and result next to each other with atomic writes
 * (src/suite/store.ts). A run is executed by a {@link RunExecutor} (Web Workers in `deno task bench`, an
 * in-process function in tests), so the runner itself never touches tfjs.
 *
 * A run that throws is recorded as a failed result and the suite continues, exactly like a run that
 * diverges (runTraining returns status "failed").
 *
 * Concurrency (src/suite/lock.ts): each run is claimed (runs/<id>/.claim) before it trains and released
 * after its result is written. A run claimed by another live process is left to it: the runner goes on
 * with the others, then waits for that run's result (polling every `pollMs`), and trains it itself only
 * if the claim goes stale. So processes sharing a directory (overlapping shards, a second bench) train
 * every run once, and each returns only when every run of its selection has a result.
 *
 * @module
 */
import { seedMajor } from "./order.ts";
import { drainClaimQueue } from "./claim_queue.ts";
import type { RunConfig, RunResult } from "../train/types.ts";
import type { EvalSamples, LossPoint } from "../train/run.ts";
import type { PlannedRun } from "./expand.ts";
import { selectShard, type Shard } from "./shard.ts";
import { appendLog, resetRunDir, runDir, runState, writeConfig, writeResult } from "./store.ts";
import { runHash } from "./content_id.ts";
import { atomicWriteJson } from "../runtime/atomic_write.ts";
import { claimRun, describeHolder, holderInfo, type LockTiming } from "./lock.ts";

/** Progress of one run as reported by an executor. */
export interface ExecProgress {
  /** Training or evaluation. */
  phase: "train" | "eval";
  /** Training steps done. */
  step: number;
  /** Training steps of the run. */
  steps: number;
  /** The latest step loss, when it was read. */
  loss?: number;
}

/** Samples produced at an evaluation point (forwarded to the runner's `onSamples`). */
export type ExecSamples = EvalSamples;

/** What an executor gets besides the config. */
export interface ExecContext {
  /** Content id of the run. */
  id: string;
  /** The run directory. */
  dir: string;
  /** Where to write checkpoints (when asked for). */
  checkpointDir?: string;
  /** Report progress. */
  onProgress(p: ExecProgress): void;
  /** Hand over an evaluation's samples (awaited before training goes on). */
  onSamples(s: ExecSamples): Promise<void>;
  /** The training loss of each loss window, as training goes (appended to the run's log.jsonl). */
  onLoss?(l: LossPoint): void;
}

/** Runs one config to a result. */
export type RunExecutor = (config: RunConfig, ctx: ExecContext) => Promise<RunResult>;

/** Aggregate progress of a suite, for progress bars. */
export interface SuiteProgress {
  /** Runs to train in this invocation. */
  runsTotal: number;
  /** Runs finished. */
  runsDone: number;
  /** Runs that failed. */
  runsFailed: number;
  /** Training steps of all runs to train. */
  stepsTotal: number;
  /** Training steps done. */
  stepsDone: number;
  /** Short label of the run that last reported. */
  current: string;
  /** The runs training now, in the order they started. */
  active: ActiveRun[];
}

/** A run in flight, for progress bars. */
export interface ActiveRun {
  /** Short label, e.g. "checkerboard/mlp snr k=5 uw seed 1". */
  label: string;
  /** Training steps done, of `steps`. */
  step: number;
  /** Training steps of the run. */
  steps: number;
  /** "train", or "eval" while an evaluation point is measured. */
  phase: "train" | "eval";
  /** Mean training loss of the latest loss window (absent before the first). */
  loss?: number;
  /** performance.now() when the run started. */
  startedMs: number;
}

/** Options of {@link runSuite}. */
export interface RunSuiteOptions {
  /** Suite output directory (reports/<suite>). */
  outDir: string;
  /** Trains one run. */
  executor: RunExecutor;
  /** Number of runs in flight (default 1). */
  jobs?: number;
  /** Train only this shard. */
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
  /** Who claims the runs, for other processes' messages (default "bench"). */
  command?: string;
  /** Heartbeat and staleness of run claims (default DEFAULT_LOCK_TIMING). */
  lockTiming?: LockTiming;
  /** How often to look again at runs claimed by another process (default 5 s). */
  pollMs?: number;
  /**
   * Diagnostics: claims taken over, runs left to other processes, and one `trained run <id> (<label>):
   * <status> in <s> s` line per training that wrote its result; default: none.
   */
  onMessage?: (line: string) => void;
  /** Called with each run's training loss windows as they happen (e.g. for a progress bar). */
  onLoss?: (label: string, l: LossPoint) => void;
}

/** What a suite run did. */
export interface RunSuiteSummary {
  /** Runs the suite plans. */
  planned: number;
  /** Runs in the shard. */
  inShard: number;
  /** Runs skipped (already done). */
  skipped: number;
  /** Runs trained now. */
  executed: number;
  /** Runs trained now with an ok result. */
  ok: number;
  /** Runs trained now that failed. */
  failed: number;
  /** The failed runs and why. */
  failures: { id: string; error: string }[];
  /** Runs that another process trained (or was training) while this one ran. */
  byOthers: number;
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
    byOthers: 0,
  };
  const progress: SuiteProgress = {
    runsTotal: todo.length,
    runsDone: 0,
    runsFailed: 0,
    stepsTotal: todo.reduce((s, r) => s + r.config.train.steps, 0),
    stepsDone: 0,
    current: "",
    active: [],
  };
  const active = new Map<string, ActiveRun>();
  const snapshot = (): SuiteProgress => ({
    ...progress,
    active: [...active.values()].map((a) => ({ ...a })),
  });
  opts.onProgress?.(snapshot());

  const done = (state: string) => state === "ok" || (state === "failed" && !opts.retryFailed);
  const claimInfo = (id: string) =>
    holderInfo("claim", opts.command ?? "bench", {
      run: id,
      ...(opts.shard ? { shard: `${opts.shard.index}/${opts.shard.count}` } : {}),
    });
  const told = new Set<string>();

  /** Train `run` unless another process has it; "busy" when a live claim belongs to someone else. */
  const runOne = async (run: PlannedRun): Promise<"done" | "busy"> => {
    const dir = runDir(opts.outDir, run.id);
    const label = runLabel(run.config);
    const claim = await claimRun(dir, claimInfo(run.id), {
      ...(opts.lockTiming ? { timing: opts.lockTiming } : {}),
      onTakeover: (h, why) =>
        opts.onMessage?.(
          `taking over run ${run.id} (${label}) from ${
            h ? describeHolder(h) : "an unreadable claim"
          }: ${why}`,
        ),
      onLost: () =>
        opts.onMessage?.(`the claim of run ${run.id} was taken over by another process (heartbeat too late)`),
    });
    if (!claim.held) {
      if (!told.has(run.id)) {
        told.add(run.id);
        opts.onMessage?.(
          `run ${run.id} (${label}) is being trained by ${
            claim.holder ? describeHolder(claim.holder) : "another process"
          }; waiting for it`,
        );
      }
      return "busy";
    }
    try {
      // Another process may have finished it between the scan and the claim.
      if (done(await runState(dir))) {
        summary.byOthers++;
        progress.runsDone++;
        progress.stepsDone += run.config.train.steps;
        opts.onProgress?.(snapshot());
        return "done";
      }
      await trainOne(run, dir, label);
      return "done";
    } finally {
      await claim.held.release();
    }
  };

  const trainOne = async (run: PlannedRun, dir: string, label: string): Promise<void> => {
    const started = performance.now();
    await resetRunDir(dir);
    await writeConfig(dir, run.id, await runHash(run.config), run.config);
    // log.jsonl is append-only: one line per loss window and per evaluation as they happen, then "end". A
    // kill loses at most the line being written; a rerun starts the run (and its log) from scratch.
    let writes = Promise.resolve();
    const log = (line: Record<string, unknown>) => {
      writes = writes.then(() => appendLog(dir, [line]));
      return writes;
    };
    let lastStep = 0;
    let result: RunResult;
    active.set(run.id, {
      label,
      step: 0,
      steps: run.config.train.steps,
      phase: "train",
      startedMs: performance.now(),
    });
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
          const a = active.get(run.id);
          if (a) Object.assign(a, { step: p.step, steps: p.steps, phase: p.phase });
          opts.onProgress?.(snapshot());
        },
        async onSamples(s) {
          await log(
            s.point
              ? { event: "eval", step: s.step, metrics: s.point.metrics, trainLoss: s.point.trainLoss }
              : { event: "eval", step: s.step, samples: s.n },
          );
          if (opts.onSamples) await opts.onSamples(dir, s, run.config);
        },
        onLoss(l) {
          void log({ event: "loss", step: l.step, loss: l.loss, clusters: l.clusters });
          const a = active.get(run.id);
          if (a) a.loss = l.loss;
          opts.onLoss?.(label, l);
        },
      });
      result = { ...result, id: run.id };
    } catch (e) {
      result = failedResult(run.id, run.config, `run crashed: ${e instanceof Error ? e.message : String(e)}`);
    }
    await writes;
    await log({ event: "end", status: result.status, ...(result.error ? { error: result.error } : {}) });
    await writeResult(dir, result);
    // One line per training that reached its result: cluster logs show which process trained which run.
    opts.onMessage?.(
      `trained run ${run.id} (${label}): ${result.status} in ${
        ((performance.now() - started) / 1000).toFixed(1)
      } s`,
    );
    progress.stepsDone += run.config.train.steps - lastStep;
    progress.runsDone++;
    summary.executed++;
    if (result.status === "ok") summary.ok++;
    else {
      summary.failed++;
      progress.runsFailed++;
      summary.failures.push({ id: run.id, error: result.error ?? "failed" });
    }
    active.delete(run.id);
    progress.current = `${label}: ${result.status}`;
    opts.onProgress?.(snapshot());
  };

  // Runs busy elsewhere are looked at again when the queue is empty (src/suite/claim_queue.ts).
  // Seed-major, so that a suite stopped part-way leaves complete paired replicates (src/suite/order.ts).
  await drainClaimQueue(seedMajor(todo), {
    jobs,
    pollMs: opts.pollMs ?? 5000,
    attempt: runOne,
    doneElsewhere: async (r) => done(await runState(runDir(opts.outDir, r.id))),
    onDoneElsewhere(r) {
      summary.byOthers++;
      progress.runsDone++;
      progress.stepsDone += r.config.train.steps;
      opts.onProgress?.(snapshot());
    },
  });
  return summary;
}
