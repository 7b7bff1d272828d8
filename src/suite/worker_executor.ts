/**
 * A RunExecutor backed by a pool of Deno Web Workers (src/suite/worker.ts), one per parallel job, so that
 * `--jobs 2` trains two runs at once on two cores with independent single-threaded tfjs instances.
 *
 * @module
 */
import type { RunResult } from "../train/types.ts";
import type { BackendChoice } from "../runtime/backend.ts";
import type { ExecContext, RunExecutor } from "./runner.ts";

/** A worker pool executor; call `close()` when the suite is done. */
export interface WorkerPool {
  executor: RunExecutor;
  close(): void;
}

/**
 * Create a pool of `size` workers that run configs on `backend`: a choice made once by the caller
 * (chooseBackend), so that workers neither probe WebGPU again nor resolve `auto` differently.
 */
export function createWorkerPool(size: number, backend: BackendChoice): WorkerPool {
  const url = new URL("./worker.ts", import.meta.url).href;
  const all: Worker[] = [];
  const free: Worker[] = [];
  const waiting: ((w: Worker) => void)[] = [];
  const acquire = (): Promise<Worker> => {
    const w = free.pop();
    if (w) return Promise.resolve(w);
    if (all.length < size) {
      const nw = new Worker(url, { type: "module" });
      all.push(nw);
      return Promise.resolve(nw);
    }
    return new Promise((resolve) => waiting.push(resolve));
  };
  const release = (w: Worker) => {
    const next = waiting.shift();
    if (next) next(w);
    else free.push(w);
  };
  const executor: RunExecutor = async (config, ctx: ExecContext) => {
    const w = await acquire();
    try {
      return await new Promise<RunResult>((resolve, reject) => {
        let pending = Promise.resolve();
        w.onmessage = (e: MessageEvent) => {
          const m = e.data;
          if (m.type === "progress") ctx.onProgress(m.p);
          else if (m.type === "samples") pending = pending.then(() => ctx.onSamples(m.s));
          else if (m.type === "result") pending.then(() => resolve(m.result), reject);
          else if (m.type === "error") reject(new Error(m.message));
        };
        w.onerror = (e: ErrorEvent) => {
          e.preventDefault();
          reject(new Error(`worker error: ${e.message}`));
        };
        w.postMessage({ type: "run", id: ctx.id, config, checkpointDir: ctx.checkpointDir, backend });
      });
    } finally {
      release(w);
    }
  };
  return {
    executor,
    close() {
      for (const w of all) w.terminate();
    },
  };
}
