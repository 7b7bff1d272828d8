/**
 * Web Worker of bench_step.ts --arms: initialises the native backend with the given thread count, trains
 * `warmup + steps` steps of a workload and posts the timed steps' milliseconds.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { chooseBackend, initBackend } from "../../src/runtime/backend.ts";
import { makeTrainer, WORKLOADS } from "./step_workload.ts";

self.onmessage = async (e: MessageEvent) => {
  const { workload, threads, warmup, steps } = e.data as {
    workload: string;
    threads: number;
    warmup: number;
    steps: number;
  };
  try {
    await initBackend(await chooseBackend("native", "--backend", { nativeThreads: threads }));
    const t = makeTrainer(WORKLOADS[workload]);
    for (let s = 0; s < warmup; s++) await t.step(s);
    self.postMessage({ type: "ready" });
    await new Promise<void>((resolve) => (self.onmessage = () => resolve()));
    const ms: number[] = [];
    for (let s = warmup; s < warmup + steps; s++) {
      const t0 = performance.now();
      await t.step(s);
      ms.push(performance.now() - t0);
    }
    t.dispose();
    self.postMessage({ type: "done", ms });
  } catch (err) {
    self.postMessage({ type: "error", message: err instanceof Error ? err.message : String(err) });
  }
};
