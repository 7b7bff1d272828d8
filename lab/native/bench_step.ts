/**
 * Benchmark (not a test) of the production training step on the native backend against pure wasm, and of
 * the native backend's thread arms. Prints tables and writes JSON.
 *
 *   deno task perf:native [--workloads mlp,unet8,unet28] [--batch N] [--method vanilla] [--repeats 5]
 *                         [--warmup 2]
 *   deno task perf:native --arms [--workloads unet28] [--batch N] [--rounds 3] [--steps 4] [--warmup 2]
 *   [--out .cache/perf/native_step.json]
 *
 * The step is the production one: each workload of lab/native/step_workload.ts (perf's workloads) is
 * assembled on the run-assembly seam (src/train/assemble.ts) as a contender (lab/perf/contender.ts: the
 * trainer's batches, the method, Adam, EMA and the trainer's loss reads).
 *
 * Default mode: per workload, one run on each kernel set (both on tfjs's wasm backend; the kernel set is
 * switched before every step, as initBackend does), their timed steps interleaved step by step; then one
 * profiled step each: kernel count, total kernel ms, and the GFLOP/s of the matmul/convolution kernels
 * alone (FLOPs from the shapes, lab/perf/flops.ts, over their kernel time). This stays beside
 * `deno task perf --backend native,wasm` (which reports both backends' rows with the same counts) because
 * perf times one backend after the other, while this interleaves them step by step: the native/wasm ratio
 * of each step is what a design decision on a shared machine can use.
 *
 * --arms: throughput (samples/s) of 2 jobs × 1 thread (two Web Workers training at once, as `bench --jobs
 * 2`) against 1 job × 2 threads (as `bench --threads 2`) and 1 job × 1 thread, the arms alternating round
 * by round (the order reverses every round).
 *
 * Every timed loop records its foreign CPU load (lab/perf/load.ts, no repeats): on a shared machine use the
 * ratios only, and publish nothing from a noisy run.
 *
 * @module
 */
import { intFlag, parseFlags } from "../../src/cli/args.ts";
import { runEntry } from "../../src/cli/entry.ts";
import { badValue, UsageError } from "../../src/runtime/errors.ts";
import { atomicWriteJson } from "../../src/runtime/atomic_write.ts";
import { chooseBackend, initBackend } from "../../src/runtime/backend.ts";
import { getDatasetFactory } from "../../src/data/registry.ts";
import { METHODS } from "../../src/mtl/registry.ts";
import { installNativeKernels, uninstallNativeKernels } from "../../src/runtime/native/kernels.ts";
import { loadOpenBlas } from "../../src/runtime/native/openblas.ts";
import { loadDnnl } from "../../src/runtime/native/dnnl.ts";
import { createContender } from "../perf/contender.ts";
import type { StepProfile } from "../perf/kernels.ts";
import { measuredRound, type RoundLoad } from "../perf/load.ts";
import { loadLabel } from "../perf/render.ts";
import { namedWorkloads, type Workload, workloadRun, WORKLOADS } from "./step_workload.ts";

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const shape = (w: Workload) => `${w.model} ${w.dataShape.join("x")}`;

type KernelSet = "wasm" | "native";

function summary(p: StepProfile) {
  return {
    kernels: p.kernels,
    kernelMs: p.kernelMs,
    gemmMs: p.denseKernelMs,
    gemmFlops: p.flops,
    gemmGflops: p.flops / p.denseKernelMs / 1e6,
  };
}

