/**
 * Web Worker of bench_step.ts --arms: initialises the native backend with the given thread count,
 * assembles the production run of the given configuration (lab/perf/contender.ts, on the run-assembly
 * seam), trains `warmup` untimed steps, then on "go" `steps` timed steps (each with the trainer's loss
 * read) and posts their milliseconds.
 *
 * Messages in: {config: RunConfig, threads, warmup, steps} -> {type: "ready"}; "go" -> {type: "done", ms}.
 * Errors: {type: "error", message}.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { chooseBackend, initBackend } from "../../src/runtime/backend.ts";
import type { RunConfig } from "../../src/train/types.ts";
import { createContender } from "../perf/contender.ts";

self.onmessage = async (e: MessageEvent) => {
  const { config, threads, warmup, steps } = e.data as {
    config: RunConfig;
    threads: number;
    warmup: number;
    steps: number;
  };
  try {
    const info = await initBackend(await chooseBackend("native", "--backend", { nativeThreads: threads }));
    if (info.name !== "native") throw new Error(`the native backend is unavailable here (${info.reason})`);
    const c = await createContender(config);
    try {
      if (warmup > 0) await c.block(warmup);
      self.postMessage({ type: "ready" });
      await new Promise<void>((resolve) => (self.onmessage = () => resolve()));
      const b = await c.block(steps);
      self.postMessage({ type: "done", ms: b.ms });
    } finally {
      c.dispose();
    }
  } catch (err) {
    self.postMessage({ type: "error", message: err instanceof Error ? err.message : String(err) });
  }
};
