/**
 * `deno task perf --vs torch`: training throughput of antbench against the PyTorch reference
 * (lab/torch/bench.py, Debian python3-torch at /usr/bin/python3), timed interleaved on the
 * same machine, for every model workload × MTL method.
 *
 * Four arms per (workload, method), each round running them back to back (the order alternates between
 * rounds so neither side always runs first):
 * - `antbench ×1`: one antbench process (tfjs wasm, one thread: tfjs-wasm is single-threaded under Deno);
 * - `torch ×1`: PyTorch with torch.set_num_threads(1) (the per-core comparison);
 * - `torch ×N`: PyTorch with N intra-op threads (its per-machine throughput; N = all cores by default);
 * - `antbench N jobs`: N independent antbench trainings in parallel Web Workers (each its own tfjs
 *   instance on its own core), the way `--jobs N` runs a suite; throughput = N·steps·B / slowest worker.
 * Both sides run the same step: batch → per-sample ε-MSE → the method's gradient → Adam (ε = 1e-8) → EMA,
 * on seeded synthetic batches (lab/perf/step_bench.ts's syntheticBatch; numpy draws on the torch
 * side), models with the same options; weights are each framework's own initialisation (timing only).
 *
 * Reported: ms/step (median, quartiles over all timed steps), samples/s, and the antbench/torch
 * samples-per-second ratio per round with its median and range over rounds, per core (×1 vs ×1) and per
 * machine (N jobs vs N threads). Results: reports/perf/torch_<tag>.json and .md.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { parseFlags } from "../../src/cli/args.ts";
import type { PerfArgs } from "../perf/main.ts";
import { enumFlag, intFlag } from "../../src/cli/args.ts";
import { badValue, UsageError } from "../../src/runtime/errors.ts";
import { atomicWriteFile, atomicWriteJson } from "../../src/runtime/atomic_write.ts";
import { initBackend } from "../../src/runtime/backend.ts";
import { environmentFingerprint } from "../../src/runtime/fingerprint.ts";
import { summarize, syntheticBatch, type TimeStats, type Workload } from "../perf/step_bench.ts";
import { makeSchedule } from "../../src/diffusion/schedule.ts";
import { getModelFactory } from "../../src/models/registry.ts";
import { getMethodFactory } from "../../src/mtl/registry.ts";
import { createStepper, type HostBatch, makeMtlBatch, stepAndReadLoss } from "../../src/train/step.ts";
import type { Denoiser } from "../../src/models/denoiser.ts";
import type { MtlMethod } from "../../src/mtl/method.ts";
import type { NoiseSchedule } from "../../src/diffusion/schedule.ts";
import { deriveSeed } from "../../src/runtime/rng.ts";
import { TORCH_INSTALL_HINT, TORCH_PYTHON, torchVersion } from "../parity/export.ts";

/** Methods the PyTorch reference implements (lab/torch/methods.py). */
export const TORCH_METHODS: readonly string[] = ["vanilla", "uw", "pcgrad", "nashmtl"];

/** What both sides build for one row. */
export interface StepperSpec {
  model: string;
  options: Record<string, unknown>;
  dataShape: number[];
  batch: number;
  method: string;
  k: number;
  T: number;
  seed: number;
  /**
   * "shared": the production stepper (src/train/step.ts: tfjs Adam and EMA, ~13 + 3 kernels per
   * variable). "host": the proposed variant with Adam and EMA on the host in one pass over the gradient
   * values ({@link hostAdamStepper}); measured here before it is proposed for step.ts.
   */
  adam?: "shared" | "host";
}

/**
 * Proposed optimiser path: Adam (torch semantics: bias corrections from β^t in float64, ε added to
 * √v̂) and the EMA (warm-up min(d, (1+s)/(10+s)), as src/diffusion/ema.ts) computed on the host over the
 * gradients read back once per variable, then one upload per variable. On wasm a readback is a memory
 * copy, so this replaces ~16 tiny kernels per variable (174 variables in the default U-Net) by a JS loop.
 */
