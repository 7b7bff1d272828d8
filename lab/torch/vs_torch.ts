/**
 * `deno task perf --vs torch`: training throughput of antbench against the PyTorch reference
 * (lab/torch/bench.py, Debian python3-torch at /usr/bin/python3), timed interleaved on the same machine,
 * for every model workload × MTL method.
 *
 * Four arms per (workload, method), each round running them back to back (the order alternates between
 * rounds, A B … then … B A, so neither side always runs first):
 * - `antbench ×1`: one antbench process (tfjs wasm, one thread: tfjs-wasm is single-threaded under Deno);
 * - `torch ×1`: PyTorch with torch.set_num_threads(1) (the per-core comparison);
 * - `torch ×N`: PyTorch with N intra-op threads (its per-machine throughput; N = all cores by default);
 * - `antbench N jobs`: N independent antbench trainings in parallel Web Workers (each its own tfjs
 *   instance on its own core), the way `--jobs N` runs a suite; throughput = N·steps·B / slowest worker.
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
import { initBackend } from "../../src/runtime/backend.ts";
import { environmentFingerprint } from "../../src/runtime/fingerprint.ts";
import { TORCH_PYTHON, torchVersion } from "../parity/export.ts";
import { type Contender, createContender } from "../perf/contender.ts";
import { FOREIGN_LOAD_LIMIT, LOAD_RETRIES, measuredRound, type RoundLoad } from "../perf/load.ts";
import type { Fp32Peak } from "../perf/peak.ts";
import { median, type RatioSummary, roundRatios, summarize, type TimeStats } from "../perf/stats.ts";
import { type Workload, workloadConfigs } from "../perf/workloads.ts";

/** Methods the PyTorch reference implements (lab/torch/methods.py). */
export const TORCH_METHODS: readonly string[] = ["vanilla", "uw", "pcgrad", "nashmtl"];

/** The long-lived PyTorch benchmark process (line-delimited JSON over stdin/stdout). */
export class TorchPeer {
  readonly #child: Deno.ChildProcess;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #reader: ReadableStreamDefaultReader<string>;
  #buffer = "";

  private constructor(child: Deno.ChildProcess) {
    this.#child = child;
    this.#writer = child.stdin.getWriter();
    this.#reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  }

  /** Start lab/torch/bench.py; throws naming the install command when torch is missing. */
  static async start(python = TORCH_PYTHON): Promise<TorchPeer> {
    await torchVersion(python);
    const script = new URL("./bench.py", import.meta.url).pathname;
    const child = new Deno.Command(python, {
      args: [script],
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
      // OpenMP would otherwise spin its idle threads while antbench runs (skewing the interleaving).
      env: { OMP_WAIT_POLICY: "PASSIVE" },
    }).spawn();
    return new TorchPeer(child);
  }

  async #line(): Promise<string> {
    while (true) {
      const nl = this.#buffer.indexOf("\n");
      if (nl >= 0) {
        const line = this.#buffer.slice(0, nl);
        this.#buffer = this.#buffer.slice(nl + 1);
        return line;
      }
      const { value, done } = await this.#reader.read();
      if (done) throw new Error("bench.py exited unexpectedly (see its stderr above)");
      this.#buffer += value;
    }
  }

  /** Send one command; resolves to the reply, throws on {ok: false}. */
  async request(msg: Record<string, unknown>): Promise<Record<string, unknown>> {
    await this.#writer.write(new TextEncoder().encode(JSON.stringify(msg) + "\n"));
    const reply = JSON.parse(await this.#line());
    if (!reply.ok) throw new Error(`torch: ${reply.error}`);
    return reply;
  }

  async close(): Promise<void> {
    try {
      await this.request({ cmd: "quit" }).catch(() => {});
      await this.#writer.close().catch(() => {});
    } finally {
      await this.#child.status;
    }
  }
}

/** N antbench Web Workers training the same run in parallel. */
export class WorkerPool {
  readonly #workers: Worker[];

