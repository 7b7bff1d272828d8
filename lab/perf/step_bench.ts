/**
 * The training-step benchmark behind `deno task perf`: for each (backend, model workload, MTL method) it
 * builds the model, runs the shared optimisation step (src/train/step.ts: forward, per-cluster gradients
 * through the MTL method, Adam, EMA) on seeded synthetic batches, and reports ms/step (median and spread
 * over the timed repeats after warm-up), samples/s, and GFLOP/s from the matmul/conv FLOPs of one profiled
 * step (lab/perf/flops.ts).
 *
 * Methods are benchmarked at k = 5 timestep clusters (ANT's default number of intervals, uniform
 * intervals here) and reported as a ratio to vanilla on the same workload; their timed steps are
 * interleaved with vanilla's so that load drift on a shared machine affects all of them alike.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { makeSchedule } from "../../src/diffusion/schedule.ts";
import { getModelFactory } from "../../src/models/registry.ts";
import { getMethodFactory } from "../../src/mtl/registry.ts";
import { createStepper, type HostBatch, stepAndReadLoss } from "../../src/train/step.ts";
import { type ConcreteBackend, initBackend } from "../../src/runtime/backend.ts";
import { type EnvironmentFingerprint, environmentFingerprint } from "../../src/runtime/fingerprint.ts";
import { countFlops } from "./flops.ts";
import { deriveSeed, Rng } from "../../src/runtime/rng.ts";

/** One model configuration to time. */
export interface Workload {
  model: string;
  /** Shape of one sample, e.g. [2] or [8, 8, 1]. */
  dataShape: number[];
  batch: number;
}

/** Summary statistics of the timed steps (ms). */
export interface TimeStats {
  n: number;
  median: number;
  /** 25th and 75th percentiles (linear interpolation between order statistics). */
  p25: number;
  p75: number;
  min: number;
  max: number;
}

/** One row of the report. */
export interface PerfRow {
  backend: ConcreteBackend;
  model: string;
  dataShape: number[];
  batch: number;
  params: number | null;
  method: string;
  k: number;
  status: "ok" | "failed" | "skipped";
  /** Why the row failed or was skipped. */
  note?: string;
  ms?: TimeStats;
  samplesPerSec?: number;
  /** Matmul/conv FLOPs of one step (from a tf.profile of one extra step). */
  flopsPerStep?: number;
  gflops?: number;
  /** Median ms/step divided by vanilla's on the same backend and workload. */
  ratioToVanilla?: number;
  /** Kernels taking the most time in the profiled step: [name, total ms, calls]. */
  topKernels?: [string, number, number][];
}

/** A full benchmark report (reports/perf/perf.json). */
export interface PerfReport {
  schema: "antbench.perf/1";
  createdAt: string;
  settings: { repeats: number; warmup: number; k: number; seed: number; T: number };
  flopSource: string;
  environments: Partial<Record<ConcreteBackend, EnvironmentFingerprint>>;
  rows: PerfRow[];
}

/** Options of {@link runPerf}. */
export interface PerfOptions {
  backends: ConcreteBackend[];
  workloads: Workload[];
  /** Extra methods (besides vanilla) to time at k clusters. */
  methods: string[];
  repeats: number;
  warmup: number;
  k?: number;
  seed?: number;
  /** Skip (backend, workload) pairs, e.g. large models on cpu; returns the reason or null. */
  skip?: (backend: ConcreteBackend, w: Workload) => string | null;
  onLog?: (line: string) => void;
}

/** Linear-interpolation quantile of sorted values (q in [0, 1]). */
function quantile(sorted: number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos), hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Median, quartiles and range of `times`. */
export function summarize(times: readonly number[]): TimeStats {
  if (times.length === 0) throw new RangeError("summarize: no times");
  const s = [...times].sort((a, b) => a - b);
  return {
    n: s.length,
    median: quantile(s, 0.5),
    p25: quantile(s, 0.25),
    p75: quantile(s, 0.75),
    min: s[0],
    max: s[s.length - 1],
  };
}

/**
 * A seeded synthetic batch: x0 and noise ~ N(0, I), t uniform on 0..T-1, clusters = k uniform timestep
 * intervals (cluster = floor(t·k / T)).
 */
export function syntheticBatch(w: Workload, T: number, k: number, seed: number, step: number): HostBatch {
  const dim = w.dataShape.reduce((a, b) => a * b, 1);
  const x0 = new Rng(deriveSeed(seed, "perf:x0", step)).normalArray(w.batch * dim);
  const noise = new Rng(deriveSeed(seed, "perf:noise", step)).normalArray(w.batch * dim);
  const tr = new Rng(deriveSeed(seed, "perf:t", step));
  const t = new Int32Array(w.batch);
  const cluster = new Int32Array(w.batch);
  for (let i = 0; i < w.batch; i++) {
    t[i] = tr.int(0, T);
    cluster[i] = Math.floor((t[i] * k) / T);
  }
  return { x0, noise, t, cluster };
}

