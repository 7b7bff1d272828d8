/**
 * A RunExecutor backed by a pool of Deno Web Workers (src/suite/worker.ts), one per parallel job, so that
 * `--jobs 2` trains two runs at once on two cores with independent single-threaded tfjs instances.
 *
 * A worker whose run threw is terminated and replaced by a fresh one before the next run: an exception out
 * of tfjs can leave its backend dead (tfjs-wasm's "RuntimeError: Aborted()" after the wasm heap is
 * exhausted makes every later call abort too), so a worker is reused only after a run that returned. A
 * run that died of memory exhaustion is reported as "out of memory: ...", with the estimate when the
 * caller gives one.
 *
 * @module
 */
import type { RunResult } from "../train/types.ts";
import type { BackendChoice } from "../runtime/backend.ts";
import type { ExecContext, RunExecutor } from "./runner.ts";
import type { RunConfig } from "../train/types.ts";
import type { AffinityExecutor } from "./affinity_phase.ts";
import type { AffinityJobSummary } from "./affinity_job.ts";

/** Messages of tfjs-wasm, V8 and Emscripten that mean the worker ran out of memory. */
const OUT_OF_MEMORY =
  /Aborted\(|memory access out of bounds|out of memory|Array buffer allocation failed|Cannot enlarge memory|allocation failed|Invalid typed array length|WebAssembly\.Memory/i;

/**
 * The error of a crashed run, naming memory exhaustion when the message says so (`note`: e.g. the
 * estimate and what to change).
 */
export function crashMessage(message: string, note?: string): string {
  if (!OUT_OF_MEMORY.test(message)) return message;
  return `out of memory: the run exhausted its worker's memory${note ? ` (${note})` : ""}; ` +
    `reduce train.batchSize, eval.samples or the model size (the worker said: ${message.split("\n")[0]})`;
}

/** Options of {@link createWorkerPool}. */
export interface WorkerPoolOptions {
  /** Extra words for an out-of-memory message of a run, e.g. its estimated peak. */
  memoryNote?: (config: RunConfig) => string | undefined;
  /** Worker module (default ./worker.ts; tests substitute one). */
  workerUrl?: string;
}

/** A worker pool executor; call `close()` when the suite is done. */
export interface WorkerPool {
  /** The executor for runSuite. */
  executor: RunExecutor;
  /** Computes an affinity job of phase 1 in a worker (src/suite/affinity_job.ts). */
  affinityExecutor(keepCheckpoints?: boolean): AffinityExecutor;
  /** Terminate every worker. */
  close(): void;
}

/**
 * Create a pool of `size` workers that run configs on `backend`: a choice made once by the caller
 * (chooseBackend), so that workers neither probe WebGPU again nor resolve `auto` differently.
 */
export function createWorkerPool(
  size: number,
  backend: BackendChoice,
  opts: WorkerPoolOptions = {},
): WorkerPool {
  const url = opts.workerUrl ?? new URL("./worker.ts", import.meta.url).href;
  const all = new Set<Worker>();
  const free: Worker[] = [];
  const waiting: ((w: Worker) => void)[] = [];
  const spawn = () => {
    const w = new Worker(url, { type: "module" });
    all.add(w);
    return w;
  };
  const acquire = (): Promise<Worker> => {
    const w = free.pop();
    if (w) return Promise.resolve(w);
    if (all.size < size) return Promise.resolve(spawn());
    return new Promise((resolve) => waiting.push(resolve));
  };
  const release = (w: Worker) => {
    const next = waiting.shift();
    if (next) next(w);
    else free.push(w);
  };
  /** Terminate a worker that failed; a waiting run gets a fresh one. */
  const discard = (w: Worker) => {
    w.terminate();
    all.delete(w);
    const next = waiting.shift();
    if (next) next(spawn());
  };
  /** Post `message` to a free worker and settle with its "result" (or its error). */
  const call = async <R>(
    message: Record<string, unknown>,
    onProgress: (p: never) => void,
    onSamples: ((s: never) => Promise<void>) | null,
    onLoss: ((l: never) => void | Promise<void>) | null,
    note: string | undefined,
  ): Promise<R> => {
    const w = await acquire();
    let healthy = false;
    try {
      const result = await new Promise<R>((resolve, reject) => {
        let pending = Promise.resolve();
        w.onmessage = (e: MessageEvent) => {
          const m = e.data;
          if (m.type === "progress") onProgress(m.p as never);
          else if (m.type === "samples" && onSamples) pending = pending.then(() => onSamples(m.s as never));
          // In the chain too, so that the log keeps the worker's order of losses and evaluations.
          else if (m.type === "loss" && onLoss) pending = pending.then(() => onLoss(m.l as never));
          else if (m.type === "result") pending.then(() => resolve(m.result), reject);
          else if (m.type === "error") reject(new Error(crashMessage(m.message, note)));
        };
        w.onerror = (e: ErrorEvent) => {
          e.preventDefault();
          reject(new Error(crashMessage(`worker error: ${e.message}`, note)));
        };
        w.onmessageerror = () => reject(new Error("worker error: a message could not be deserialised"));
        w.postMessage({ ...message, backend });
      });
      healthy = true;
      return result;
    } finally {
      if (healthy) release(w);
      else discard(w);
    }
  };
  const executor: RunExecutor = (config, ctx: ExecContext) =>
    call<RunResult>(
      { type: "run", id: ctx.id, config, checkpointDir: ctx.checkpointDir },
      ctx.onProgress,
      ctx.onSamples,
      ctx.onLoss ?? null,
      opts.memoryNote?.(config),
    );
  const affinityExecutor = (keepCheckpoints = false): AffinityExecutor => (job, ctx) =>
    call<AffinityJobSummary>(
      { type: "affinity", job, keepCheckpoints },
      ctx.onProgress,
      null,
      null,
      opts.memoryNote?.(job.vanilla.config),
    );
  return {
    executor,
    affinityExecutor,
    close() {
      for (const w of all) w.terminate();
      all.clear();
    },
  };
}
