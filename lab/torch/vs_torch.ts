/**
 * `deno task perf --vs torch`: training throughput of antbench against the PyTorch reference
 * (lab/torch/bench.py, Debian python3-torch at /usr/bin/python3), timed interleaved on the same machine,
 * for every model workload × MTL method.
 *
 * antbench trains on the backend training would use (`backend`, default `auto`: webgpu on a hardware
 * adapter, else native when OpenBLAS loads, else wasm), chosen once and handed to every worker.
 *
 * Arms per (workload, method), each round running them back to back (the order alternates between
 * rounds, A B … then … B A, so neither side always runs first):
 * - `antbench ×1`: one antbench job, one thread (on native: OpenBLAS and oneDNN at 1 thread);
 * - `torch ×1`: PyTorch with torch.set_num_threads(1) and OpenBLAS at 1 thread (the per-core comparison);
 * - `torch ×N`: PyTorch with N intra-op threads and OpenBLAS at N (per machine; N = all cores by default);
 * - `antbench N jobs`: N independent antbench trainings in parallel Web Workers (each its own tfjs
 *   instance, one thread each), the way `bench --jobs N` runs a suite; throughput = N·steps·B / slowest
 *   worker;
 * - `antbench 1 job × N threads` (native only, N > 1): one worker whose OpenBLAS/oneDNN use N threads, as
 *   `bench --threads N`; OpenBLAS's count is process-wide, so the worker sets it for its block only.
 *
 * Fair libraries: Debian's python3-torch runs its GEMMs on the system BLAS, which is OpenBLAS once
 * libopenblas0-pthread is installed, and OpenBLAS 0.3.21 runs slow Prescott kernels on CPUs it does not
 * know unless OPENBLAS_CORETYPE names the core. So the PyTorch process gets the OPENBLAS_CORETYPE antbench
 * uses ({@link torchEnvironment}), and its OpenBLAS thread count follows each arm's threads
 * (torch.set_num_threads does not set it). Both sides' libraries (OpenBLAS core, oneDNN ISA, threads) are
 * recorded in the report.
 *
 * The antbench arms run the production step: the run assembled as a suite would train it
 * (lab/perf/workloads.ts, lab/perf/contender.ts: the trainer's batches, the method, Adam, EMA, the loss
 * reads). The torch side runs the same model, method, schedule and Adam/EMA settings on numpy batches
 * with antbench's timesteps and clusters (so every cluster has the same number of samples on both sides);
 * weights are each framework's own initialisation (timing only).
 *
 * Every round is load-checked (lab/perf/load.ts): a round during which other processes used more than the
 * limit is repeated (bounded), and a round still above it marks its row and the report noisy. Reported:
 * ms/step, samples/s, the antbench/torch samples-per-second ratio of every round with its median and range,
 * per core (×1 vs ×1) and per machine (N jobs vs N threads), kernels per antbench step, and GFLOP/s of both
 * ×1 arms (the FLOPs of antbench's profiled step, the same model on both sides) beside the fp32 peak.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { RunConfig } from "../../src/train/types.ts";
import type { Dataset } from "../../src/data/dataset.ts";
import { getDatasetFactory } from "../../src/data/registry.ts";
import { type BackendName, chooseBackend, initBackend } from "../../src/runtime/backend.ts";
import { environmentFingerprint } from "../../src/runtime/fingerprint.ts";
import { TORCH_PYTHON } from "../parity/export.ts";
import { torchEnvironment, TorchPeer, WorkerPool } from "./peers.ts";

export { torchEnvironment, TorchPeer, WorkerPool } from "./peers.ts";
import { type Contender, createContender } from "../perf/contender.ts";
import { kernelEnvironment } from "../perf/kernel_env.ts";
import { FOREIGN_LOAD_LIMIT, LOAD_RETRIES, measuredRound, type RoundLoad } from "../perf/load.ts";
import type { Fp32Peak } from "../perf/peak.ts";
import { median, type RatioSummary, roundRatios, summarize, type TimeStats } from "../perf/stats.ts";
import { type Workload, workloadConfigs } from "../perf/workloads.ts";

/** Methods the PyTorch reference implements (lab/torch/methods.py). */
export const TORCH_METHODS: readonly string[] = ["vanilla", "uw", "pcgrad", "nashmtl"];

/** One arm's timings over all rounds. */
export interface ArmResult {
  /** Arm label. */
  label: string;
  /** Threads (torch) or parallel jobs (antbench). */
  parallelism: number;
  /** Step times. */
  ms: TimeStats;
  /** Samples per second of the whole machine in each round. */
  samplesPerSecByRound: number[];
  /** Samples per second. */
  samplesPerSec: number;
}

export type { RatioSummary } from "../perf/stats.ts";

