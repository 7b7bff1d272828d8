/**
 * Benchmark (not a test) of the production training step on the native backend against pure wasm, and of
 * the native backend's thread arms. Prints tables and writes JSON.
 *
 *   deno task perf:native [--workloads mlp,unet8,unet28] [--repeats 5] [--warmup 2] [--method vanilla]
 *   deno task perf:native --arms [--workloads unet28] [--rounds 3] [--steps 4] [--warmup 2]
 *   [--out .cache/perf/native_step.json]
 *
 * Default mode: per workload, one model on each kernel set (both on tfjs's wasm backend; the kernel set is
 * switched before every step, as initBackend does), their timed steps interleaved; then one profiled step
 * each: kernel count, total kernel ms, and the GFLOP/s of the GEMM/convolution kernels alone (FLOPs from
 * the shapes over their kernel time, src/runtime/flops.ts).
 *
 * --arms: throughput (samples/s) of 2 jobs × 1 thread (two Web Workers training at once, as `bench --jobs
 * 2`) against 1 job × 2 threads (and 1 job × 1 thread), the arms alternating round by round.
 *
 * The 1-minute load average before and after is recorded: on a shared machine use the ratios only.
 *
 * @module
 */
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs-core";
import { chooseBackend, initBackend } from "../../src/runtime/backend.ts";
import { kernelFlops } from "../perf/flops.ts";
import { installNativeKernels, uninstallNativeKernels } from "../../src/runtime/native/kernels.ts";
import { loadOpenBlas } from "../../src/runtime/native/openblas.ts";
import { loadDnnl } from "../../src/runtime/native/dnnl.ts";
import { makeTrainer, WORKLOADS } from "./step_workload.ts";

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const GEMM = /^(BatchMatMul|_FusedMatMul|Conv2D|FusedConv2D|Conv2DBackpropFilter|Conv2DBackpropInput)$/;

async function profileStep(step: () => Promise<number>) {
  const prof = await tf.profile(async () => {
    await step();
  });
  let kernels = 0, kernelMs = 0, gemmMs = 0, flops = 0;
  for (const k of prof.kernels) {
    if (!tf.getKernel(k.name, "wasm")) continue; // op scopes, not kernels
    const ms = typeof k.kernelTimeMs === "number" ? k.kernelTimeMs : 0;
    kernels++;
    kernelMs += ms;
    if (GEMM.test(k.name)) {
      gemmMs += ms;
      flops += kernelFlops(k as unknown as Parameters<typeof kernelFlops>[0]);
    }
  }
  return { kernels, kernelMs, gemmMs, gemmFlops: flops, gemmGflops: flops / gemmMs / 1e6 };
}

async function interleaved(names: string[], repeats: number, warmup: number, method: string) {
  const blas = loadOpenBlas()!, dnnl = loadDnnl();
  const sets = { wasm: () => uninstallNativeKernels(), native: () => installNativeKernels(blas, dnnl) };
  const rows = [];
  for (const name of names) {
    const w = WORKLOADS[name];
    const t = { wasm: makeTrainer(w, method), native: makeTrainer(w, method) };
    const ms: Record<"wasm" | "native", number[]> = { wasm: [], native: [] };
    let s = 0;
    for (; s < warmup; s++) {
      for (const k of ["wasm", "native"] as const) (sets[k](), await t[k].step(s));
    }
    const load0 = Deno.loadavg()[0];
    for (let r = 0; r < repeats; r++, s++) {
      for (const k of ["wasm", "native"] as const) {
        sets[k]();
        const t0 = performance.now();
        await t[k].step(s);
        ms[k].push(performance.now() - t0);
      }
    }
    const load1 = Deno.loadavg()[0];
    const prof: Record<string, Awaited<ReturnType<typeof profileStep>>> = {};
    for (const k of ["wasm", "native"] as const) {
      sets[k]();
      prof[k] = await profileStep(() => t[k].step(s));
      t[k].dispose();
    }
    const ratios = ms.native.map((v, i) => v / ms.wasm[i]);
    rows.push({
      workload: name,
      ...w,
      method,
      ms,
      ratioNativeToWasm: ratios,
      medianRatio: median(ratios),
      profile: prof,
      load: [load0, load1],
    });
    console.error(
      `${name}: wasm ${median(ms.wasm).toFixed(1)} ms, native ${median(ms.native).toFixed(1)} ms (load ${
        load0.toFixed(2)
      } -> ${load1.toFixed(2)})`,
    );
  }
  installNativeKernels(blas, dnnl);
  console.log(
    `| workload | wasm ms/step | native ms/step | native/wasm per step (median) | kernels/step | GEMM+conv kernel ms wasm / native | GEMM+conv GFLOP/s wasm / native |`,
  );
  console.log(`|---|---|---|---|---|---|---|`);
  for (const r of rows) {
    const p = r.profile;
    console.log(
      `| ${r.workload} (batch ${r.batch}) | ${median(r.ms.wasm).toFixed(1)} | ${
        median(r.ms.native).toFixed(1)
      } | ` +
        `${r.medianRatio.toFixed(2)} (${
          r.ratioNativeToWasm.map((x) => x.toFixed(2)).join(", ")
        }) | ${p.native.kernels} | ` +
        `${p.wasm.gemmMs.toFixed(1)} / ${p.native.gemmMs.toFixed(1)} | ${p.wasm.gemmGflops.toFixed(0)} / ${
          p.native.gemmGflops.toFixed(0)
        } |`,
    );
  }
  return rows;
}

