/**
 * `deno task perf` (also `deno task cli perf`): the training-step benchmark. Prints a table and writes
 * reports/perf/perf.json and perf.md. See src/runtime/perf_bench.ts for what is measured.
 *
 * @module
 */
import type { CliCommand } from "./command.ts";
import { enumFlag, intFlag, parseFlags } from "./args.ts";
import { badValue, UsageError } from "../runtime/errors.ts";
import { atomicWriteFile, atomicWriteJson } from "../runtime/atomic_write.ts";
import type { ConcreteBackend } from "../runtime/backend.ts";
import { resolveAuto } from "../runtime/backend.ts";
import { probeAdapter } from "../runtime/webgpu_backend.ts";
import { renderPerfTable, runPerf, type Workload } from "../runtime/perf_bench.ts";
import { perfVsTorchMain, VS_TORCH_USAGE } from "./perf_torch.ts";
import { MODELS } from "../models/registry.ts";
import { runEntry } from "./entry.ts";
import { checkWritableDir } from "../runtime/paths.ts";
import { METHODS } from "../mtl/registry.ts";

const BACKEND_CHOICES = ["available", "auto", "wasm", "cpu", "webgpu"] as const;

/** Samples with more elements than this are not run on the cpu backend (an 8×8 U-Net step takes ~30 s). */
export const CPU_MAX_SAMPLE_SIZE = 16;

const USAGE = `usage: deno task perf [options]

Training-step benchmark: for each registered model on each backend, the shared optimisation step
(forward, gradients through the MTL method, Adam, EMA) on seeded synthetic batches. Reports ms/step
(median, quartiles, range over --repeats timed steps after --warmup steps), samples/s and GFLOP/s
(matmul/conv FLOPs counted from a tf.profile of one step). Writes reports/perf/perf.json and perf.md.

options:
  --backend LIST   comma list of available | auto | wasm | cpu | webgpu (default: available = wasm,
                   cpu for small models only, and webgpu when a hardware (non-fallback) adapter exists)
  --models LIST    comma list of model ids (default: all registered: ${[...MODELS.keys()].join(", ")})
  --methods LIST   comma list of MTL method ids, or "all": one extra row per method at k clusters, with
                   the ratio to vanilla (default: none; allowed: ${[...METHODS.keys()].join(", ")})
  --k N            clusters for --methods rows (default 5)
  --shapes LIST    image shapes for image models, e.g. 8x8x1,28x28x1 (default: 8x8x1,28x28x1)
  --batch N        batch size for every workload (default: 256 for 2-D data, 64 for images)
  --repeats N      timed steps per row (default 10)
  --warmup N       untimed steps before timing (default 3)
  --seed N         seed of the synthetic batches and weights (default 0)
  --out DIR        output directory (default reports/perf)
  --json           print the JSON report on stdout instead of the table
  --vs torch       compare with the PyTorch reference instead (see below)
${VS_TORCH_USAGE}`;

function list(flag: string, value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  const items = String(value).split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (items.length === 0) {
    throw new UsageError(badValue(`--${flag}`, value, "a non-empty comma-separated list"));
  }
  return items;
}

function parseShape(s: string): number[] {
  const dims = s.split("x").map((d) => (/^\d+$/.test(d) ? Number(d) : NaN));
  if (dims.length !== 3 || dims.some((d) => !(d >= 1))) {
    throw new UsageError(badValue("--shapes", s, "image shapes HxWxC such as 8x8x1 or 28x28x1"));
  }
  return dims;
}

/** Parsed perf settings (exported for tests). */
export interface PerfArgs {
  backends: ("available" | "auto" | ConcreteBackend)[];
  models: string[];
  methods: string[];
  k: number;
  shapes: number[][];
  batch: number | null;
  repeats: number;
  warmup: number;
  seed: number;
  out: string;
  json: boolean;
}

/** Parse and validate the flags of `deno task perf`. */
export function parsePerfArgs(args: string[]): PerfArgs {
  const { values, positionals } = parseFlags("perf", args, {
    backend: { type: "string" },
    models: { type: "string" },
    methods: { type: "string" },
    k: { type: "string" },
    shapes: { type: "string" },
    batch: { type: "string" },
    repeats: { type: "string" },
    warmup: { type: "string" },
    seed: { type: "string" },
    out: { type: "string", path: true },
    json: { type: "boolean" },
  });
  if (positionals.length > 0) {
    throw new UsageError(badValue("perf", positionals.join(" "), "no positional arguments"));
  }
  const backends = (list("backend", values.backend) ?? ["available"]).map((b) =>
    enumFlag("backend", b, BACKEND_CHOICES, "available")
  );
  const models = list("models", values.models) ?? [...MODELS.keys()];
  for (const m of models) {
    if (!MODELS.has(m)) throw new UsageError(badValue("--models", m, [...MODELS.keys()].join(", ")));
  }
  let methods = list("methods", values.methods) ?? [];
  if (methods.length === 1 && methods[0] === "all") methods = [...METHODS.keys()];
  for (const m of methods) {
    if (!METHODS.has(m)) {
      throw new UsageError(badValue("--methods", m, ["all", ...METHODS.keys()].join(", ")));
    }
  }
  return {
    backends,
    models,
    methods: methods.filter((m) => m !== "vanilla"),
    k: intFlag("k", values.k, 5, 1, 1000),
    shapes: (list("shapes", values.shapes) ?? ["8x8x1", "28x28x1"]).map(parseShape),
    batch: values.batch === undefined ? null : intFlag("batch", values.batch, 0, 1, 65536),
    repeats: intFlag("repeats", values.repeats, 10, 1, 100000),
    warmup: intFlag("warmup", values.warmup, 3, 0, 100000),
    seed: intFlag("seed", values.seed, 0, 0, Number.MAX_SAFE_INTEGER),
    out: checkedOut(typeof values.out === "string" ? values.out : "reports/perf"),
    json: values.json === true,
  };
}

