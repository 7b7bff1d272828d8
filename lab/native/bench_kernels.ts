/**
 * Micro-benchmark (not a test) of the native kernels against tfjs-wasm on the GEMM / convolution calls of
 * one real training step. The step is the production one: the workload's run assembled on the run-assembly
 * seam (src/train/assemble.ts, as `deno task perf` assembles it: lab/perf/contender.ts) on the native
 * backend. During one step every call of the six kernels the native backend replaces (src/runtime/native/
 * kernels.ts: BatchMatMul, _FusedMatMul, Conv2D, FusedConv2D, Conv2DBackpropFilter, Conv2DBackpropInput) is
 * recorded with its inputs' shapes and its attributes — including the calls antbench's composite layers
 * make inside one dispatch, which `tf.profile` does not list (a call made inside another of the six counts
 * as part of that one). Every distinct (kernel, shapes, attributes)
 * is then re-run on random inputs with each engine (wasm: antbench's wasm patches and XNNPACK; native: the
 * production routing; onednn / openblas: every convolution on that library), interleaved call by call,
 * and weighted by its number of calls in the step. Prints a table, writes JSON.
 *
 *   deno task perf:kernels [--model unet] [--shape 28x28x1] [--batch 60] [--method vanilla] [--reps 7]
 *                          [--threads 1] [--out .cache/perf/kernels.json]
 *
 * GFLOP/s: FLOPs from the shapes (lab/perf/flops.ts; a multiply-add is 2) over the median call time. The
 * foreign CPU load of the timed calls is recorded (lab/perf/load.ts): on a shared machine use the ratios
 * only.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { KernelConfig, NamedAttrMap, TensorInfo } from "@tensorflow/tfjs-core";
import { intFlag, parseFlags } from "../../src/cli/args.ts";
import { runEntry } from "../../src/cli/entry.ts";
import { badValue, UsageError } from "../../src/runtime/errors.ts";
import { atomicWriteJson } from "../../src/runtime/atomic_write.ts";
import { chooseBackend, initBackend } from "../../src/runtime/backend.ts";
import { MODELS } from "../../src/models/registry.ts";
import { METHODS } from "../../src/mtl/registry.ts";
import {
  installNativeKernels,
  NATIVE_KERNELS,
  setConvEngine,
  uninstallNativeKernels,
} from "../../src/runtime/native/kernels.ts";
import { loadOpenBlas } from "../../src/runtime/native/openblas.ts";
import { loadDnnl } from "../../src/runtime/native/dnnl.ts";
import { kernelFlops } from "../perf/flops.ts";
import { type Contender, createContender } from "../perf/contender.ts";
import { DEFAULT_BATCH } from "../perf/args.ts";
import { measuredRound } from "../perf/load.ts";
import { loadLabel } from "../perf/render.ts";
import { SHAPE_DATASETS, workload } from "../perf/workloads.ts";
import { workloadRun } from "./step_workload.ts";

/** wasm: pure wasm; native: the production routing (conv "auto"); onednn / openblas: every conv on one library. */
type Engine = "wasm" | "native" | "onednn" | "openblas";

/** One distinct kernel call of the step. */
export interface Call {
  name: string;
  /** Input names and shapes, in the order the caller passed them (as tf.profile lists them). */
  inputs: [string, number[]][];
  attrs: Record<string, unknown>;
  outputShape: number[];
  /** Calls in the step. */
  count: number;
}

/**
 * Run one production step of `c` with every call of the native backend's kernels recorded (also those made
 * inside composite kernels, which call the registered kernel functions directly; not those one of these
 * kernels makes inside itself), grouped by (kernel, input shapes, attributes). The kernels are restored
 * afterwards.
 */
