/**
 * The flags of `deno task perf` shared by the step benchmark (lab/perf/main.ts) and the PyTorch
 * comparison (lab/torch/vs_torch.ts): workloads, methods, rounds, the load check and where results go.
 *
 * @module
 */
import { enumFlag, intFlag, numberFlag, parseFlags } from "../../src/cli/args.ts";
import { badValue, UsageError } from "../../src/runtime/errors.ts";
import { checkWritableDir } from "../../src/runtime/paths.ts";
import type { ConcreteBackend } from "../../src/runtime/backend.ts";
import { DEFAULT_NATIVE_THREADS, nativeLoadFailure, resolveAuto } from "../../src/runtime/backend.ts";
import { probeAdapter } from "../../src/runtime/webgpu_backend.ts";
import { MODELS } from "../../src/models/registry.ts";
import { METHODS } from "../../src/mtl/registry.ts";
import { FOREIGN_LOAD_LIMIT, LOAD_RETRIES } from "./load.ts";
import { SHAPE_DATASETS, type Workload, workload } from "./workloads.ts";

/** Values of `--backend`: the backends of `deno task bench` and `available`. */
export const BACKEND_CHOICES = ["available", "auto", "native", "wasm", "cpu", "webgpu"] as const;

/** Default batch sizes: the default suite's (2-D data) and the digits8 suite's (images); multiples of 5. */
export const DEFAULT_BATCH = { toy2d: 250, image: 60 } as const;

/** Usage of the shared flags. */
export const PERF_FLAGS_USAGE = `  --backend LIST   comma list of ${
  BACKEND_CHOICES.join(" | ")
} (default: available = native
                   when its libraries load, wasm, cpu for small samples only, and webgpu when a hardware
                   (non-fallback) adapter exists; auto = the backend training picks here)
  --threads N      native backend: BLAS/oneDNN threads per job, as \`deno task bench --threads\` (default
                   ${DEFAULT_NATIVE_THREADS}; GFLOP/s are then compared with the peak of N cores)
  --models LIST    comma list of model ids (default: all registered: ${[...MODELS.keys()].join(", ")})
  --methods LIST   comma list of MTL method ids, or "all": one row per method at k timestep clusters,
                   with its ratio to the vanilla baseline (default: none; allowed: ${
  [...METHODS.keys()].join(", ")
})
  --k N            clusters for --methods rows (default 5)
  --shapes LIST    image shapes for image models: ${
  Object.keys(SHAPE_DATASETS).filter((s) => s !== "2").join(", ")
}
                   (default: 8x8x1,28x28x1); each trains on its dataset: ${
  Object.entries(SHAPE_DATASETS).map(([s, d]) =>
    `${s} ${d.id}${Object.keys(d.options).length ? JSON.stringify(d.options) : ""}`
  )
    .join(", ")
}
  --batch N        batch size of every workload (default: ${DEFAULT_BATCH.toy2d} for 2-D data, ${DEFAULT_BATCH.image} for images;
                   with --methods a multiple of --k: the stratified sampler splits the batch evenly)
  --rounds N       interleaved, load-checked rounds (default 3)
  --repeats N      timed steps per round and contender (default 10)
  --warmup N       untimed steps before the rounds (default 3)
  --seed N         run seed (default 0)
  --load-limit X   a round whose foreign CPU load exceeds X cores is repeated (default ${FOREIGN_LOAD_LIMIT})
  --retries N      repeats of a noisy round before it is kept and marked noisy (default ${LOAD_RETRIES})
  --allow-noisy    write a noisy result into reports/perf/ anyway (marked noisy); otherwise it goes to
                   .cache/perf/ and the command exits with 1
  --out DIR        output directory (default reports/perf)
  --json           print the JSON report on stdout instead of the table`;

function list(flag: string, value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  const items = String(value).split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (items.length === 0) {
    throw new UsageError(badValue(`--${flag}`, value, "a non-empty comma-separated list"));
  }
  return items;
}

function parseShape(s: string): number[] {
  const allowed = Object.keys(SHAPE_DATASETS).filter((k) => k !== "2");
  if (!allowed.includes(s)) throw new UsageError(badValue("--shapes", s, allowed.join(", ")));
  return s.split("x").map(Number);
}

/** Parsed perf settings. */
export interface PerfArgs {
  backends: ("available" | "auto" | ConcreteBackend)[];
  /** Threads per job of the native backend. */
  threads: number;
  models: string[];
  methods: string[];
  k: number;
  shapes: number[][];
  batch: number | null;
  rounds: number;
  repeats: number;
  warmup: number;
  seed: number;
  loadLimit: number;
  retries: number;
  allowNoisy: boolean;
  out: string;
  json: boolean;
}

