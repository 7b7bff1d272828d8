/**
 * The training-step benchmark behind `deno task perf`: for each (backend, workload, MTL method) it assembles
 * the production run (src/train/assemble.ts, configured as a suite would be: lab/perf/workloads.ts) and
 * times its training steps — the trainer's batches, the method's gradients, Adam, EMA and the trainer's
 * loss reads — and reports ms/step, samples/s, GFLOP/s beside the machine's fp32 peak (lab/perf/peak.ts),
 * kernels per step (lab/perf/kernels.ts) and each method's step time relative to the vanilla baseline.
 *
 * Backends: those of training (src/runtime/backend.ts). `native` is the wasm backend with its matmul and
 * convolution kernels replaced by OpenBLAS/oneDNN ones under the same kernel names, so kernels and FLOPs
 * are counted the same way; its BLAS/oneDNN threads per job are a setting (`nativeThreads`, default 1 as in
 * training), and its GFLOP/s are compared with the peak of that many cores. Backends run one after
 * another (not interleaved with each other): compare backends only from quiet reports.
 *
 * Rounds: after `warmup` untimed steps, each round times a block of `repeats` steps of every contender of
 * the workload, interleaved (A B C in even rounds, C B A in odd ones) so that drift hits all alike.
 * ms/step of a round = the block's wall time / `repeats`; a row's ms/step is the median over rounds, and
 * its ratio to vanilla the median of the per-round ratios. Each round is load-checked (lab/perf/load.ts):
 * a round during which other processes used more than the limit (0.3 cores) is repeated (bounded); a
 * round still above it makes its rows and the report noisy.
 *
 * @module
 */
import type { RunConfig } from "../../src/train/types.ts";
import type { Dataset } from "../../src/data/dataset.ts";
import { getDatasetFactory } from "../../src/data/registry.ts";
import {
  chooseBackend,
  type ConcreteBackend,
  DEFAULT_NATIVE_THREADS,
  initBackend,
} from "../../src/runtime/backend.ts";
import { type EnvironmentFingerprint, environmentFingerprint } from "../../src/runtime/fingerprint.ts";
import { type Contender, createContender } from "./contender.ts";
import { kernelEnvironment } from "./kernel_env.ts";
import { FOREIGN_LOAD_LIMIT, LOAD_RETRIES, measuredRound, type RoundLoad } from "./load.ts";
import type { Fp32Peak } from "./peak.ts";
import { median, type RatioSummary, roundRatios, summarize, type TimeStats } from "./stats.ts";
import { type Workload, workloadConfigs } from "./workloads.ts";

export type { TimeStats } from "./stats.ts";
export type { Workload } from "./workloads.ts";

/** One row of the report: a (backend, workload, method). */
export interface PerfRow {
  /** Backend the row was measured on. */
  backend: ConcreteBackend;
  /** Model id. */
  model: string;
  /** Dataset id. */
  dataset: string;
  /** Shape of one sample. */
  dataShape: number[];
  /** Batch size. */
  batch: number;
  /** Threads of the step: the native backend's BLAS/oneDNN threads per job; 1 on every other backend. */
  threads: number;
  /** Model parameters (null when the workload did not build). */
  params: number | null;
  /** Method id (with k). */
  method: string;
  /** Clusters of the run (1 for the vanilla baseline). */
  k: number;
  /** Measured, failed, or skipped. */
  status: "ok" | "failed" | "skipped";
  /** Why the row failed or was skipped. */
  note?: string;
  /** Times of the individual timed steps (ms), each with its loss read where the trainer reads. */
  ms?: TimeStats;
  /** ms/step of each kept round (block wall time / steps). */
  msPerStepByRound?: number[];
  /** Median of {@link msPerStepByRound}. */
  msPerStep?: number;
  /** Samples per second (median step). */
  samplesPerSec?: number;
  /** Matmul/conv FLOPs of one step (from a tf.profile of one extra step). */
  flopsPerStep?: number;
  /** Matmul/conv GFLOP/s of the median step. */
  gflops?: number;
  /** gflops / the fp32 peak of the {@link threads} cores the step may use (one core unless native threads > 1). */
  fractionOfCorePeak?: number;
  /**
   * The matmul/conv kernels alone in the profiled step: their kernel time (ms) and FLOPs / that time
   * (GFLOP/s); on native these are the OpenBLAS / oneDNN calls.
   */
  denseKernels?: { ms: number; gflops: number };
  /** Registered-kernel invocations of one production step. */
  kernelsPerStep?: number;
  /** The most frequent kernels of that step: [name, calls]. */
  kernelsByName?: [string, number][];
  /** Kernels taking the most time in the profiled step: [name, total ms, calls]. */
  topKernels?: [string, number, number][];
  /** ms/step divided by vanilla's, per round, and its median and range (methods only). */
  ratioToVanilla?: RatioSummary;
  /** A kept round of this workload was above the load limit, or its load could not be measured. */
  noisy?: boolean;
  /** The resolved run configuration that was timed. */
  config?: RunConfig;
}