function topKernels(kernels: { name: string; kernelTimeMs: unknown }[], n = 8): [string, number, number][] {
  const by = new Map<string, [number, number]>();
  for (const k of kernels) {
    // tf.profile also records op scopes (e.g. "fusedConv2d__op" around a custom gradient) whose time
    // includes their kernels: keep registered kernels only.
    if (!tf.getKernel(k.name, tf.getBackend())) continue;
    const ms = typeof k.kernelTimeMs === "number" ? k.kernelTimeMs : 0;
    const e = by.get(k.name) ?? [0, 0];
    e[0] += ms;
    e[1] += 1;
    by.set(k.name, e);
  }
  return [...by.entries()].sort((a, b) => b[1][0] - a[1][0]).slice(0, n).map((
    [name, [ms, c]],
  ) => [name, Math.round(ms * 100) / 100, c]);
}

interface Contender {
  row: PerfRow;
  /** One step including the read of its loss (on webgpu the read waits for the device: true step time). */
  step?: (b: HostBatch, s: number) => Promise<number>;
  dispose?: () => void;
  times: number[];
  stepNo: number;
}

function failRow(row: PerfRow, e: unknown): PerfRow {
  return { ...row, status: "failed", note: e instanceof Error ? e.message.split("\n")[0] : String(e) };
}

/**
 * Time several methods on one workload (backend already active). The timed steps are interleaved
 * round-robin (step r of every method, then step r + 1, ...), so slow drifts of a shared machine's load hit
 * every method alike and the ratios to vanilla stay meaningful. A method that throws becomes a failed row.
 */
export async function benchmarkWorkload(
  backend: ConcreteBackend,
  w: Workload,
  methodIds: readonly string[],
  opts: { repeats: number; warmup: number; k: number; seed: number; T: number },
): Promise<PerfRow[]> {
  const schedule = makeSchedule("linear", opts.T);
  const batches = Array.from({ length: 4 }, (_, i) => syntheticBatch(w, opts.T, opts.k, opts.seed, i));
  const contenders: Contender[] = methodIds.map((methodId) => ({
    row: {
      backend,
      model: w.model,
      dataShape: w.dataShape,
      batch: w.batch,
      params: null,
      method: methodId,
      k: opts.k,
      status: "ok",
    },
    times: [],
    stepNo: 0,
  }));
  for (const c of contenders) {
    try {
      const mf = getModelFactory(w.model, "--models");
      const model = mf.build({ ...mf.defaults }, {
        dataShape: w.dataShape,
        T: opts.T,
        initSeed: deriveSeed(opts.seed, "init"),
      });
      c.row.params = model.paramCount();
      const fac = getMethodFactory(c.row.method, "--methods");
      const method = fac.create({ ...fac.defaults }, { k: opts.k, schedule, runSeed: opts.seed });
      const stepper = createStepper({
        model,
        method,
        schedule,
        k: opts.k,
        lr: 1e-4,
        beta1: 0.9,
        beta2: 0.999,
        emaDecay: 0.995,
      });
      c.step = (b, s) => stepAndReadLoss(stepper, b, s);
      c.dispose = () => {
        stepper.dispose();
        method.dispose();
        model.dispose();
      };
    } catch (e) {
      c.row = failRow(c.row, e);
    }
  }
  const live = () => contenders.filter((c) => c.row.status === "ok");
  const guarded = async (c: Contender, f: () => Promise<void>) => {
    try {
      await f();
    } catch (e) {
      c.row = failRow(c.row, e);
      c.dispose?.();
      c.dispose = undefined;
    }
  };
  try {
    for (const c of live()) {
      await guarded(c, async () => {
        for (let i = 0; i < opts.warmup; i++) await c.step!(batches[c.stepNo % 4], c.stepNo++);
      });
    }
    for (let r = 0; r < opts.repeats; r++) {
      for (const c of live()) {
        await guarded(c, async () => {
          const b = batches[c.stepNo % 4];
          const t0 = performance.now();
          const loss = await c.step!(b, c.stepNo++);
          c.times.push(performance.now() - t0);
          if (!Number.isFinite(loss)) throw new Error(`loss became ${loss} at step ${c.stepNo}`);
        });
      }
    }
    for (const c of live()) {
      let prof: Awaited<ReturnType<typeof tf.profile>> | null = null;
      try {
        prof = await tf.profile(async () => {
          await c.step!(batches[c.stepNo % 4], c.stepNo++);
        });
      } catch (e) {
        c.row = failRow(c.row, e);
        continue;
      }
      const flops = countFlops(prof.kernels);
      const ms = summarize(c.times);
      c.row = {
        ...c.row,
        ms,
        samplesPerSec: (w.batch * 1000) / ms.median,
        flopsPerStep: flops,
        gflops: flops / (ms.median * 1e6),
        topKernels: topKernels(prof.kernels as unknown as { name: string; kernelTimeMs: unknown }[]),
      };
    }
  } finally {
    for (const c of contenders) c.dispose?.();
  }
  const vanilla = contenders.find((c) => c.row.method === "vanilla" && c.row.status === "ok");
  for (const c of contenders) {
    if (c !== vanilla && c.row.status === "ok" && vanilla?.row.ms) {
      c.row.ratioToVanilla = c.row.ms!.median / vanilla.row.ms.median;
    }
  }
  return contenders.map((c) => c.row);
}