export function hostAdamStepper(
  model: Denoiser,
  method: MtlMethod,
  schedule: NoiseSchedule,
  k: number,
  o: { lr: number; beta1: number; beta2: number; eps: number; emaDecay: number },
): { step(batch: HostBatch, step: number): Promise<number>; dispose(): void } {
  const vars = model.variables;
  const m = vars.map((v) => new Float32Array(v.size));
  const v2 = vars.map((v) => new Float32Array(v.size));
  let w: Float32Array[] = []; // host weights, read at the first step
  let ema: Float32Array[] = [];
  let t = 0;
  return {
    async step(batch, step) {
      if (t === 0) {
        w = await Promise.all(vars.map(async (v) => Float32Array.from(await v.data() as Float32Array)));
        ema = w.map((x) => Float32Array.from(x));
      }
      const res = await method.step(makeMtlBatch(model, schedule, k, batch), vars, step);
      t++;
      const { lr, beta1: b1, beta2: b2, eps } = o;
      const bc1 = 1 - b1 ** t, sbc2 = Math.sqrt(1 - b2 ** t);
      const d = Math.min(o.emaDecay, (1 + step) / (10 + step));
      for (let i = 0; i < vars.length; i++) {
        const g = await res.grads[i].data() as Float32Array;
        const mi = m[i], vi = v2[i], wi = w[i], ei = ema[i];
        for (let j = 0; j < g.length; j++) {
          mi[j] = b1 * mi[j] + (1 - b1) * g[j];
          vi[j] = b2 * vi[j] + (1 - b2) * g[j] * g[j];
          wi[j] -= ((lr / bc1) * mi[j]) / (Math.sqrt(vi[j]) / sbc2 + eps);
          ei[j] = d * ei[j] + (1 - d) * wi[j];
        }
        tf.tidy(() => vars[i].assign(tf.tensor(wi, vars[i].shape, "float32")));
      }
      tf.dispose(res.grads);
      const loss = (await res.loss.data() as Float32Array)[0];
      res.loss.dispose();
      return loss;
    },
    dispose() {},
  };
}

/** An antbench stepper on synthetic batches. */
export interface AntbenchStepper {
  params: number;
  step(): Promise<number>;
  /** Time `n` steps (each including the read of its loss); ms of each. */
  time(n: number): Promise<number[]>;
  dispose(): void;
}

/** Build the shared stepper (src/train/step.ts) for `spec` on the active backend. */
export function buildAntbenchStepper(spec: StepperSpec): AntbenchStepper {
  const schedule = makeSchedule("linear", spec.T);
  const mf = getModelFactory(spec.model, "--models");
  const model = mf.build({ ...mf.defaults, ...spec.options }, {
    dataShape: spec.dataShape,
    T: spec.T,
    initSeed: deriveSeed(spec.seed, "init"),
  });
  const fac = getMethodFactory(spec.method, "--methods");
  const method = fac.create({ ...fac.defaults }, { k: spec.k, schedule, runSeed: spec.seed });
  const settings = { lr: 1e-4, beta1: 0.9, beta2: 0.999, emaDecay: 0.995 };
  let stepper: { dispose(): void };
  let stepOnce: (b: HostBatch, s: number) => Promise<number>;
  if (spec.adam === "host") {
    const host = hostAdamStepper(model, method, schedule, spec.k, { ...settings, eps: 1e-8 });
    stepper = host;
    stepOnce = (b, s) => host.step(b, s);
  } else {
    const shared = createStepper({ model, method, schedule, k: spec.k, ...settings });
    stepper = shared;
    stepOnce = (b, s) => stepAndReadLoss(shared, b, s);
  }
  const w: Workload = { model: spec.model, dataShape: spec.dataShape, batch: spec.batch };
  const batches = Array.from({ length: 4 }, (_, i) => syntheticBatch(w, spec.T, spec.k, spec.seed, i));
  let n = 0;
  const step = async () => {
    const loss = await stepOnce(batches[n % batches.length], n);
    n++;
    if (!Number.isFinite(loss)) throw new Error(`antbench loss became ${loss} at step ${n}`);
    return loss;
  };
  return {
    params: model.paramCount(),
    step,
    async time(count) {
      const ms: number[] = [];
      for (let i = 0; i < count; i++) {
        const t0 = performance.now();
        await step();
        ms.push(performance.now() - t0);
      }
      return ms;
    },
    dispose() {
      stepper.dispose();
      method.dispose();
      model.dispose();
    },
  };
}

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