export async function stepCalls(c: Contender): Promise<Call[]> {
  const calls = new Map<string, Call>();
  const originals: KernelConfig[] = [];
  let depth = 0;
  for (const name of NATIVE_KERNELS) {
    const k = tf.getKernel(name, "wasm");
    if (!k) continue;
    originals.push(k);
    tf.unregisterKernel(name, "wasm");
    tf.registerKernel({
      ...k,
      kernelFunc: (args) => {
        // A kernel that runs another of the six inside (some wasm patches do) is recorded once, as itself.
        depth++;
        let out;
        try {
          out = k.kernelFunc(args);
        } finally {
          depth--;
        }
        if (depth > 0) return out;
        const inputs = Object.entries(args.inputs as Record<string, TensorInfo | undefined>)
          .filter((e): e is [string, TensorInfo] => e[1] !== undefined && e[1] !== null)
          .map(([n, t]) => [n, [...t.shape]] as [string, number[]]);
        const attrs = JSON.parse(JSON.stringify(args.attrs ?? {}));
        const key = JSON.stringify([name, inputs, attrs]);
        const first = (Array.isArray(out) ? out[0] : out) as TensorInfo;
        const call = calls.get(key) ?? { name, inputs, attrs, outputShape: [...first.shape], count: 0 };
        call.count++;
        calls.set(key, call);
        return out;
      },
    });
  }
  try {
    await c.block(1);
  } finally {
    for (const k of originals) {
      tf.unregisterKernel(k.kernelName, "wasm");
      tf.registerKernel(k);
    }
  }
  return [...calls.values()];
}