async function interleaved(ws: Workload[], repeats: number, warmup: number, method: string) {
  const blas = loadOpenBlas()!, dnnl = loadDnnl();
  const sets: Record<KernelSet, () => void> = {
    wasm: () => uninstallNativeKernels(),
    native: () => installNativeKernels(blas, dnnl),
  };
  const order: KernelSet[] = ["wasm", "native"];
  const rows = [];
  for (const w of ws) {
    const config = workloadRun(w, method, { steps: warmup + repeats + 1 });
    const f = getDatasetFactory(w.dataset.id);
    const dataset = await f.load({ ...f.defaults, ...w.dataset.options }, { cacheDir: ".cache" });
    const c = {
      wasm: await createContender(config, { dataset }),
      native: await createContender(config, { dataset }),
    };
    try {
      const ms: Record<KernelSet, number[]> = { wasm: [], native: [] };
      for (let s = 0; s < warmup; s++) for (const k of order) (sets[k](), await c[k].block(1));
      const { load } = await measuredRound(async () => {
        for (let r = 0; r < repeats; r++) {
          for (const k of r % 2 === 0 ? order : [...order].reverse()) {
            sets[k]();
            ms[k].push((await c[k].block(1)).ms[0]);
          }
        }
      }, { retries: 0 });
      const profile: Record<string, ReturnType<typeof summary>> = {};
      for (const k of order) (sets[k](), profile[k] = summary(await c[k].profile()));
      const ratios = ms.native.map((v, i) => v / ms.wasm[i]);
      rows.push({
        workload: shape(w),
        model: w.model,
        dataset: w.dataset,
        dataShape: w.dataShape,
        batch: w.batch,
        method,
        k: config.clustering.k,
        ms,
        ratioNativeToWasm: ratios,
        medianRatio: median(ratios),
        profile,
        load,
        config,
      });
      console.error(
        `${shape(w)}: wasm ${median(ms.wasm).toFixed(1)} ms, native ${median(ms.native).toFixed(1)} ms (${
          loadLabel([load], load?.limitCores ?? 0.3)
        })`,
      );
    } finally {
      c.wasm.dispose();
      c.native.dispose();
    }
  }
  installNativeKernels(blas, dnnl);
  console.log(
    "| workload | batch | wasm ms/step | native ms/step | native/wasm per step (median, all) | kernels/step | " +
      "matmul/conv kernel ms wasm / native | matmul/conv GFLOP/s wasm / native | foreign load (cores) |",
  );
  console.log("|---|---|---|---|---|---|---|---|---|");
  for (const r of rows) {
    const p = r.profile;
    console.log(
      `| ${r.workload} | ${r.batch} | ${median(r.ms.wasm).toFixed(1)} | ${
        median(r.ms.native).toFixed(1)
      } | ` +
        `${r.medianRatio.toFixed(2)} (${r.ratioNativeToWasm.map((x) => x.toFixed(2)).join(", ")}) | ` +
        `${p.native.kernels} | ${p.wasm.gemmMs.toFixed(1)} / ${p.native.gemmMs.toFixed(1)} | ` +
        `${p.wasm.gemmGflops.toFixed(0)} / ${p.native.gemmGflops.toFixed(0)} | ` +
        `${loadLabel([r.load], r.load?.limitCores ?? 0.3)} |`,
    );
  }
  return rows;
}

interface ArmResult {
  wallMs: number;
  samplesPerSec: number;
  msPerStep: number[];
  load: RoundLoad | null;
}

async function arms(ws: Workload[], rounds: number, steps: number, warmup: number) {
  const url = new URL("./bench_step_worker.ts", import.meta.url).href;
  const runArm = async (w: Workload, jobs: number, threads: number): Promise<ArmResult> => {
    const config = workloadRun(w, "vanilla", { steps: warmup + steps });
    const workers = Array.from({ length: jobs }, () => new Worker(url, { type: "module" }));
    try {
      const next = (x: Worker) =>
        new Promise<{ type: string; ms?: number[]; message?: string }>((resolve) =>
          x.onmessage = (e) => resolve(e.data)
        );
      const ready = workers.map(next);
      workers.forEach((x) => x.postMessage({ config, threads, warmup, steps }));
      for (const r of await Promise.all(ready)) if (r.type !== "ready") throw new Error(r.message);
      const done = workers.map(next);
      const { value, load } = await measuredRound(async () => {
        const t0 = performance.now();
        workers.forEach((x) => x.postMessage("go"));
        const res = await Promise.all(done);
        return { res, wall: performance.now() - t0 };
      }, { retries: 0 });
      for (const r of value.res) if (r.type !== "done") throw new Error(r.message);
      return {
        wallMs: value.wall,
        samplesPerSec: (jobs * steps * w.batch * 1000) / value.wall,
        msPerStep: value.res.map((r) => median(r.ms!)),
        load,
      };
    } finally {
      workers.forEach((x) => x.terminate());
    }
  };
  const rows = [];
  for (const w of ws) {
    const a: ArmResult[] = [], b: ArmResult[] = [], c: ArmResult[] = [];
    for (let r = 0; r < rounds; r++) {
      const arm = [
        async () => a.push(await runArm(w, 2, 1)),
        async () => b.push(await runArm(w, 1, 2)),
        async () => c.push(await runArm(w, 1, 1)),
      ];
      for (const f of r % 2 === 0 ? arm : arm.reverse()) await f();
      const f = (x: ArmResult[]) => x[r].samplesPerSec.toFixed(1);
      console.error(`${shape(w)} round ${r}: samples/s 2x1 ${f(a)}, 1x2 ${f(b)}, 1x1 ${f(c)}`);
    }
    rows.push({
      workload: shape(w),
      model: w.model,
      dataset: w.dataset,
      dataShape: w.dataShape,
      batch: w.batch,
      twoJobsOneThread: a,
      oneJobTwoThreads: b,
      oneJobOneThread: c,
      ratio1x2to2x1: a.map((x, i) => b[i].samplesPerSec / x.samplesPerSec),
      ratio1x2to1x1: c.map((x, i) => b[i].samplesPerSec / x.samplesPerSec),
    });
  }
  console.log(
    "| workload | batch | samples/s: 2 jobs x 1 thread | 1 job x 2 threads | 1 job x 1 thread | (1x2)/(2x1) | " +
      "(1x2)/(1x1) | foreign load (cores) |",
  );
  console.log("|---|---|---|---|---|---|---|---|");
  const med = (v: { samplesPerSec: number }[]) => median(v.map((x) => x.samplesPerSec)).toFixed(1);
  const list = (v: number[]) => v.map((x) => x.toFixed(2)).join(", ");
  for (const r of rows) {
    const cells = [med(r.twoJobsOneThread), med(r.oneJobTwoThreads), med(r.oneJobOneThread)];
    const loads = [...r.twoJobsOneThread, ...r.oneJobTwoThreads, ...r.oneJobOneThread].map((x) => x.load);
    console.log(
      `| ${r.workload} | ${r.batch} | ${cells.join(" | ")} | ${list(r.ratio1x2to2x1)} | ${
        list(r.ratio1x2to1x1)
      } | ${loadLabel(loads, 0.3)} |`,
    );
  }
  return rows;
}

