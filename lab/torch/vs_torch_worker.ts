/**
 * Web Worker of `deno task perf --vs torch`: one independent antbench training process (its own tfjs wasm
 * instance, one core) used to measure per-machine throughput with N workers training in parallel. It
 * trains the production run of the row's configuration (lab/perf/contender.ts).
 *
 * Messages in: {cmd: "setup", config: RunConfig} -> {ok, params}; {cmd: "run", warmup, steps} ->
 * {ok, ms: number[], elapsedMs}; {cmd: "close"}. Errors come back as {ok: false, error}.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { initBackend } from "../../src/runtime/backend.ts";
import type { RunConfig } from "../../src/train/types.ts";
import { type Contender, createContender } from "../perf/contender.ts";

let side: Contender | null = null;

self.onmessage = async (e: MessageEvent) => {
  const msg = e.data as { cmd: string; config?: RunConfig; warmup?: number; steps?: number };
  try {
    if (msg.cmd === "setup") {
      await initBackend("wasm");
      side?.dispose();
      side = null;
      side = await createContender(msg.config!);
      self.postMessage({ ok: true, params: side.params });
    } else if (msg.cmd === "run") {
      if (!side) throw new Error("run before setup");
      if ((msg.warmup ?? 0) > 0) await side.block(msg.warmup!);
      const b = await side.block(msg.steps ?? 1);
      self.postMessage({ ok: true, ms: b.ms, elapsedMs: b.wallMs });
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