/** The output directory, checked before any work (a benchmark must not be lost at the end). */
function checkedOut(out: string): string {
  checkWritableDir(out, "--out", "deno task perf writes only under reports/ and .cache/ of the project");
  return out;
}

/** The workloads for the chosen models: 2-D data for "mlp", the --shapes images for every other model. */
export function workloadsFor(a: Pick<PerfArgs, "models" | "shapes" | "batch">): Workload[] {
  const out: Workload[] = [];
  for (const model of a.models) {
    const shapes = model === "mlp" ? [[2]] : a.shapes;
    for (const dataShape of shapes) {
      out.push({ model, dataShape, batch: a.batch ?? (dataShape.length === 1 ? 256 : 64) });
    }
  }
  return out;
}

/** Resolve `available` / `auto` to concrete backends (in a stable order, without duplicates). */
export async function resolveBackends(req: PerfArgs["backends"]): Promise<ConcreteBackend[]> {
  const out: ConcreteBackend[] = [];
  const add = (b: ConcreteBackend) => {
    if (!out.includes(b)) out.push(b);
  };
  for (const b of req) {
    if (b === "available" || b === "auto") {
      const auto = resolveAuto(await probeAdapter()).name;
      if (b === "auto") add(auto);
      else {
        add("wasm");
        add("cpu");
        if (auto === "webgpu") add("webgpu");
      }
    } else add(b);
  }
  return out;
}

/** Run the benchmark with CLI arguments; resolves to the exit code. */
export async function perfMain(args: string[]): Promise<number> {
  if (args.some((x) => x === "--vs" || x.startsWith("--vs="))) {
    return await perfVsTorchMain(args, { parsePerfArgs, workloadsFor });
  }
  const a = parsePerfArgs(args);
  const backends = await resolveBackends(a.backends);
  const report = await runPerf({
    backends,
    workloads: workloadsFor(a),
    methods: a.methods,
    repeats: a.repeats,
    warmup: a.warmup,
    k: a.k,
    seed: a.seed,
    skip: (b, w) =>
      b === "cpu" && w.dataShape.reduce((x, y) => x * y, 1) > CPU_MAX_SAMPLE_SIZE
        ? `cpu runs only samples of ≤ ${CPU_MAX_SAMPLE_SIZE} elements (too slow for images)`
        : null,
    onLog: (l) => console.error(l),
  });
  const table = renderPerfTable(report);
  const gpu = report.environments.webgpu?.adapter;
  const notes = gpu
    ? [
      `webgpu: adapter "${gpu.description || gpu.vendor}"` +
      (gpu.isFallbackAdapter ? " is a software (fallback) adapter: CPU-emulated, not GPU numbers" : "") +
      "; every timed step ends with the read of its loss (at least 10 ms per read under Deno).",
    ]
    : [];
  await Deno.mkdir(a.out, { recursive: true });
  await atomicWriteJson(`${a.out}/perf.json`, report);
  const envLines = Object.entries(report.environments).map(([b, e]) =>
    `- ${b}: Deno ${e!.deno}, tfjs ${e!.tfjs.core}, ${e!.os}/${e!.arch}, ${e!.cpuCount ?? "?"} CPUs (${
      e!.cpuModel ?? "unknown CPU"
    })` +
    (e!.adapter ? `, adapter "${e!.adapter.description}" (fallback: ${e!.adapter.isFallbackAdapter})` : "") +
    (e!.wasm.simd === null ? "" : `, wasm SIMD ${e!.wasm.simd}, threads ${e!.wasm.threads}`)
  );
  const md = [
    "# Training-step benchmark (`deno task perf`)",
    "",
    `Generated ${report.createdAt}. ${report.settings.repeats} timed steps after ${report.settings.warmup} ` +
    `warm-up steps per row; methods at k = ${report.settings.k}; seed ${report.settings.seed}.`,
    "",
    table,
    "",
    ...notes.map((n) => `${n}\n`),
    `GFLOP/s: ${report.flopSource}.`,
    "",
    "Environments:",
    ...envLines,
    "",
  ].join("\n");
  await atomicWriteFile(`${a.out}/perf.md`, md);
  if (a.json) console.log(JSON.stringify(report, null, 2));
  else {
    console.log(table);
    for (const n of notes) console.log(`\n${n}`);
    console.log(`\nwrote ${a.out}/perf.json and ${a.out}/perf.md`);
  }
  return report.rows.some((r) => r.status === "failed") ? 1 : 0;
}

/** `deno task cli perf`. */
export const perfCommand: CliCommand = {
  name: "perf",
  summary: "training-step benchmark (ms/step, samples/s, GFLOP/s per model and backend)",
  usage: USAGE,
  run: perfMain,
};

if (import.meta.main) {
  await runEntry("perf", () => {
    if (Deno.args.includes("--help") || Deno.args.includes("-h")) {
      console.log(USAGE);
      return Promise.resolve(0);
    }
    return perfMain(Deno.args);
  });
}