/** One attempt of one round of a workload, kept or repeated. */
export interface PerfRound {
  /** Backend. */
  backend: ConcreteBackend;
  /** Model id. */
  model: string;
  /** Shape of one sample. */
  dataShape: number[];
  /** Batch size. */
  batch: number;
  /** Round index. */
  round: number;
  /** Attempt within the round (a noisy round is repeated). */
  attempt: number;
  /** Whether the round's timings were kept. */
  kept: boolean;
  /** null: /proc could not be read (load unknown). */
  load: RoundLoad | null;
}

/** A full benchmark report (reports/perf/perf.json). */
export interface PerfReport {
  /** Schema tag. */
  schema: "antbench.perf/2";
  /** When the report was made (ISO 8601). */
  createdAt: string;
  /** The benchmark's settings. */
  settings: {
    rounds: number;
    repeats: number;
    warmup: number;
    k: number;
    seed: number;
    loadLimitCores: number;
    loadRetries: number;
    /** Threads per job of the native backend. */
    nativeThreads: number;
  };
  /** Every kept round was measured and at most the load limit. */
  quiet: boolean;
  /** Kept rounds above the limit or unmeasured. */
  noisyRounds: number;
  /** How FLOPs were counted. */
  flopSource: string;
  /** How kernels were counted. */
  kernelSource: string;
  /** The machine's fp32 peak (null when unknown). */
  peak: Fp32Peak | null;
  /** Environment fingerprint per backend. */
  environments: Partial<Record<ConcreteBackend, EnvironmentFingerprint>>;
  /** The kernel-selecting variables of the native libraries (lab/perf/kernel_env.ts). */
  kernelEnvironment: Record<string, string | null>;
  /** Every measured round. */
  rounds: PerfRound[];
  /** One row per workload and backend. */
  rows: PerfRow[];
}

/** Options of {@link runPerf}. */
export interface PerfOptions {
  /** Backends to measure. */
  backends: ConcreteBackend[];
  /** Workloads to measure. */
  workloads: Workload[];
  /** Methods (besides the vanilla baseline) to time at k clusters. */
  methods: string[];
  /** Interleaved rounds. */
  rounds?: number;
  /** Timed steps per round. */
  repeats: number;
  /** Untimed steps before the rounds. */
  warmup: number;
  /** Clusters of the method rows. */
  k?: number;
  /** Seed of the workloads. */
  seed?: number;
  /** Threads per job of the native backend (default 1, as training). */
  nativeThreads?: number;
  /** Load check: the limit in cores (default 0.3) and how often a noisy round is repeated (default 3). */
  loadLimitCores?: number;
  /** Repeats of a round with foreign load. */
  loadRetries?: number;
  /** The fp32 peak to print beside the rows. */
  peak?: Fp32Peak | null;
  /** Skip (backend, workload) pairs, e.g. large models on cpu; returns the reason or null. */
  skip?: (backend: ConcreteBackend, w: Workload) => string | null;
  /** Progress lines. */
  onLog?: (line: string) => void;
}

/** Settings of {@link benchmarkWorkload}. */
export interface WorkloadBenchOptions {
  /** Interleaved rounds. */
  rounds: number;
  /** Timed steps per round. */
  repeats: number;
  /** Untimed steps before the rounds. */
  warmup: number;
  /** Clusters of the method rows. */
  k: number;
  /** Seed of the workload. */
  seed: number;
  /** Foreign load a quiet round stays under, in cores. */
  loadLimitCores?: number;
  /** Repeats of a round with foreign load. */
  loadRetries?: number;
  /** The fp32 peak to print beside the rows. */
  peak?: Fp32Peak | null;
  /** Threads of the step (the native backend's per job; default 1): the peak GFLOP/s are compared with. */
  threads?: number;
  /** Progress lines. */
  onLog?: (line: string) => void;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message.split("\n")[0] : String(e);
}

function baseRow(backend: ConcreteBackend, w: Workload, method: string, k: number, threads = 1): PerfRow {
  const { model, dataShape, batch } = w;
  const dataset = w.dataset.id;
  return { backend, model, dataset, dataShape, batch, threads, params: null, method, k, status: "ok" };
}

interface Entry {
  row: PerfRow;
  c?: Contender;
  times: number[];
  roundMs: number[];
}

/**
 * Time the vanilla baseline and `methodIds` on one workload (backend already active), in load-checked,
 * interleaved rounds. A contender that throws becomes a failed row; the others go on.
 */
