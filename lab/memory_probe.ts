/**
 * One measurement of `lab/memory_calibration.ts`: train the run `Deno.args[1]` (an index) of the suite JSON
 * `Deno.args[0]` on the wasm backend in this process and print one JSON line: the wasm heap size when the
 * first evaluation starts (the training peak: the heap never shrinks), at the end (training and
 * evaluation), the process's peak resident memory (VmHWM), and the estimate of src/suite/memory.ts.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { resolveSuite } from "../src/suite/validate.ts";
import { planRuns } from "../src/suite/expand.ts";
import { defaultRegistries } from "../src/suite/registries.ts";
import { initBackend } from "../src/runtime/backend.ts";
import { runTraining } from "../src/train/run.ts";

const reg = defaultRegistries();
const suite = resolveSuite(JSON.parse(Deno.args[0]), reg);
const run = (await planRuns(suite, reg))[Number(Deno.args[1] ?? "0")];
await initBackend("wasm");
const heap = () => (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length;
const heapStart = heap();
let heapTrain = 0;
const t0 = performance.now();
let status: string, error: string | undefined;
try {
  const r = await runTraining(run.config, {
    onProgress: (p) => {
      if (p.phase === "eval" && heapTrain === 0) heapTrain = heap();
    },
  });
  status = r.status;
  error = r.error;
} catch (e) {
  status = "crashed";
  error = String(e);
}
const hwm = Number(/VmHWM:\s+(\d+)/.exec(Deno.readTextFileSync("/proc/self/status"))![1]) * 1024;
console.log(JSON.stringify({
  status,
  ...(error ? { error } : {}),
  heapStart,
  heapTrain,
  heapEnd: heap(),
  hwm,
  seconds: Math.round((performance.now() - t0) / 100) / 10,
}));
