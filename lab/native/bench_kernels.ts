/**
 * Micro-benchmark (not a test) of the native kernels against tfjs-wasm on the GEMM / convolution calls of
 * one real training step: the step is profiled once (tf.profile on the native backend), every distinct
 * (kernel, input shapes) of it is re-run on random inputs with each engine (wasm: antbench's wasm patches
 * and XNNPACK; native: the production routing; onednn / openblas: every convolution on that library),
 * interleaved call by call, and weighted by its number of calls in the step. Prints a table, writes JSON.
 *
 *   deno task perf:kernels [--model unet] [--shape 28x28x1] [--batch 64] [--reps 7] [--threads 1]
 *                          [--out .cache/perf/kernels.json]
 *
 * GFLOP/s: FLOPs from the shapes (src/runtime/flops.ts; a multiply-add is 2) over the median call time.
 * The 1-minute load average before and after is recorded: on a shared machine use the ratios only.
 *
 * @module
 */
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs-core";
import { chooseBackend, initBackend } from "../../src/runtime/backend.ts";
import { kernelFlops } from "../perf/flops.ts";
import {
  installNativeKernels,
  setConvEngine,
  uninstallNativeKernels,
} from "../../src/runtime/native/kernels.ts";
import { loadOpenBlas } from "../../src/runtime/native/openblas.ts";
import { loadDnnl } from "../../src/runtime/native/dnnl.ts";
import { makeSchedule } from "../../src/diffusion/schedule.ts";
import { getModelFactory } from "../../src/models/registry.ts";
import { getMethodFactory } from "../../src/mtl/registry.ts";
import { createStepper, type HostBatch, stepAndReadLoss } from "../../src/train/step.ts";
import { Rng } from "../../src/runtime/rng.ts";

/** wasm: pure wasm; native: the production routing (conv "auto"); onednn / openblas: every conv on one library. */
type Engine = "wasm" | "native" | "onednn" | "openblas";

interface Call {
  name: string;
  inputShapes: number[][];
  outputShape: number[];
  count: number;
}

function batch(dataShape: number[], n: number, step: number): HostBatch {
  const dim = dataShape.reduce((a, b) => a * b, 1), rng = new Rng(1000 + step);
  const t = Int32Array.from({ length: n }, () => rng.int(0, 1000));
  return {
    x0: rng.normalArray(n * dim),
    noise: rng.normalArray(n * dim),
    t,
    cluster: Int32Array.from(t, (v) => Math.floor((v * 5) / 1000)),
  };
}

/** The GEMM/conv calls of one profiled training step, grouped by (kernel, input shapes). */
async function stepCalls(model: string, dataShape: number[], n: number): Promise<Call[]> {
  const schedule = makeSchedule("linear", 1000);
  const mf = getModelFactory(model);
  const m = mf.build({ ...mf.defaults }, { dataShape, T: 1000, initSeed: 1 });
  const fac = getMethodFactory("vanilla");
  const meth = fac.create({ ...fac.defaults }, { k: 5, schedule, runSeed: 1 });
  const st = createStepper({
    model: m,
    method: meth,
    schedule,
    k: 5,
    lr: 1e-3,
    beta1: 0.9,
    beta2: 0.999,
    emaDecay: 0.9,
  });
  await stepAndReadLoss(st, batch(dataShape, n, 0), 0);
  const prof = await tf.profile(async () => {
    await stepAndReadLoss(st, batch(dataShape, n, 1), 1);
  });
  st.dispose();
  meth.dispose();
  m.dispose();
  const calls = new Map<string, Call>();
  for (const k of prof.kernels) {
    if (
      !/^(BatchMatMul|_FusedMatMul|Conv2D|FusedConv2D|Conv2DBackpropFilter|Conv2DBackpropInput)$/.test(k.name)
    ) continue;
    const inputShapes = k.inputShapes.filter((s): s is number[] => Array.isArray(s));
    const key = `${k.name} ${JSON.stringify(inputShapes)}`;
    const c = calls.get(key) ??
      { name: k.name, inputShapes, outputShape: k.outputShapes[0] as number[], count: 0 };
    c.count++;
    calls.set(key, c);
  }
  return [...calls.values()];
}