  constructor(n: number) {
    this.#workers = Array.from(
      { length: n },
      () => new Worker(new URL("./vs_torch_worker.ts", import.meta.url).href, { type: "module" }),
    );
  }

  #ask(w: Worker, msg: unknown): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      w.onmessage = (e) => (e.data.ok ? resolve(e.data) : reject(new Error(`worker: ${e.data.error}`)));
      w.onerror = (e) => {
        e.preventDefault();
        reject(new Error(`worker: ${e.message}`));
      };
      w.postMessage(msg);
    });
  }

  /** Every worker assembles `config` (lab/perf/contender.ts) on its own wasm backend. */
  async setup(config: RunConfig): Promise<void> {
    await Promise.all(this.#workers.map((w) => this.#ask(w, { cmd: "setup", config })));
  }

  /** All workers run `steps` timed steps at once; per-worker step times and elapsed wall times. */
  async run(warmup: number, steps: number): Promise<{ ms: number[][]; elapsedMs: number[] }> {
    const replies = await Promise.all(this.#workers.map((w) => this.#ask(w, { cmd: "run", warmup, steps })));
    return { ms: replies.map((r) => r.ms as number[]), elapsedMs: replies.map((r) => r.elapsedMs as number) };
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.map((w) => this.#ask(w, { cmd: "close" }).catch(() => {})));
    for (const w of this.#workers) w.terminate();
  }
}

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
  arms?: { antbench1: ArmResult; torch1: ArmResult; torchN: ArmResult; antbenchN: ArmResult };
  /** antbench ×1 / torch ×1 (> 1: antbench faster per core). */
  perCore?: RatioSummary;
  /** antbench N jobs / torch ×N threads (> 1: antbench faster per machine). */
  perMachine?: RatioSummary;
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
  /** Parallel antbench jobs and torch threads for the per-machine arms. */
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

type ArmKey = "a1" | "t1" | "an" | "tn";

/** Time every workload × method on both sides, interleaved, in load-checked rounds. */
export async function runVsTorch(o: VsTorchOptions): Promise<VsTorchReport> {
  const log = o.onLog ?? (() => {});
  const loadLimitCores = o.loadLimitCores ?? FOREIGN_LOAD_LIMIT;
  const loadRetries = o.loadRetries ?? LOAD_RETRIES;
  const info = await initBackend("wasm");
  const torch = await TorchPeer.start();
  const torchInfo = await torch.request({ cmd: "info" });
  const pool = new WorkerPool(o.jobs);
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
          if (o.warmup > 0) await side.block(o.warmup);
          await torch.request({ cmd: "time", id: label, threads: o.threads, warmup: o.warmup, steps: 0 });
          const acc: Record<ArmKey, number[]> = { a1: [], t1: [], tn: [], an: [] };
          const sps: Record<ArmKey, number[]> = { a1: [], t1: [], tn: [], an: [] };
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
              const runAN = async () => {
                const res = await pool.run(r === 0 && attempt === 0 ? o.warmup : 0, o.repeats);
                one.an = {
                  ms: res.ms.flat(),
                  sps: (o.jobs * o.repeats * w.batch * 1000) / Math.max(...res.elapsedMs),
                };
              };
              const order = [runA1, () => runTorch(1, "t1"), runAN, () => runTorch(o.threads, "tn")];
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
            for (const key of ["a1", "t1", "an", "tn"] as const) {
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
            },
            perCore: roundRatios(sps.a1, sps.t1),
            perMachine: roundRatios(sps.an, sps.tn),
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
      loadLimitCores,
      loadRetries,
    },
    quiet: noisyRounds === 0 && rounds.length > 0,
    noisyRounds,
    peak: o.peak ?? null,
    antbench: { ...fp, tfjsBackend: tf.getBackend(), threadsPerJob: 1 },
    torch: { python: TORCH_PYTHON, ...torchInfo },
    rounds,
    rows,
  };
}

function message(e: unknown): string {
  return e instanceof Error ? e.message.split("\n")[0] : String(e);
}
