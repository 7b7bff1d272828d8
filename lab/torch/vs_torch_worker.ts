/**
 * Web Worker of `deno task perf --vs torch`: one independent antbench training process (its own tfjs wasm
 * instance, one core) used to measure per-machine throughput with N workers training in parallel.
 *
 * Messages in: {cmd: "setup", spec: StepperSpec} -> {ok, params}; {cmd: "run", warmup, steps} ->
 * {ok, ms: number[], elapsedMs}; {cmd: "close"}. Errors come back as {ok: false, error}.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { initBackend } from "../../src/runtime/backend.ts";
import { type AntbenchStepper, buildAntbenchStepper, type StepperSpec } from "./vs_torch.ts";

let side: AntbenchStepper | null = null;

self.onmessage = async (e: MessageEvent) => {
  const msg = e.data as { cmd: string; spec?: StepperSpec; warmup?: number; steps?: number };
  try {
    if (msg.cmd === "setup") {
      await initBackend("wasm");
      side?.dispose();
      side = buildAntbenchStepper(msg.spec!);
      self.postMessage({ ok: true, params: side.params });
    } else if (msg.cmd === "run") {
      if (!side) throw new Error("run before setup");
      for (let i = 0; i < (msg.warmup ?? 0); i++) await side.step();
      const t0 = performance.now();
      const ms = await side.time(msg.steps ?? 1);
      self.postMessage({ ok: true, ms, elapsedMs: performance.now() - t0 });
    } else if (msg.cmd === "close") {
      side?.dispose();
      side = null;
      self.postMessage({ ok: true });
      self.close();
    }
  } catch (err) {
    self.postMessage({ ok: false, error: err instanceof Error ? err.message : String(err) });
  }
};