export async function benchmarkWorkload(
  backend: ConcreteBackend,
  w: Workload,
  methodIds: readonly string[],
  o: WorkloadBenchOptions,
): Promise<{ rows: PerfRow[]; rounds: PerfRound[] }> {
  const log = o.onLog ?? (() => {});
  const methods = methodIds.filter((m) => m !== "vanilla");
  let configs: RunConfig[];
  let dataset: Dataset;
  try {
    configs = workloadConfigs(w, {
      methods,
      k: o.k,
      seed: o.seed,
      steps: o.warmup + o.rounds * o.repeats + 1,
    });
    const f = getDatasetFactory(w.dataset.id);
    dataset = await f.load({ ...f.defaults, ...w.dataset.options }, { cacheDir: ".cache" });
  } catch (e) {
    const rows = ["vanilla", ...methods].map((m) => ({
      ...baseRow(backend, w, m, m === "vanilla" ? 1 : o.k, o.threads),
      status: "failed" as const,
      note: message(e),
    }));
    return { rows, rounds: [] };
  }
  const entries: Entry[] = configs.map((config) => ({
    row: { ...baseRow(backend, w, config.method.id, config.clustering.k, o.threads), config },
    times: [],
    roundMs: [],
  }));
  const fail = (e: Entry, err: unknown) => {
    e.row = { ...e.row, status: "failed", note: message(err) };
    e.c?.dispose();
    e.c = undefined;
  };
  const live = () => entries.filter((e) => e.row.status === "ok" && e.c);
  const rounds: PerfRound[] = [];
  try {
    for (const e of entries) {
      try {
        e.c = await createContender(e.row.config!, { dataset });
        e.row.params = e.c.params;
      } catch (err) {
        fail(e, err);
      }
    }
    for (const e of live()) {
      try {
        if (o.warmup > 0) await e.c!.block(o.warmup);
      } catch (err) {
        fail(e, err);
      }
    }
    for (let r = 0; r < o.rounds; r++) {
      const blocks = new Map<Entry, { ms: number[]; perStep: number }>();
      let attempt = 0;
      const res = await measuredRound(async () => {
        blocks.clear();
        const order = r % 2 === 0 ? live() : live().reverse();
        for (const e of order) {
          try {
            const b = await e.c!.block(o.repeats);
            blocks.set(e, { ms: b.ms, perStep: b.wallMs / o.repeats });
          } catch (err) {
            fail(e, err);
          }
        }
      }, {
        limitCores: o.loadLimitCores,
        retries: o.loadRetries,
        onRetry: (load, n) => {
          log(`perf: round ${r + 1}: foreign load ${load.foreignCores.toFixed(2)} cores, repeating (${n})`);
          rounds.push({ ...roundId(backend, w, r, attempt++), kept: false, load });
        },
      });
      rounds.push({ ...roundId(backend, w, r, attempt), kept: true, load: res.load });
      for (const [e, b] of blocks) {
        if (e.row.status !== "ok") continue;
        e.times.push(...b.ms);
        e.roundMs.push(b.perStep);
      }
    }
    for (const e of live()) {
      try {
        const p = await e.c!.profile();
        const msPerStep = median(e.roundMs);
        const gflops = p.flops / (msPerStep * 1e6);
        e.row = {
          ...e.row,
          ms: summarize(e.times),
          msPerStepByRound: e.roundMs,
          msPerStep,
          samplesPerSec: (w.batch * 1000) / msPerStep,
          flopsPerStep: p.flops,
          gflops,
          ...(o.peak ? { fractionOfCorePeak: gflops / (o.peak.perCoreGflops * (o.threads ?? 1)) } : {}),
          ...(p.denseKernelMs > 0
            ? { denseKernels: { ms: p.denseKernelMs, gflops: p.flops / (p.denseKernelMs * 1e6) } }
            : {}),
          kernelsPerStep: p.kernels,
          kernelsByName: p.kernelsByName.slice(0, 12),
          topKernels: p.topKernels,
        };
      } catch (err) {
        fail(e, err);
      }
    }
  } finally {
    for (const e of entries) e.c?.dispose();
  }
  const kept = rounds.filter((x) => x.kept);
  const noisy = kept.some((x) => x.load === null || !x.load.quiet);
  const vanilla = entries.find((e) => e.row.method === "vanilla" && e.row.status === "ok");
  for (const e of entries) {
    if (e.row.status !== "ok") continue;
    e.row.noisy = noisy;
    if (e !== vanilla && vanilla && vanilla.roundMs.length === e.roundMs.length) {
      e.row.ratioToVanilla = roundRatios(e.roundMs, vanilla.roundMs);
    }
  }
  return { rows: entries.map((e) => e.row), rounds };
}