/** The FLOPs of one call (lab/perf/flops.ts, from the shapes in the caller's input order). */
export function callFlops(c: Call): number {
  return kernelFlops({
    name: c.name,
    inputShapes: c.inputs.map(([, s]) => s),
    outputShapes: [c.outputShape],
  });
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

/** `deno task perf:kernels`; resolves to the exit code. */
export async function benchKernelsMain(args: string[]): Promise<number> {
  const { values } = parseFlags("perf:kernels", args, {
    model: { type: "string" },
    shape: { type: "string" },
    batch: { type: "string" },
    method: { type: "string" },
    reps: { type: "string" },
    threads: { type: "string" },
    out: { type: "string", path: true },
  });
  const model = typeof values.model === "string" ? values.model : "unet";
  if (!MODELS.has(model)) throw new UsageError(badValue("--model", model, [...MODELS.keys()].join(", ")));
  const shapes = Object.keys(SHAPE_DATASETS).filter((s) => s !== "2");
  const shapeKey = model === "mlp" ? "2" : typeof values.shape === "string" ? values.shape : "28x28x1";
  if (model !== "mlp" && !shapes.includes(shapeKey)) {
    throw new UsageError(badValue("--shape", shapeKey, shapes.join(", ")));
  }
  const dataShape = shapeKey.split("x").map(Number);
  const method = typeof values.method === "string" ? values.method : "vanilla";
  if (!METHODS.has(method)) {
    throw new UsageError(badValue("--method", method, [...METHODS.keys()].join(", ")));
  }
  const n = intFlag(
    "batch",
    values.batch,
    model === "mlp" ? DEFAULT_BATCH.toy2d : DEFAULT_BATCH.image,
    1,
    65536,
  );
  if (method !== "vanilla" && n % 5 !== 0) {
    throw new UsageError(badValue("--batch", n, "a multiple of k = 5 when --method is not vanilla"));
  }
  const reps = intFlag("reps", values.reps, 7, 1, 100000);
  const threads = intFlag("threads", values.threads, 1, 1, 256);
  const out = typeof values.out === "string" ? values.out : ".cache/perf/kernels.json";
  const info = await initBackend(await chooseBackend("native", "--backend", { nativeThreads: threads }));
  if (info.name !== "native") {
    console.error(`error: the native libraries are not available here (${info.reason})`);
    return 2;
  }
  const blas = loadOpenBlas()!, dnnl = loadDnnl();
  const w = workload(model, dataShape, n);
  const config = workloadRun(w, method, { steps: 3 });
  const c = await createContender(config);
  let calls: Call[];
  try {
    await c.block(1); // warm-up (oneDNN creates its primitives on first use)
    calls = await stepCalls(c);
  } finally {
    c.dispose();
  }
  const engines: Engine[] = dnnl ? ["wasm", "native", "onednn", "openblas"] : ["wasm", "native"];
  const use = (e: Engine) => {
    if (e === "wasm") uninstallNativeKernels();
    else {
      installNativeKernels(blas, dnnl);
      setConvEngine(e === "native" ? "auto" : e);
    }
  };
  const rows: (Call & { flops: number; ms: Record<string, number>; ratioToWasm: Record<string, number> })[] =
    [];
  // Synchronous kernel calls, timed one by one; the round only measures the foreign load around them.
  const { load } = await measuredRound(() => {
    for (const call of calls) {
      const ins = Object.fromEntries(call.inputs.map(([name, s]) => [name, tf.randomNormal(s)]));
      const run = () =>
        (tf.engine().runKernel(call.name, ins, call.attrs as NamedAttrMap) as tf.Tensor).dispose();
      const times: Record<string, number[]> = Object.fromEntries(engines.map((e) => [e, []]));
      for (const e of engines) (use(e), run()); // warm-up
      for (let i = 0; i < reps; i++) {
        for (const e of i % 2 === 0 ? engines : [...engines].reverse()) {
          use(e);
          const t0 = performance.now();
          run();
          times[e].push(performance.now() - t0);
        }
      }
      tf.dispose(Object.values(ins));
      const ms = Object.fromEntries(engines.map((e) => [e, median(times[e])]));
      rows.push({
        ...call,
        flops: callFlops(call),
        ms,
        ratioToWasm: Object.fromEntries(engines.map((e) => [e, ms[e] / ms.wasm])),
      });
    }
    return Promise.resolve();
  }, { retries: 0 });
  use("native");
  const fmt = (x: number) => x.toFixed(x < 1 ? 3 : 2);
  console.log(
    `${model} ${dataShape.join("x")} batch ${n} ${method}: GEMM/conv calls of one production step; ${reps} ` +
      `interleaved reps; threads ${threads}`,
  );
  console.log(
    `| kernel | inputs | calls | ${engines.map((e) => `${e} ms (GFLOP/s)`).join(" | ")} | ${
      engines.slice(1).map((e) => `${e}/wasm`).join(" | ")
    } |`,
  );
  console.log(
    `|---|---|---|${engines.map(() => "---").join("|")}|${engines.slice(1).map(() => "---").join("|")}|`,
  );
  for (const r of rows) {
    const cells = engines.map((e) => `${fmt(r.ms[e])} (${(r.flops / r.ms[e] / 1e6).toFixed(0)})`);
    const ratios = engines.slice(1).map((e) => r.ratioToWasm[e].toFixed(2));
    const inputs = r.inputs.map(([name, s]) => `${name} ${s.join("×")}`).join(", ");
    console.log(`| ${r.name} | ${inputs} | ${r.count} | ${cells.join(" | ")} | ${ratios.join(" | ")} |`);
  }
  const totals = Object.fromEntries(engines.map((e) => [e, rows.reduce((s, r) => s + r.count * r.ms[e], 0)]));
  const flops = rows.reduce((s, r) => s + r.count * r.flops, 0);
  console.log(
    `| all (weighted by calls) | | ${rows.reduce((s, r) => s + r.count, 0)} | ${
      engines.map((e) => `${fmt(totals[e])} (${(flops / totals[e] / 1e6).toFixed(0)})`).join(" | ")
    } | ${engines.slice(1).map((e) => (totals[e] / totals.wasm).toFixed(2)).join(" | ")} |`,
  );
  console.log(
    `foreign CPU load: ${loadLabel([load], load?.limitCores ?? 0.3)}; ${navigator.hardwareConcurrency} CPUs`,
  );
  const report = {
    schema: "antbench.native_kernels/2",
    createdAt: new Date().toISOString(),
    workload: { model, dataset: w.dataset, dataShape, batch: n, method },
    reps,
    threads,
    load,
    native: info.native,
    implementations: dnnl?.implementations() ?? {},
    totalsMs: totals,
    flopsPerStep: flops,
    rows,
    config,
  };
  const dir = out.includes("/") ? out.slice(0, out.lastIndexOf("/")) : ".";
  await Deno.mkdir(dir, { recursive: true });
  await atomicWriteJson(out, report);
  console.log(`wrote ${out}`);
  return 0;
}

if (import.meta.main) await runEntry("perf:kernels", () => benchKernelsMain(Deno.args));