const FLOP_SOURCE =
  "counted from the input/output shapes of the MatMul and Conv kernels in a tf.profile of one " +
  "extra step (multiply-add = 2 FLOPs; element-wise kernels not counted); GFLOP/s = FLOPs / median step time";

/** Run every requested combination; failures become rows with status "failed" (never throws for a row). */
export async function runPerf(opts: PerfOptions): Promise<PerfReport> {
  const k = opts.k ?? 5;
  const seed = opts.seed ?? 0;
  const T = 1000;
  const log = opts.onLog ?? (() => {});
  const rows: PerfRow[] = [];
  const environments: PerfReport["environments"] = {};
  for (const backend of opts.backends) {
    let info;
    try {
      info = await initBackend(backend);
    } catch (e) {
      for (const w of opts.workloads) {
        rows.push({
          backend,
          model: w.model,
          dataShape: w.dataShape,
          batch: w.batch,
          params: null,
          method: "vanilla",
          k,
          status: "failed",
          note: `backend: ${e instanceof Error ? e.message : String(e)}`,
        });
      }
      continue;
    }
    environments[backend] = environmentFingerprint(info);
    for (const w of opts.workloads) {
      const skip = opts.skip?.(backend, w) ?? null;
      const methodIds = ["vanilla", ...opts.methods.filter((m) => m !== "vanilla")];
      const label = `${backend} ${w.model} ${w.dataShape.join("x")} b${w.batch}`;
      if (skip) {
        for (const method of methodIds) {
          rows.push({
            backend,
            model: w.model,
            dataShape: w.dataShape,
            batch: w.batch,
            params: null,
            method,
            k,
            status: "skipped",
            note: skip,
          });
        }
        continue;
      }
      log(`perf: ${label} (${methodIds.join(", ")}) ...`);
      const got = await benchmarkWorkload(backend, w, methodIds, {
        repeats: opts.repeats,
        warmup: opts.warmup,
        k,
        seed,
        T,
      });
      for (const row of got) {
        if (row.status === "ok") log(`perf: ${label} ${row.method}: ${row.ms!.median.toFixed(1)} ms/step`);
        else log(`perf: ${label} ${row.method}: ${row.status}: ${row.note}`);
        rows.push(row);
      }
    }
  }
  return {
    schema: "antbench.perf/1",
    createdAt: new Date().toISOString(),
    settings: { repeats: opts.repeats, warmup: opts.warmup, k, seed, T },
    flopSource: FLOP_SOURCE,
    environments,
    rows,
  };
}

const fmt = (x: number | undefined, d = 1) => (x === undefined ? "" : x.toFixed(d));

/** The report as a Markdown table (also printed by `deno task perf`). */
export function renderPerfTable(report: PerfReport): string {
  const head = [
    "| backend | model | data | batch | params | method (k) | ms/step median | p25–p75 | min–max | samples/s | GFLOP/s | × vanilla |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|",
  ];
  const lines = report.rows.map((r) => {
    const shape = r.dataShape.join("×");
    const method = r.method === "vanilla" ? "vanilla" : `${r.method} (${r.k})`;
    if (r.status !== "ok") {
      return `| ${r.backend} | ${r.model} | ${shape} | ${r.batch} | ${
        r.params ?? ""
      } | ${method} | ${r.status}: ${(r.note ?? "").replaceAll("|", "/")} |  |  |  |  |  |`;
    }
    const m = r.ms!;
    return `| ${r.backend} | ${r.model} | ${shape} | ${r.batch} | ${r.params} | ${method} | ${
      fmt(m.median)
    } | ${fmt(m.p25)}–${fmt(m.p75)} | ${fmt(m.min)}–${fmt(m.max)} | ${fmt(r.samplesPerSec, 0)} | ${
      fmt(r.gflops, 2)
    } | ${r.ratioToVanilla === undefined ? "" : fmt(r.ratioToVanilla, 2)} |`;
  });
  return [...head, ...lines].join("\n");
}
