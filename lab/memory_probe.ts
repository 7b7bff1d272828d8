/**
 * One measurement of `lab/memory_calibration.ts`: train the run of the suite JSON `Deno.args[0]` whose
 * method is `Deno.args[1]` ("baseline" for the vanilla baseline) on the backend `Deno.args[2]` (wasm or
 * cpu) in this process, and print one JSON line:
 *
 * - `liveTrain`, `liveEval`: the peak bytes in use during the training steps and during the evaluation
 *   (wasm: between the module's malloc and free, kernels' scratch included; cpu: distinct tensor data),
 *   from src/runtime/live_memory.ts, counted from before the run is assembled;
 * - `heapTrain`, `heapEnd` (wasm): the heap size when the evaluation starts (it never shrinks, so this is the
 *   training peak) and at the end; `heapStart` before anything;
 * - `hwm`: the process's peak resident memory (VmHWM), everything included.
 *
 * The suite should evaluate once, after the last step (`eval.at: [steps]`), so the phases do not mix.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { resolveSuite } from "../src/suite/validate.ts";
import { planRuns } from "../src/suite/expand.ts";
import { defaultRegistries } from "../src/suite/registries.ts";
import { initBackend } from "../src/runtime/backend.ts";
import { runTraining } from "../src/train/run.ts";
import { type LiveMeter, trackTensorData, trackWasmMalloc, wasmModule } from "../src/runtime/live_memory.ts";

const [suiteJson, pick = "baseline", backend = "wasm"] = Deno.args;
const reg = defaultRegistries();
const suite = resolveSuite(JSON.parse(suiteJson), reg);
const runs = await planRuns(suite, reg);
const run = runs.find((r) =>
  pick === "baseline" ? r.config.clustering.objective === "none" : r.config.method.id === pick
);
if (!run) throw new Error(`no run with method ${pick}`);
await initBackend(backend);
const heap = () => wasmModule()?.HEAPU8.length ?? 0;
const heapStart = heap();
const meter: LiveMeter = trackWasmMalloc() ?? trackTensorData();
let liveTrain = 0, liveEval = 0, heapTrain = 0;
const t0 = performance.now();
let status: string, error: string | undefined;
try {
  const r = await runTraining(run.config, {
    onProgress: (p) => {
      if (p.phase !== "eval") return;
      liveTrain = Math.max(liveTrain, meter.peak);
      meter.resetPeak();
      if (heapTrain === 0) heapTrain = heap();
    },
    onEval: () => {
      liveEval = Math.max(liveEval, meter.peak);
      meter.resetPeak();
    },
  });
  status = r.status;
  error = r.error;
} catch (e) {
  status = "crashed";
  error = String(e);
}
meter.stop();
const hwm = Number(/VmHWM:\s+(\d+)/.exec(Deno.readTextFileSync("/proc/self/status"))![1]) * 1024;
console.log(JSON.stringify({
  status,
  ...(error ? { error } : {}),
  backend: tf.getBackend(),
  liveTrain,
  liveEval,
  heapStart,
  heapTrain,
  heapEnd: heap(),
  hwm,
  seconds: Math.round((performance.now() - t0) / 100) / 10,
}));