/** N antbench Web Workers training the same spec in parallel. */
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

  async setup(spec: StepperSpec): Promise<void> {
    await Promise.all(this.#workers.map((w) => this.#ask(w, { cmd: "setup", spec })));
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
  label: string;
  /** Threads (torch) or parallel jobs (antbench). */
  parallelism: number;
  ms: TimeStats;
  /** Samples per second of the whole machine in each round. */
  samplesPerSecByRound: number[];
  samplesPerSec: number;
}

/** Ratio antbench / torch of samples/s, per round and summarised. */
export interface RatioSummary {
  byRound: number[];
  median: number;
  min: number;
  max: number;
}

/** One workload × method. */
export interface VsTorchRow {
  model: string;
  dataShape: number[];
  batch: number;
  method: string;
  k: number;
  status: "ok" | "failed" | "skipped";
  note?: string;
  params?: { antbench: number; torch: number };
  arms?: { antbench1: ArmResult; torch1: ArmResult; torchN: ArmResult; antbenchN: ArmResult };
  /** antbench ×1 / torch ×1 (> 1: antbench faster per core). */
  perCore?: RatioSummary;
  /** antbench N jobs / torch ×N threads (> 1: antbench faster per machine). */
  perMachine?: RatioSummary;
}

/** The report written to reports/perf/torch_<tag>.json. */
export interface VsTorchReport {
  schema: "antbench.perf-vs-torch/1";
  createdAt: string;
  tag: string;
  settings: {
    rounds: number;
    repeats: number;
    warmup: number;
    k: number;
    seed: number;
    T: number;
    cores: number;
    adam: "shared" | "host";
  };
  antbench: Record<string, unknown>;
  torch: Record<string, unknown>;
  rows: VsTorchRow[];
}

function median(xs: number[]): number {
  return summarize(xs).median;
}

function ratios(a: number[], b: number[]): RatioSummary {
  const byRound = a.map((x, i) => x / b[i]);
  const s = summarize(byRound);
  return { byRound, median: s.median, min: s.min, max: s.max };
}

function arm(label: string, parallelism: number, ms: number[], sps: number[]): ArmResult {
  return { label, parallelism, ms: summarize(ms), samplesPerSecByRound: sps, samplesPerSec: median(sps) };
}

/** Settings of {@link runVsTorch}. */
export interface VsTorchOptions {
  workloads: Workload[];
  methods: string[];
  rounds: number;
  repeats: number;
  warmup: number;
  k: number;
  seed: number;
  /** Parallel antbench jobs and torch threads for the per-machine arms. */
  jobs: number;
  threads: number;
  tag: string;
  /** Optimiser path of the antbench arms (default "shared"). */
  adam?: "shared" | "host";
  onLog?: (line: string) => void;
}

/** Time every workload × method on both sides, interleaved. */
export async function runVsTorch(o: VsTorchOptions): Promise<VsTorchReport> {
  const log = o.onLog ?? (() => {});
  const T = 1000;
  const info = await initBackend("wasm");
  const torch = await TorchPeer.start();
  const torchInfo = await torch.request({ cmd: "info" });
  const pool = new WorkerPool(o.jobs);
  const rows: VsTorchRow[] = [];
  try {
    for (const w of o.workloads) {
      for (const method of o.methods) {
        const base = { model: w.model, dataShape: w.dataShape, batch: w.batch, method, k: o.k };
        if (!TORCH_METHODS.includes(method)) {
          rows.push({ ...base, status: "skipped", note: "no PyTorch reference for this method" });
          continue;
        }
        const label = `${w.model} ${w.dataShape.join("x")} b${w.batch} ${method}`;
        log(`perf --vs torch: ${label} ...`);
        const spec: StepperSpec = { ...base, options: {}, T, seed: o.seed, adam: o.adam ?? "shared" };
        let side: AntbenchStepper | null = null;
        try {
          side = buildAntbenchStepper(spec);
          const mf = getModelFactory(w.model);
          const tr = await torch.request({
            cmd: "setup",
            id: label,
            model: w.model,
            options: { ...mf.defaults },
            dataShape: w.dataShape,
            batch: w.batch,
            method,
            k: o.k,
            T,
            seed: o.seed,
          });
          await pool.setup(spec);
          for (let i = 0; i < o.warmup; i++) await side.step();
          await torch.request({ cmd: "time", id: label, threads: o.threads, warmup: o.warmup, steps: 0 });
          const acc = { a1: [] as number[], t1: [] as number[], tn: [] as number[], an: [] as number[] };
          const sps = { a1: [] as number[], t1: [] as number[], tn: [] as number[], an: [] as number[] };
          for (let r = 0; r < o.rounds; r++) {
            const runA1 = async () => {
              const ms = await side!.time(o.repeats);
              acc.a1.push(...ms);
              sps.a1.push((w.batch * 1000) / median(ms));
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
              acc[key].push(...ms);
              sps[key].push((w.batch * 1000) / median(ms));
            };
            const runAN = async () => {
              const res = await pool.run(r === 0 ? o.warmup : 0, o.repeats);
              acc.an.push(...res.ms.flat());
              sps.an.push((o.jobs * o.repeats * w.batch * 1000) / Math.max(...res.elapsedMs));
            };
            if (r % 2 === 0) {
              await runA1();
              await runTorch(1, "t1");
              await runAN();
              await runTorch(o.threads, "tn");
            } else {
              await runTorch(o.threads, "tn");
              await runAN();
              await runTorch(1, "t1");
              await runA1();
            }
          }
          const row: VsTorchRow = {
            ...base,
            status: "ok",
            params: { antbench: side.params, torch: tr.params as number },
            arms: {
              antbench1: arm("antbench ×1", 1, acc.a1, sps.a1),
              torch1: arm("torch ×1 thread", 1, acc.t1, sps.t1),
              torchN: arm(`torch ×${o.threads} threads`, o.threads, acc.tn, sps.tn),
              antbenchN: arm(`antbench ${o.jobs} jobs`, o.jobs, acc.an, sps.an),
            },
            perCore: ratios(sps.a1, sps.t1),
            perMachine: ratios(sps.an, sps.tn),
          };
          log(
            `perf --vs torch: ${label}: per core ${row.perCore!.median.toFixed(2)}×, per machine ${
              row.perMachine!.median.toFixed(2)
            }× (antbench/torch samples/s)`,
          );
          rows.push(row);
        } catch (e) {
          rows.push({
            ...base,
            status: "failed",
            note: e instanceof Error ? e.message.split("\n")[0] : String(e),
          });
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
  return {
    schema: "antbench.perf-vs-torch/1",
    createdAt: new Date().toISOString(),
    tag: o.tag,
    settings: {
      rounds: o.rounds,
      repeats: o.repeats,
      warmup: o.warmup,
      k: o.k,
      seed: o.seed,
      T,
      cores: navigator.hardwareConcurrency,
      adam: o.adam ?? "shared",
    },
    antbench: { ...fp, tfjsBackend: tf.getBackend(), threadsPerJob: 1 },
    torch: { python: TORCH_PYTHON, ...torchInfo },
    rows,
  };
}

const f = (x: number, d = 1) => x.toFixed(d);

/** The report as Markdown tables. */
export function renderVsTorch(r: VsTorchReport): string {
  const head = [
    "| model | data | batch | method (k) | antbench ×1 ms/step | torch ×1 ms/step | per core × (range) | " +
    "antbench jobs samples/s | torch threads samples/s | per machine × (range) |",
    "|---|---|---|---|---|---|---|---|---|---|",
  ];
  const lines = r.rows.map((row) => {
    const m = row.method === "vanilla" ? "vanilla" : `${row.method} (${row.k})`;
    const lead = `| ${row.model} | ${row.dataShape.join("×")} | ${row.batch} | ${m} |`;
    if (row.status !== "ok") {
      return `${lead} ${row.status}: ${(row.note ?? "").replaceAll("|", "/")} | | | | | |`;
    }
    const a = row.arms!;
    return `${lead} ${f(a.antbench1.ms.median)} | ${f(a.torch1.ms.median)} | ${f(row.perCore!.median, 2)} (${
      f(row.perCore!.min, 2)
    }–${f(row.perCore!.max, 2)}) | ${f(a.antbenchN.samplesPerSec, 0)} | ${f(a.torchN.samplesPerSec, 0)} | ${
      f(row.perMachine!.median, 2)
    } (${f(row.perMachine!.min, 2)}–${f(row.perMachine!.max, 2)}) |`;
  });
  return [...head, ...lines].join("\n");
}

const VS_FLAGS = ["vs", "rounds", "jobs", "threads", "tag", "adam"];

/** Split `--vs torch` and its own flags from the flags perf.ts parses. */
export function splitVsArgs(args: string[]): { own: string[]; rest: string[] } {
  const own: string[] = [], rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const name = a.startsWith("--") ? a.slice(2).split("=")[0] : null;
    if (name !== null && VS_FLAGS.includes(name)) {
      own.push(a);
      if (!a.includes("=") && i + 1 < args.length) own.push(args[++i]);
    } else rest.push(a);
  }
  return { own, rest };
}

/** Usage of the `--vs torch` flags (appended to perf's usage). */
export const VS_TORCH_USAGE = `
--vs torch: time the PyTorch reference (${TORCH_PYTHON}, python3-torch) interleaved with antbench
  --rounds N       interleaved rounds (default 5); --repeats is the timed steps per round and side
  --jobs N         parallel antbench jobs for the per-machine arm (default: all cores)
  --threads N      torch threads for the per-machine arm (default: all cores)
  --tag NAME       output reports/perf/torch_NAME.{json,md} (default: vs)
  --adam shared|host  antbench optimiser path: the production stepper (default) or the proposed
                   host-side Adam + EMA (lab/torch/vs_torch.ts hostAdamStepper)
  --methods defaults to vanilla,uw,pcgrad,nashmtl; --repeats to 5; --warmup to 2`;

/** perf.ts's parsing of the shared flags, handed in by its `--vs` hook (perf.ts imports this module). */
export interface PerfArgParsers {
  parsePerfArgs(args: string[]): PerfArgs;
  workloadsFor(a: Pick<PerfArgs, "models" | "shapes" | "batch">): Workload[];
}

/** `deno task perf --vs torch ...`; resolves to the exit code. */
export async function perfVsTorchMain(args: string[], perf: PerfArgParsers): Promise<number> {
  const { parsePerfArgs, workloadsFor } = perf;
  const { own, rest } = splitVsArgs(args);
  const { values } = parseFlags("perf --vs", own, {
    vs: { type: "string" },
    rounds: { type: "string" },
    jobs: { type: "string" },
    threads: { type: "string" },
    tag: { type: "string" },
    adam: { type: "string" },
  });
  if (values.vs !== "torch") throw new UsageError(badValue("--vs", values.vs, "torch"));
  const hasFlag = (n: string) => rest.some((a) => a === `--${n}` || a.startsWith(`--${n}=`));
  const base = parsePerfArgs([
    ...rest,
    ...(hasFlag("methods") ? [] : ["--methods", "uw,pcgrad,nashmtl"]),
    ...(hasFlag("repeats") ? [] : ["--repeats", "5"]),
    ...(hasFlag("warmup") ? [] : ["--warmup", "2"]),
  ]);
  const cores = navigator.hardwareConcurrency || 1;
  const tag = typeof values.tag === "string" ? values.tag : "vs";
  if (!/^[A-Za-z0-9_.-]+$/.test(tag)) throw new UsageError(badValue("--tag", tag, "letters, digits, _ . -"));
  try {
    await torchVersion();
  } catch (e) {
    console.error(`error: ${e instanceof Error ? e.message : e}`);
    console.error(`install: ${TORCH_INSTALL_HINT}`);
    return 1;
  }
  const report = await runVsTorch({
    workloads: workloadsFor(base),
    methods: ["vanilla", ...base.methods],
    rounds: intFlag("rounds", values.rounds, 5, 1, 1000),
    repeats: base.repeats,
    warmup: base.warmup,
    k: base.k,
    seed: base.seed,
    jobs: intFlag("jobs", values.jobs, cores, 1, 256),
    threads: intFlag("threads", values.threads, cores, 1, 256),
    tag,
    adam: enumFlag("adam", values.adam, ["shared", "host"] as const, "shared"),
    onLog: (l) => console.error(l),
  });
  const table = renderVsTorch(report);
  const s = report.settings;
  const md = [
    "# antbench vs PyTorch: training throughput (`deno task perf --vs torch`)",
    "",
    `Generated ${report.createdAt} on ${s.cores} cores (${report.antbench.cpuModel ?? "unknown CPU"}). ` +
    `${s.rounds} interleaved rounds × ${s.repeats} timed steps per side after ${s.warmup} warm-up steps; ` +
    `methods at k = ${s.k}; antbench optimiser path: ${s.adam}.`,
    "",
    `- antbench: tfjs ${
      (report.antbench.tfjs as { core?: string })?.core ?? "?"
    } wasm backend, 1 thread per ` +
    `job (tfjs-wasm is single-threaded under Deno); per-machine arm = parallel Web Worker jobs.`,
    `- torch: ${report.torch.torch} (${report.torch.python}), per-core arm 1 thread, per-machine arm ` +
    `torch.set_num_threads(N); OMP_WAIT_POLICY=PASSIVE.`,
    "- ratio = antbench samples/s ÷ torch samples/s per round (> 1: antbench faster); median (min–max).",
    "",
    table,
    "",
  ].join("\n");
  await Deno.mkdir(base.out, { recursive: true });
  await atomicWriteJson(`${base.out}/torch_${tag}.json`, report);
  await atomicWriteFile(`${base.out}/torch_${tag}.md`, md);
  console.log(table);
  console.log(`\nwrote ${base.out}/torch_${tag}.json and ${base.out}/torch_${tag}.md`);
  return report.rows.some((r) => r.status === "failed") ? 1 : 0;
}