function roundId(backend: ConcreteBackend, w: Workload, round: number, attempt: number) {
  return { backend, model: w.model, dataShape: w.dataShape, batch: w.batch, round, attempt };
}

/** How GFLOP/s are computed (recorded in the report). */
export const FLOP_SOURCE: string =
  "counted from the input/output shapes of the MatMul and Conv kernels in a tf.profile of one " +
  "extra step (multiply-add = 2 FLOPs; element-wise kernels not counted; on native the same kernels, run " +
  "by OpenBLAS/oneDNN); GFLOP/s = FLOPs / ms per step; matmul/conv kernels GFLOP/s = FLOPs / the kernel " +
  "time of those kernels in the profiled step";

/** How kernels per step are counted (recorded in the report). */
export const KERNEL_SOURCE: string =
  "registered-kernel invocations the tfjs engine dispatched in a tf.profile of one extra production step " +
  "(forward, the method's backward passes, Adam, EMA, the loss read); op scopes are not counted";

/** Run every requested combination; failures become rows with status "failed" (never throws for a row). */
export async function runPerf(opts: PerfOptions): Promise<PerfReport> {
  const k = opts.k ?? 5, seed = opts.seed ?? 0, rounds = opts.rounds ?? 3;
  const loadLimitCores = opts.loadLimitCores ?? FOREIGN_LOAD_LIMIT;
  const loadRetries = opts.loadRetries ?? LOAD_RETRIES;
  const log = opts.onLog ?? (() => {});
  const rows: PerfRow[] = [];
  const allRounds: PerfRound[] = [];
  const environments: PerfReport["environments"] = {};
  const methodIds = ["vanilla", ...opts.methods.filter((m) => m !== "vanilla")];
  const nativeThreads = opts.nativeThreads ?? DEFAULT_NATIVE_THREADS;
  for (const backend of opts.backends) {
    const threads = backend === "native" ? nativeThreads : 1;
    let info;
    try {
      // A native backend that cannot load falls back to wasm in training; here its rows fail instead, so
      // that a row labelled native is always native.
      let fallback: string | null = null;
      const choice = await chooseBackend(backend, "--backend", {
        nativeThreads,
        log: (l) => (fallback = l.replace(/^backend: /, "")),
      });
      if (choice.name !== backend) throw new Error(fallback ?? `${backend} resolved to ${choice.name}`);
      info = await initBackend(choice);
      if (info.name !== backend) throw new Error(`${backend} is unavailable here (${info.reason})`);
    } catch (e) {
      for (const w of opts.workloads) {
        rows.push({
          ...baseRow(backend, w, "vanilla", 1, threads),
          status: "failed",
          note: `backend: ${message(e)}`,
        });
      }
      continue;
    }
    environments[backend] = environmentFingerprint(info);
    for (const w of opts.workloads) {
      const skip = opts.skip?.(backend, w) ?? null;
      const label = `${backend}${threads > 1 ? ` ×${threads} threads` : ""} ${w.model} ${
        w.dataShape.join("x")
      } b${w.batch}`;
      if (skip) {
        for (const m of methodIds) {
          rows.push({
            ...baseRow(backend, w, m, m === "vanilla" ? 1 : k, threads),
            status: "skipped",
            note: skip,
          });
        }
        continue;
      }
      log(`perf: ${label} (${methodIds.join(", ")}) ...`);
      const got = await benchmarkWorkload(backend, w, methodIds, {
        rounds,
        repeats: opts.repeats,
        warmup: opts.warmup,
        k,
        seed,
        loadLimitCores,
        loadRetries,
        peak: opts.peak,
        threads,
        onLog: log,
      });
      for (const row of got.rows) {
        if (row.status === "ok") {
          log(
            `perf: ${label} ${row.method}: ${
              row.msPerStep!.toFixed(1)
            } ms/step, ${row.kernelsPerStep} kernels/step`,
          );
        } else log(`perf: ${label} ${row.method}: ${row.status}: ${row.note}`);
        rows.push(row);
      }
      allRounds.push(...got.rounds);
    }
  }
  const noisyRounds = allRounds.filter((r) => r.kept && (r.load === null || !r.load.quiet)).length;
  return {
    schema: "antbench.perf/2",
    createdAt: new Date().toISOString(),
    settings: {
      rounds,
      repeats: opts.repeats,
      warmup: opts.warmup,
      k,
      seed,
      loadLimitCores,
      loadRetries,
      nativeThreads,
    },
    quiet: noisyRounds === 0 && allRounds.length > 0,
    noisyRounds,
    flopSource: FLOP_SOURCE,
    kernelSource: KERNEL_SOURCE,
    peak: opts.peak ?? null,
    environments,
    kernelEnvironment: kernelEnvironment(),
    rounds: allRounds,
    rows,
  };
}