/** `deno task perf:native`; resolves to the exit code. */
export async function benchStepMain(args: string[]): Promise<number> {
  const { values } = parseFlags("perf:native", args, {
    workloads: { type: "string" },
    batch: { type: "string" },
    repeats: { type: "string" },
    warmup: { type: "string" },
    method: { type: "string" },
    arms: { type: "boolean" },
    rounds: { type: "string" },
    steps: { type: "string" },
    out: { type: "string", path: true },
  });
  const isArms = values.arms === true;
  const method = typeof values.method === "string" ? values.method : "vanilla";
  if (!METHODS.has(method)) {
    throw new UsageError(badValue("--method", method, [...METHODS.keys()].join(", ")));
  }
  if (isArms && values.method !== undefined) {
    throw new UsageError(badValue("--method", method, "no --method with --arms (they time vanilla)"));
  }
  const batch = values.batch === undefined ? undefined : intFlag("batch", values.batch, 0, 1, 65536);
  const ws = namedWorkloads(
    typeof values.workloads === "string"
      ? values.workloads
      : isArms
      ? "unet28"
      : Object.keys(WORKLOADS).join(","),
    "--workloads",
    batch,
  );
  if (method !== "vanilla") {
    for (const w of ws) {
      if (w.batch % 5 !== 0) {
        throw new UsageError(
          badValue("--batch", w.batch, "a multiple of k = 5 when --method is not vanilla"),
        );
      }
    }
  }
  const repeats = intFlag("repeats", values.repeats, 5, 1, 100000);
  const warmup = intFlag("warmup", values.warmup, 2, 0, 100000);
  const rounds = intFlag("rounds", values.rounds, 3, 1, 1000);
  const steps = intFlag("steps", values.steps, 4, 1, 100000);
  const out = typeof values.out === "string"
    ? values.out
    : isArms
    ? ".cache/perf/native_arms.json"
    : ".cache/perf/native_step.json";
  const info = await initBackend(await chooseBackend("native", "--backend", { nativeThreads: 1 }));
  if (info.name !== "native") {
    console.error(`error: the native libraries are not available here (${info.reason})`);
    return 2;
  }
  const rows = isArms
    ? await arms(ws, rounds, steps, warmup)
    : await interleaved(ws, repeats, warmup, method);
  const loads = rows.flatMap((r) =>
    "load" in r
      ? [r.load]
      : [...r.twoJobsOneThread, ...r.oneJobTwoThreads, ...r.oneJobOneThread].map((x) => x.load)
  );
  const quiet = loads.every((l) => l !== null && l.resolved && l.quiet);
  console.log(
    `${navigator.hardwareConcurrency} CPUs; ${
      quiet ? "quiet" : "NOISY (foreign CPU load above 0.3 cores or unmeasured): use the ratios only"
    }`,
  );
  const report = {
    schema: isArms ? "antbench.native_arms/2" : "antbench.native_step/2",
    createdAt: new Date().toISOString(),
    native: info.native,
    quiet,
    settings: isArms ? { rounds, steps, warmup } : { repeats, warmup, method },
    rows,
  };
  const dir = out.includes("/") ? out.slice(0, out.lastIndexOf("/")) : ".";
  await Deno.mkdir(dir, { recursive: true });
  await atomicWriteJson(out, report);
  console.log(`wrote ${out}`);
  return 0;
}

if (import.meta.main) await runEntry("perf:native", () => benchStepMain(Deno.args));