/** A runner for one call: inputs on the wasm backend and the kernel attributes (from the U-Net / MLP code). */
function runnerFor(c: Call): { run: () => void; dispose: () => void } | null {
  const ins = c.inputShapes.map((s) => tf.randomNormal(s));
  const attrsConv = { strides: 1, pad: "same", dataFormat: "NHWC", dilations: 1 };
  let inputs: tf.NamedTensorMap, attrs: Record<string, unknown>;
  switch (c.name) {
    case "Conv2D":
      inputs = { x: ins[0], filter: ins[1] };
      attrs = attrsConv;
      break;
    case "FusedConv2D":
      inputs = { x: ins[0], filter: ins[1], ...(ins[2] ? { bias: ins[2] } : {}) };
      attrs = { ...attrsConv, activation: "linear" };
      break;
    case "Conv2DBackpropFilter":
      inputs = { x: ins[0], dy: ins[1] };
      attrs = { ...attrsConv, filterShape: c.outputShape };
      break;
    case "Conv2DBackpropInput":
      inputs = { dy: ins[0], filter: ins[1] };
      attrs = { ...attrsConv, inputShape: c.outputShape };
      break;
    default: {
      // Matmul: find the transposes that give the recorded output shape.
      const [a, b] = c.inputShapes;
      const [ra, rb] = [a.length, b.length];
      const o = c.outputShape;
      const opts = [[false, false], [true, false], [false, true], [true, true]].find(([ta, tb]) =>
        (ta ? a[ra - 1] : a[ra - 2]) === o[o.length - 2] &&
        (tb ? b[rb - 2] : b[rb - 1]) === o[o.length - 1] &&
        (ta ? a[ra - 2] : a[ra - 1]) === (tb ? b[rb - 1] : b[rb - 2])
      );
      if (!opts) return null;
      inputs = { a: ins[0], b: ins[1], ...(ins[2] ? { bias: ins[2] } : {}) };
      attrs = { transposeA: opts[0], transposeB: opts[1], activation: "linear" };
    }
  }
  return {
    run: () => (tf.engine().runKernel(c.name, inputs, attrs as tf.NamedAttrMap) as tf.Tensor).dispose(),
    dispose: () => tf.dispose(ins),
  };
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      model: { type: "string", default: "unet" },
      shape: { type: "string", default: "28x28x1" },
      batch: { type: "string" },
      reps: { type: "string", default: "7" },
      threads: { type: "string", default: "1" },
      out: { type: "string", default: ".cache/perf/kernels.json" },
    },
  });
  const dataShape = values.model === "mlp" ? [2] : values.shape!.split("x").map(Number);
  const n = Number(values.batch ?? (values.model === "mlp" ? 256 : 64)), reps = Number(values.reps);
  const threads = Number(values.threads);
  const load0 = Deno.loadavg()[0];
  const info = await initBackend(await chooseBackend("native", "--backend", { nativeThreads: threads }));
  if (info.name !== "native") throw new Error("the native libraries are not available");
  const blas = loadOpenBlas()!, dnnl = loadDnnl();
  const calls = await stepCalls(values.model!, dataShape, n);
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
  for (const c of calls) {
    const r = runnerFor(c);
    if (!r) continue;
    const times: Record<string, number[]> = Object.fromEntries(engines.map((e) => [e, []]));
    for (const e of engines) (use(e), r.run()); // warm-up (oneDNN creates its primitives here)
    for (let i = 0; i < reps; i++) {
      for (const e of engines) {
        use(e);
        const t0 = performance.now();
        r.run();
        times[e].push(performance.now() - t0);
      }
    }
    r.dispose();
    const flops = kernelFlops({ name: c.name, inputShapes: c.inputShapes, outputShapes: [c.outputShape] });
    const ms = Object.fromEntries(engines.map((e) => [e, median(times[e])]));
    rows.push({ ...c, flops, ms, ratioToWasm: Object.fromEntries(engines.map((e) => [e, ms[e] / ms.wasm])) });
  }
  installNativeKernels(blas, dnnl);
  const load1 = Deno.loadavg()[0];
  const fmt = (x: number) => x.toFixed(x < 1 ? 3 : 2);
  console.log(
    `${values.model} ${
      dataShape.join("x")
    } batch ${n}: GEMM/conv calls of one step; ${reps} interleaved reps; threads ${threads}`,
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
    console.log(
      `| ${r.name} | ${JSON.stringify(r.inputShapes)} | ${r.count} | ${cells.join(" | ")} | ${
        ratios.join(" | ")
      } |`,
    );
  }
  const totals = Object.fromEntries(engines.map((e) => [e, rows.reduce((s, r) => s + r.count * r.ms[e], 0)]));
  const flops = rows.reduce((s, r) => s + r.count * r.flops, 0);
  console.log(
    `| all (weighted by calls) | | | ${
      engines.map((e) => `${fmt(totals[e])} (${(flops / totals[e] / 1e6).toFixed(0)})`).join(" | ")
    } | ${engines.slice(1).map((e) => (totals[e] / totals.wasm).toFixed(2)).join(" | ")} |`,
  );
  console.log(
    `load average (1 min): ${load0.toFixed(2)} before, ${
      load1.toFixed(2)
    } after; ${navigator.hardwareConcurrency} CPUs`,
  );
  const report = {
    schema: "antbench.native_kernels/1",
    createdAt: new Date().toISOString(),
    workload: { model: values.model, dataShape, batch: n },
    reps,
    threads,
    load: [load0, load1],
    native: info.native,
    implementations: dnnl?.implementations() ?? {},
    totalsMs: totals,
    flopsPerStep: flops,
    rows,
  };
  await Deno.mkdir(values.out!.replace(/\/[^/]*$/, ""), { recursive: true });
  await Deno.writeTextFile(values.out!, JSON.stringify(report, null, 1) + "\n");
  console.log(`wrote ${values.out}`);
}