async function arms(names: string[], rounds: number, steps: number, warmup: number) {
  const url = new URL("./bench_step_worker.ts", import.meta.url).href;
  const runArm = async (workload: string, jobs: number, threads: number) => {
    const workers = Array.from({ length: jobs }, () => new Worker(url, { type: "module" }));
    const next = (w: Worker) =>
      new Promise<{ type: string; ms?: number[]; message?: string }>((
        resolve,
      ) => (w.onmessage = (e) => resolve(e.data)));
    const ready = workers.map(next);
    workers.forEach((w) => w.postMessage({ workload, threads, warmup, steps }));
    for (const r of await Promise.all(ready)) if (r.type !== "ready") throw new Error(r.message);
    const done = workers.map(next);
    const t0 = performance.now();
    workers.forEach((w) => w.postMessage("go"));
    const res = await Promise.all(done);
    const wall = performance.now() - t0;
    workers.forEach((w) => w.terminate());
    for (const r of res) if (r.type !== "done") throw new Error(r.message);
    const b = WORKLOADS[workload].batch;
    return {
      wallMs: wall,
      samplesPerSec: (jobs * steps * b * 1000) / wall,
      msPerStep: res.map((r) => median(r.ms!)),
    };
  };
  const rows = [];
  for (const name of names) {
    const a: Awaited<ReturnType<typeof runArm>>[] = [], b: typeof a = [], c: typeof a = [];
    const load0 = Deno.loadavg()[0];
    for (let r = 0; r < rounds; r++) {
      a.push(await runArm(name, 2, 1));
      b.push(await runArm(name, 1, 2));
      c.push(await runArm(name, 1, 1));
      const f = (x: typeof a) => x[r].samplesPerSec.toFixed(1);
      console.error(`${name} round ${r}: samples/s 2x1 ${f(a)}, 1x2 ${f(b)}, 1x1 ${f(c)}`);
    }
    rows.push({
      workload: name,
      twoJobsOneThread: a,
      oneJobTwoThreads: b,
      oneJobOneThread: c,
      ratio1x2to2x1: a.map((x, i) => b[i].samplesPerSec / x.samplesPerSec),
      ratio1x2to1x1: c.map((x, i) => b[i].samplesPerSec / x.samplesPerSec),
      load: [load0, Deno.loadavg()[0]],
    });
  }
  console.log(
    `| workload | samples/s: 2 jobs x 1 thread | 1 job x 2 threads | 1 job x 1 thread | (1x2)/(2x1) | (1x2)/(1x1) |`,
  );
  console.log(`|---|---|---|---|---|---|`);
  const med = (v: { samplesPerSec: number }[]) => median(v.map((x) => x.samplesPerSec)).toFixed(1);
  const list = (v: number[]) => v.map((x) => x.toFixed(2)).join(", ");
  for (const r of rows) {
    const cells = [med(r.twoJobsOneThread), med(r.oneJobTwoThreads), med(r.oneJobOneThread)];
    console.log(
      `| ${r.workload} | ${cells.join(" | ")} | ${list(r.ratio1x2to2x1)} | ${list(r.ratio1x2to1x1)} |`,
    );
  }
  return rows;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      workloads: { type: "string" },
      repeats: { type: "string", default: "5" },
      warmup: { type: "string", default: "2" },
      method: { type: "string", default: "vanilla" },
      arms: { type: "boolean" },
      rounds: { type: "string", default: "3" },
      steps: { type: "string", default: "4" },
      out: { type: "string", default: ".cache/perf/native_step.json" },
    },
  });
  const info = await initBackend(await chooseBackend("native", "--backend", { nativeThreads: 1 }));
  if (info.name !== "native") throw new Error("the native libraries are not available");
  const names = (values.workloads ?? (values.arms ? "unet28" : "mlp,unet8,unet28")).split(",");
  for (const n of names) {
    if (!WORKLOADS[n]) {
      throw new Error(`--workloads: got ${n}; allowed: ${Object.keys(WORKLOADS).join(", ")}`);
    }
  }
  const load0 = Deno.loadavg()[0];
  const rows = values.arms
    ? await arms(names, Number(values.rounds), Number(values.steps), Number(values.warmup))
    : await interleaved(names, Number(values.repeats), Number(values.warmup), values.method!);
  const load1 = Deno.loadavg()[0];
  console.log(
    `load average (1 min): ${load0.toFixed(2)} before, ${
      load1.toFixed(2)
    } after; ${navigator.hardwareConcurrency} CPUs`,
  );
  const report = {
    schema: values.arms ? "antbench.native_arms/1" : "antbench.native_step/1",
    createdAt: new Date().toISOString(),
    native: info.native,
    load: [load0, load1],
    rows,
  };
  await Deno.mkdir(values.out!.replace(/\/[^/]*$/, ""), { recursive: true });
  await Deno.writeTextFile(values.out!, JSON.stringify(report, null, 1) + "\n");
  console.log(`wrote ${values.out}`);
}