/** Parse and validate the flags of `deno task perf`. */
export function parsePerfArgs(args: string[]): PerfArgs {
  const { values, positionals } = parseFlags("perf", args, {
    backend: { type: "string" },
    threads: { type: "string" },
    models: { type: "string" },
    methods: { type: "string" },
    k: { type: "string" },
    shapes: { type: "string" },
    batch: { type: "string" },
    rounds: { type: "string" },
    repeats: { type: "string" },
    warmup: { type: "string" },
    seed: { type: "string" },
    "load-limit": { type: "string" },
    retries: { type: "string" },
    "allow-noisy": { type: "boolean" },
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
  methods = methods.filter((m) => m !== "vanilla");
  const k = intFlag("k", values.k, 5, 1, 1000);
  const batch = values.batch === undefined ? null : intFlag("batch", values.batch, 0, 1, 65536);
  if (methods.length > 0) {
    // The stratified sampler gives each of the k clusters batch / k samples.
    if (batch !== null && batch % k !== 0) {
      throw new UsageError(
        badValue("--batch", values.batch, `a multiple of --k = ${k} when --methods are timed`),
      );
    }
    const defaults = [
      ...(models.includes("mlp") ? [DEFAULT_BATCH.toy2d] : []),
      ...(models.some((m) => m !== "mlp") ? [DEFAULT_BATCH.image] : []),
    ];
    const bad = batch === null ? defaults.find((b) => b % k !== 0) : undefined;
    if (bad !== undefined) {
      throw new UsageError(
        `--batch: the default batch ${bad} is not a multiple of --k = ${k}, as the stratified sampler of ` +
          "--methods needs; pass --batch (a multiple of --k)",
      );
    }
  }
  return {
    backends,
    threads: intFlag("threads", values.threads, DEFAULT_NATIVE_THREADS, 1, 256),
    models,
    methods,
    k,
    shapes: (list("shapes", values.shapes) ?? ["8x8x1", "28x28x1"]).map(parseShape),
    batch,
    rounds: intFlag("rounds", values.rounds, 3, 1, 10000),
    repeats: intFlag("repeats", values.repeats, 10, 1, 100000),
    warmup: intFlag("warmup", values.warmup, 3, 0, 100000),
    seed: intFlag("seed", values.seed, 0, 0, Number.MAX_SAFE_INTEGER),
    loadLimit: numberFlag("load-limit", values["load-limit"], FOREIGN_LOAD_LIMIT, 0, 1024),
    retries: intFlag("retries", values.retries, LOAD_RETRIES, 0, 100),
    allowNoisy: values["allow-noisy"] === true,
    out: checkedOut(typeof values.out === "string" ? values.out : "reports/perf"),
    json: values.json === true,
  };
}

/** The workloads of the chosen models: 2-D data for "mlp", the --shapes images for every other model. */
export function workloadsFor(a: Pick<PerfArgs, "models" | "shapes" | "batch">): Workload[] {
  const out: Workload[] = [];
  for (const model of a.models) {
    const shapes = model === "mlp" ? [[2]] : a.shapes;
    for (const dataShape of shapes) {
      const batch = a.batch ?? (dataShape.length === 1 ? DEFAULT_BATCH.toy2d : DEFAULT_BATCH.image);
      out.push(workload(model, dataShape, batch));
    }
  }
  return out;
}

/** The output directory, checked before any work (a benchmark must not be lost at the end). */
function checkedOut(out: string): string {
  checkWritableDir(out, "--out", "deno task perf writes only under reports/ and .cache/ of the project");
  return out;
}

/**
 * Resolve `available` / `auto` to concrete backends (in a stable order, without duplicates). `auto` is what
 * training picks here (src/runtime/backend.ts: webgpu on a hardware adapter, else native when its
 * libraries load, else wasm); `available` is native (when it loads), wasm, cpu, and webgpu on a hardware
 * adapter. An explicit `native` stays native: where it cannot load, its rows fail with the reason.
 */
export async function resolveBackends(
  req: PerfArgs["backends"],
  nativeFailure: () => string | null = nativeLoadFailure,
): Promise<ConcreteBackend[]> {
  const out: ConcreteBackend[] = [];
  const add = (b: ConcreteBackend) => {
    if (!out.includes(b)) out.push(b);
  };
  for (const b of req) {
    if (b === "available" || b === "auto") {
      const adapter = await probeAdapter();
      const native = nativeFailure();
      const auto = resolveAuto(adapter, native).name;
      if (b === "auto") add(auto);
      else {
        if (native === null) add("native");
        add("wasm");
        add("cpu");
        if (auto === "webgpu") add("webgpu");
      }
    } else add(b);
  }
  return out;
}
