/**
 * Web Worker of `deno task perf --vs torch`: one independent antbench training job (its own tfjs instance
 * of the backend the main thread chose) used to measure per-machine throughput with N workers training in
 * parallel, or one job with N native threads. It trains the production run of the row's configuration
 * (lab/perf/contender.ts).
 *
 * Messages in: {cmd: "setup", config: RunConfig, backend: BackendChoice, threads?: number} -> {ok, params,
 * backend}; {cmd: "run", warmup, steps} -> {ok, ms: number[], elapsedMs}; {cmd: "close"}. Errors come back
 * as {ok: false, error}. With threads > 1 (native only) the native backend runs each "run" at that many
 * threads and is set back to 1 thread after it: OpenBLAS's count is process-wide, and the other arms of
 * the process run at 1 thread.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { type BackendChoice, initBackend, setNativeThreads } from "../../src/runtime/backend.ts";
import type { RunConfig } from "../../src/train/types.ts";
import { type Contender, createContender } from "../perf/contender.ts";

let side: Contender | null = null;
let threads = 1;

self.onmessage = async (e: MessageEvent) => {
  const msg = e.data as {
    cmd: string;
    config?: RunConfig;
    backend?: BackendChoice;
    threads?: number;
    warmup?: number;
    steps?: number;
  };
  try {
    if (msg.cmd === "setup") {
      const info = await initBackend(msg.backend ?? "wasm");
      threads = msg.threads ?? 1;
      if (threads > 1 && info.name !== "native") {
        throw new Error(`threads ${threads} need the native backend (this worker runs ${info.name})`);
      }
      side?.dispose();
      side = null;
      side = await createContender(msg.config!);
      self.postMessage({ ok: true, params: side.params, backend: info.name });
    } else if (msg.cmd === "run") {
      if (!side) throw new Error("run before setup");
      if (threads > 1) setNativeThreads(threads);
      try {
        if ((msg.warmup ?? 0) > 0) await side.block(msg.warmup!);
        const b = await side.block(msg.steps ?? 1);
        self.postMessage({ ok: true, ms: b.ms, elapsedMs: b.wallMs });
      } finally {
        if (threads > 1) setNativeThreads(1);
      }
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