/** One attempt of one round of a row, kept or repeated. */
export interface VsTorchRound {
  /** Row label. */
  row: string;
  /** Round index. */
  round: number;
  /** Attempt within the round. */
  attempt: number;
  /** Whether the round was kept. */
  kept: boolean;
  /** null: /proc could not be read (load unknown). */
  load: RoundLoad | null;
}

/** One workload × method. */
export interface VsTorchRow {
  /** Model id. */
  model: string;
  /** Dataset id. */
  dataset?: string;
  /** Shape of one sample. */
  dataShape: number[];
  /** Batch size. */
  batch: number;
  /** Method id. */
  method: string;
  /** Clusters. */
  k: number;
  /** Measured, failed, or skipped. */
  status: "ok" | "failed" | "skipped";
  /** Why it failed or was skipped. */
  note?: string;
  /** Parameters on both sides. */
  params?: { antbench: number; torch: number };
  /** Timings of each arm (per core and per machine). */
  arms?: {
    antbench1: ArmResult;
    torch1: ArmResult;
    torchN: ArmResult;
    antbenchN: ArmResult;
    /** One job with N native threads (native only, N > 1). */
    antbench1xN?: ArmResult;
  };
  /** antbench ×1 / torch ×1 (> 1: antbench faster per core). */
  perCore?: RatioSummary;
  /** antbench N jobs / torch ×N threads (> 1: antbench faster per machine). */
  perMachine?: RatioSummary;
  /** antbench 1 job × N threads / torch ×N threads (native only). */
  perMachineThreads?: RatioSummary;
  /** Registered-kernel invocations of one antbench production step. */
  kernelsPerStep?: number;
  /** Matmul/conv FLOPs of one step (antbench's profile; the same model and batch on both sides). */
  flopsPerStep?: number;
  /** GFLOP/s of the ×1 arms (FLOPs per step / median ms per step). */
  gflops?: { antbench1: number; torch1: number };
  /** A kept round of this row was above the load limit, or unmeasured. */
  noisy?: boolean;
  /** The resolved run configuration of the antbench arms. */
  config?: RunConfig;
}

/** The report written to reports/perf/torch_<tag>.json. */
export interface VsTorchReport {
  /** Schema tag. */
  schema: "antbench.perf-vs-torch/2";
  /** When the report was made (ISO 8601). */
  createdAt: string;
  /** Tag of the output files. */
  tag: string;
  /** The comparison's settings. */
  settings: {
    rounds: number;
    repeats: number;
    warmup: number;
    k: number;
    seed: number;
    cores: number;
    /** antbench's parallel jobs and the threads of the threaded per-machine arms. */
    jobs: number;
    threads: number;
    loadLimitCores: number;
    loadRetries: number;
  };
  /** Every kept round was measured and at most the load limit. */
  quiet: boolean;
  /** Rounds with foreign load. */
  noisyRounds: number;
  /** The machine's fp32 peak. */
  peak: Fp32Peak | null;
  /** antbench's environment. */
  antbench: Record<string, unknown>;
  /** PyTorch's environment. */
  torch: Record<string, unknown>;
  /** Every measured round. */
  rounds: VsTorchRound[];
  /** One row per workload. */
  rows: VsTorchRow[];
}

function arm(label: string, parallelism: number, ms: number[], sps: number[]): ArmResult {
  return { label, parallelism, ms: summarize(ms), samplesPerSecByRound: sps, samplesPerSec: median(sps) };
}

/** Settings of {@link runVsTorch}. */
export interface VsTorchOptions {
  /** antbench's backend (default "auto": what training picks here). */
  backend?: BackendName;
  /** Workloads to compare. */
  workloads: Workload[];
  /** Method ids. */
  methods: string[];
  /** Interleaved rounds. */
  rounds: number;
  /** Timed steps per round. */
  repeats: number;
  /** Untimed steps before the rounds. */
  warmup: number;
  /** Clusters of the method rows. */
  k: number;
  /** Seed. */
  seed: number;
  /**
   * Parallel antbench jobs (1 thread each) and the threads of the threaded per-machine arms: torch ×N and,
   * on native, antbench 1 job × N threads.
   */
  jobs: number;
  /** Threads of the per-machine arms. */
  threads: number;
  /** Tag of the output files. */
  tag: string;
  /** Foreign load a quiet round stays under, in cores. */
  loadLimitCores?: number;
  /** Repeats of a round with foreign load. */
  loadRetries?: number;
  /** The fp32 peak. */
  peak?: Fp32Peak | null;
  /** Progress lines. */
  onLog?: (line: string) => void;
}

type ArmKey = "a1" | "t1" | "an" | "tn" | "a1n";

/** Time every workload × method on both sides, interleaved, in load-checked rounds. */
export async function runVsTorch(o: VsTorchOptions): Promise<VsTorchReport> {
  const log = o.onLog ?? (() => {});
  const loadLimitCores = o.loadLimitCores ?? FOREIGN_LOAD_LIMIT;
  const loadRetries = o.loadRetries ?? LOAD_RETRIES;
  const choice = await chooseBackend(o.backend ?? "auto", "--backend", { nativeThreads: 1, log });
  const info = await initBackend(choice);
  const torchEnv = torchEnvironment();
  const torch = await TorchPeer.start(TORCH_PYTHON, torchEnv);
  const torchInfo = await torch.request({ cmd: "info" });
  const pool = new WorkerPool(o.jobs, choice);
  // One job with N native threads: only where threads mean something (native) and N > 1.
  const threaded = info.name === "native" && o.threads > 1 ? new WorkerPool(1, choice, o.threads) : null;
  const rows: VsTorchRow[] = [];
  const rounds: VsTorchRound[] = [];
  const methods = ["vanilla", ...o.methods.filter((m) => m !== "vanilla")];
  const steps = o.warmup + o.rounds * o.repeats + 1;
  try {
    for (const w of o.workloads) {
      const base = (method: string, k: number) => ({
        model: w.model,
        dataset: w.dataset.id,
        dataShape: w.dataShape,
        batch: w.batch,
        method,
        k,
      });
      let configs: RunConfig[];
      let dataset: Dataset;
      try {
        configs = workloadConfigs(w, {
          methods: methods.filter((m) => TORCH_METHODS.includes(m)),
          k: o.k,
          seed: o.seed,
          steps,
        });
        const f = getDatasetFactory(w.dataset.id);
        dataset = await f.load({ ...f.defaults, ...w.dataset.options }, { cacheDir: ".cache" });
      } catch (e) {
        for (const m of methods) rows.push({ ...base(m, o.k), status: "failed", note: message(e) });
        continue;
      }
      for (const method of methods) {
        const config = configs.find((c) => c.method.id === method);
        if (!TORCH_METHODS.includes(method) || !config) {
          rows.push({
            ...base(method, o.k),
            status: "skipped",
            note: "no PyTorch reference for this method",
          });
          continue;
        }
        const label = `${w.model} ${w.dataShape.join("x")} b${w.batch} ${method}`;
        log(`perf --vs torch: ${label} ...`);
        let side: Contender | null = null;
        try {
          side = await createContender(config, { dataset });
          const first = Array.from({ length: 4 }, (_, i) => side!.run.batch(i));
          const tr = await torch.request({
            cmd: "setup",
            id: label,
            model: w.model,
            options: config.model.options,
            dataShape: w.dataShape,
            batch: w.batch,
            method,
            methodOptions: config.method.options,
            k: side.run.k,
            T: config.diffusion.T,
            schedule: config.diffusion.schedule,
            lr: config.train.lr,
            beta1: config.train.beta1,
            beta2: config.train.beta2,
            emaDecay: config.train.emaDecay,
            seed: o.seed,
            t: first.map((b) => Array.from(b.t)),
            cluster: first.map((b) => Array.from(b.cluster)),
          });
          await pool.setup(config);
          await threaded?.setup(config);
          if (o.warmup > 0) await side.block(o.warmup);
          await torch.request({ cmd: "time", id: label, threads: o.threads, warmup: o.warmup, steps: 0 });
          const keys: ArmKey[] = ["a1", "t1", "an", "tn", ...(threaded ? ["a1n" as const] : [])];
          const acc: Record<ArmKey, number[]> = { a1: [], t1: [], tn: [], an: [], a1n: [] };
          const sps: Record<ArmKey, number[]> = { a1: [], t1: [], tn: [], an: [], a1n: [] };
          let noisy = false;
          for (let r = 0; r < o.rounds; r++) {
            let got: Record<ArmKey, { ms: number[]; sps: number }> | null = null;
            let attempt = 0;
            const res = await measuredRound(async () => {
              const one: Partial<Record<ArmKey, { ms: number[]; sps: number }>> = {};
              const runA1 = async () => {
                const b = await side!.block(o.repeats);
                one.a1 = { ms: b.ms, sps: (o.repeats * w.batch * 1000) / b.wallMs };
              };
              const runTorch = async (threads: number, key: "t1" | "tn") => {
                const rep = await torch.request({
                  cmd: "time",
                  id: label,
                  threads,
                  warmup: 0,
                  steps: o.repeats,
                });
                const ms = rep.ms as number[];
                one[key] = { ms, sps: (o.repeats * w.batch * 1000) / ms.reduce((a, b) => a + b, 0) };
              };
              const runPool = async (p: WorkerPool, jobs: number, key: "an" | "a1n") => {
                const res = await p.run(r === 0 && attempt === 0 ? o.warmup : 0, o.repeats);
                one[key] = {
                  ms: res.ms.flat(),
                  sps: (jobs * o.repeats * w.batch * 1000) / Math.max(...res.elapsedMs),
                };
              };
              const order = [
                runA1,
                () => runTorch(1, "t1"),
                () => runPool(pool, o.jobs, "an"),
                () => runTorch(o.threads, "tn"),
                ...(threaded ? [() => runPool(threaded, 1, "a1n")] : []),
              ];
              for (const f of r % 2 === 0 ? order : order.reverse()) await f();
              got = one as Record<ArmKey, { ms: number[]; sps: number }>;
            }, {
              limitCores: loadLimitCores,
              retries: loadRetries,
              onRetry: (load, n) => {
                log(
                  `perf --vs torch: ${label} round ${r + 1}: foreign load ${
                    load.foreignCores.toFixed(2)
                  } cores, repeating (${n})`,
                );
                rounds.push({ row: label, round: r, attempt: attempt++, kept: false, load });
              },
            });
            rounds.push({ row: label, round: r, attempt, kept: true, load: res.load });
            if (res.load === null || !res.load.quiet) noisy = true;
            for (const key of keys) {
              acc[key].push(...got![key].ms);
              sps[key].push(got![key].sps);
            }
          }
          const prof = await side.profile();
          const a1 = arm("antbench ×1", 1, acc.a1, sps.a1);
          const t1 = arm("torch ×1 thread", 1, acc.t1, sps.t1);
          const row: VsTorchRow = {
            ...base(method, side.run.k),
            status: "ok",
            params: { antbench: side.params, torch: tr.params as number },
            arms: {
              antbench1: a1,
              torch1: t1,
              torchN: arm(`torch ×${o.threads} threads`, o.threads, acc.tn, sps.tn),
              antbenchN: arm(`antbench ${o.jobs} jobs`, o.jobs, acc.an, sps.an),
              ...(threaded
                ? { antbench1xN: arm(`antbench 1 job × ${o.threads} threads`, o.threads, acc.a1n, sps.a1n) }
                : {}),
            },
            perCore: roundRatios(sps.a1, sps.t1),
            perMachine: roundRatios(sps.an, sps.tn),
            ...(threaded ? { perMachineThreads: roundRatios(sps.a1n, sps.tn) } : {}),
            kernelsPerStep: prof.kernels,
            flopsPerStep: prof.flops,
            gflops: {
              antbench1: (prof.flops * a1.samplesPerSec) / w.batch / 1e9,
              torch1: (prof.flops * t1.samplesPerSec) / w.batch / 1e9,
            },
            noisy,
            config,
          };
          log(
            `perf --vs torch: ${label}: per core ${row.perCore!.median.toFixed(2)}×, per machine ${
              row.perMachine!.median.toFixed(2)
            }× (antbench/torch samples/s)${noisy ? " NOISY" : ""}`,
          );
          rows.push(row);
        } catch (e) {
          rows.push({ ...base(method, config.clustering.k), status: "failed", note: message(e) });
          log(`perf --vs torch: ${label}: failed: ${rows[rows.length - 1].note}`);
        } finally {
          side?.dispose();
        }
      }
    }
  } finally {
    await pool.close();
    await threaded?.close();
    await torch.close();
  }
  const fp = environmentFingerprint(info);
  const noisyRounds = rounds.filter((r) => r.kept && (r.load === null || !r.load.quiet)).length;
  return {
    schema: "antbench.perf-vs-torch/2",
    createdAt: new Date().toISOString(),
    tag: o.tag,
    settings: {
      rounds: o.rounds,
      repeats: o.repeats,
      warmup: o.warmup,
      k: o.k,
      seed: o.seed,
      cores: navigator.hardwareConcurrency,
      jobs: o.jobs,
      threads: o.threads,
      loadLimitCores,
      loadRetries,
    },
    quiet: noisyRounds === 0 && rounds.length > 0,
    noisyRounds,
    peak: o.peak ?? null,
    antbench: {
      ...fp,
      tfjsBackend: tf.getBackend(),
      threadsPerJob: 1,
      threadedArm: threaded ? { jobs: 1, threads: o.threads } : null,
      environment: kernelEnvironment(),
    },
    // torchInfo.environment: the variables as bench.py saw them; startEnvironment: what was passed.
    torch: { python: TORCH_PYTHON, ...torchInfo, startEnvironment: torchEnv },
    rounds,
    rows,
  };
}

function message(e: unknown): string {
  return e instanceof Error ? e.message.split("\n")[0] : String(e);
}
