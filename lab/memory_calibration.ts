/**
 * Calibration of the peak-memory estimate of src/suite/memory.ts: trains the configurations below, each in
 * a fresh process (lab/memory_probe.ts) on the wasm backend (a few on cpu), and writes what they used to
 * fixtures/memory/calibration.json; then prints the estimate against every stored measurement as a
 * Markdown table. `src/suite/memory_test.ts` checks the estimate against that file. Re-run after changing a
 * model's layers, the optimiser step, the per-cluster gradients, the sampler or the estimate:
 *
 *     node_modules/.bin/deno run -A lab/memory_calibration.ts [OUT.json [LABEL-REGEXP]]
 *     node_modules/.bin/deno run -A lab/memory_calibration.ts --table [OUT.json]
 *
 * A LABEL-REGEXP measures only the matching configurations and keeps the other records of OUT; `--table`
 * measures nothing. Most configurations train 3 steps and evaluate once, after the last (the heap grows to
 * its high-water mark in the first step and the first evaluation and never shrinks); three train 16 steps
 * with the default 8 evaluations in between, to show that alternating does not grow it, nor the
 * collector's lag the process. The probes run one after another (never two at once: each may take GiBs);
 * the whole set takes about an hour on a loaded 2-core machine, "mlp 4096x16" needs about 8 GiB.
 *
 * @module
 */
import { resolveSuite } from "../src/suite/validate.ts";
import { planRuns } from "../src/suite/expand.ts";
import { defaultRegistries } from "../src/suite/registries.ts";
import { estimateRunMemory } from "../src/suite/memory.ts";
import { atomicWriteJson } from "../src/runtime/atomic_write.ts";

interface Case {
  label: string;
  dataset: { id: string; options?: Record<string, unknown> };
  model: { id: string; options: Record<string, unknown> };
  method: string;
  k: number;
  batchSize: number;
  samples: number;
  /** Which run of the plan: "baseline" (vanilla, uniform timesteps, k = 1) or the method's run. */
  pick: "baseline" | "method";
  sampler?: "uniform" | "stratified";
  backend?: "wasm" | "cpu";
  /** Training steps (default 3, one evaluation after the last); more steps evaluate at the default points. */
  steps?: number;
}

const moons = { id: "moons", options: {} };
const digits = { id: "digits8" };
const fashion = { id: "fashion-mnist", options: { size: 28 } };
const mlp = (hidden: number, depth: number) => ({ id: "mlp", options: { hidden, depth } });
const unet = (options: Record<string, unknown>) => ({ id: "unet", options });
const U28 = { channels: 16, channelMult: [1, 2, 2], numResBlocks: 1, groups: 4 };
const U8 = { channels: 16, channelMult: [1, 2], numResBlocks: 1, groups: 4 };

const c = (
  label: string,
  dataset: Case["dataset"],
  model: Case["model"],
  method: string,
  k: number,
  batchSize: number,
  samples: number,
  more: Partial<Case> = {},
): Case => ({ label, dataset, model, method, k, batchSize, samples, pick: "method", ...more });

const CASES: Case[] = [
  c("mlp default, vanilla", moons, mlp(128, 3), "uw", 5, 250, 1000, { pick: "baseline" }),
  c("mlp 1024x4, uw", moons, mlp(1024, 4), "uw", 5, 250, 1000),
  c("mlp 2048x8, vanilla", moons, mlp(2048, 8), "uw", 5, 250, 1000, { pick: "baseline" }),
  c("mlp 2048x8, uw", moons, mlp(2048, 8), "uw", 5, 250, 1000),
  c("mlp 2048x8, pcgrad k=5", moons, mlp(2048, 8), "pcgrad", 5, 250, 1000),
  c("mlp 2048x8, nashmtl k=10", moons, mlp(2048, 8), "nashmtl", 10, 250, 1000),
  c("mlp 1024x8, pcgrad k=10", moons, mlp(1024, 8), "pcgrad", 10, 250, 1000),
  c("mlp 1024x8, nashmtl k=20", moons, mlp(1024, 8), "nashmtl", 20, 200, 1000),
  c("mlp 1024x8, pcgrad k=20, uniform", moons, mlp(1024, 8), "pcgrad", 20, 200, 1000, { sampler: "uniform" }),
  c("mlp 1024x8, pcgrad k=40", moons, mlp(1024, 8), "pcgrad", 40, 400, 1000),
  c("mlp 512x3, batch 16384", moons, mlp(512, 3), "uw", 4, 16384, 1000),
  c("mlp 1024x3, batch 32768", moons, mlp(1024, 3), "uw", 4, 32768, 1000),
  c("mlp 1024x3, pcgrad k=4, batch 16384", moons, mlp(1024, 3), "pcgrad", 4, 16384, 1000),
  c("mlp 4096x1, eval-bound", moons, mlp(4096, 1), "uw", 4, 16, 1000),
  // The largest MLP validation allows (issue 13's, that aborted tfjs-wasm with tfjs's Adam on the heap).
  c("mlp 4096x8, batch 32", moons, mlp(4096, 8), "uw", 2, 32, 50, { pick: "baseline" }),
  c("mlp 4096x16, batch 32", moons, mlp(4096, 16), "uw", 2, 32, 50, { pick: "baseline" }),
  c("unet digits8, uw", digits, unet(U8), "uw", 5, 60, 297),
  c("unet digits8, pcgrad, batch 300", digits, unet(U8), "pcgrad", 5, 300, 297),
  c("unet digits8 C64, uw, batch 250", digits, unet({ ...U8, channels: 64 }), "uw", 5, 250, 297),
  c(
    "unet digits8 C64, pcgrad k=10, batch 250",
    digits,
    unet({ ...U8, channels: 64 }),
    "pcgrad",
    10,
    250,
    297,
  ),
  c("unet 28x28, uw, batch 30", fashion, unet(U28), "uw", 5, 30, 500),
  c("unet 28x28, pcgrad, batch 30", fashion, unet(U28), "pcgrad", 5, 30, 500),
  c("unet 28x28, nashmtl k=10, batch 100, 100 samples", fashion, unet(U28), "nashmtl", 10, 100, 100),
  c("unet 28x28, uw, batch 100, 200 samples", fashion, unet(U28), "uw", 5, 100, 200),
  c("unet 28x28 C8, uw, batch 250", fashion, unet({ ...U28, channels: 8 }), "uw", 5, 250, 300),
  // Longer runs that alternate training and 8 evaluations (the heap's fragmentation, the collector's lag).
  c("mlp 1024x4, uw, 16 steps", moons, mlp(1024, 4), "uw", 5, 250, 1000, { steps: 16 }),
  c("mlp 1024x8, pcgrad k=10, 16 steps", moons, mlp(1024, 8), "pcgrad", 10, 250, 1000, { steps: 16 }),
  c("unet digits8 C64, pcgrad k=5, 16 steps", digits, unet({ ...U8, channels: 64 }), "pcgrad", 5, 100, 297, {
    steps: 16,
  }),
  // The cpu backend: tensors in JavaScript memory (its kernels are slow: small configurations).
  c("cpu: mlp 1024x4, uw", moons, mlp(1024, 4), "uw", 5, 250, 1000, { backend: "cpu" }),
  c("cpu: mlp 1024x4, pcgrad k=5", moons, mlp(1024, 4), "pcgrad", 5, 250, 1000, { backend: "cpu" }),
  c("cpu: mlp 512x3, batch 4096", moons, mlp(512, 3), "uw", 4, 4096, 1000, { backend: "cpu" }),
  c("cpu: unet digits8, uw, batch 60", digits, unet(U8), "uw", 5, 60, 297, { backend: "cpu" }),
];

function suiteOf(c: Case): Record<string, unknown> {
  const steps = c.steps ?? 3;
  return {
    name: "calibration",
    datasets: [c.dataset],
    model: c.model,
    objectives: ["timestep"],
    k: [c.k],
    ...(c.sampler ? { sampler: c.sampler } : {}),
    methods: [c.method],
    seeds: 1,
    steps,
    controls: false,
    train: { batchSize: c.batchSize },
    eval: {
      ...(steps === 3 ? { at: [3], minPoints: 1 } : {}),
      samples: c.samples,
      referenceSamples: Math.min(c.samples, 297),
      sampler: { kind: "ddim", steps: 2 },
      metrics: ["fd"],
    },
  };
}

const reg = defaultRegistries();
const tableOnly = Deno.args[0] === "--table";
const args = tableOnly ? Deno.args.slice(1) : Deno.args;
const out = args[0] ?? "fixtures/memory/calibration.json";
const only = args[1] === undefined ? null : new RegExp(args[1]);
const order = CASES.map((c) => c.label);
// deno-lint-ignore no-explicit-any
type CalibrationRecord = any;
// With a label filter (or --table), the records already in OUT are kept; new measurements replace theirs.
let records: CalibrationRecord[] = [];
if (only || tableOnly) {
  try {
    records = JSON.parse(await Deno.readTextFile(out)).records;
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
}
if (!tableOnly) {
  for (const c of CASES.filter((c) => only === null || only.test(c.label))) {
    const suite = suiteOf(c);
    const pick = c.pick === "baseline" ? "baseline" : c.method;
    const backend = c.backend ?? "wasm";
    const data = await datasetShape(c);
    const probe = new URL("./memory_probe.ts", import.meta.url).pathname;
    const p = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", probe, JSON.stringify(suite), pick, backend],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const line = new TextDecoder().decode(p.stdout).trim().split("\n").pop()!;
    let measured;
    try {
      measured = JSON.parse(line);
    } catch {
      measured = { status: "crashed", error: new TextDecoder().decode(p.stderr).slice(-2000) };
    }
    records = records.filter((r) => r.label !== c.label && order.includes(r.label));
    records.push({ label: c.label, suite, pick, backend, ...data, measured });
    records.sort((a, b) => order.indexOf(a.label) - order.indexOf(b.label));
    await save();
    console.error(`${c.label}: ${measured.status} (${measured.seconds ?? "?"} s)`);
  }
}
await printTable();

/** The estimate against every stored measurement, as a Markdown table (MiB; ratio = estimate / measured). */
async function printTable() {
  console.log(
    "| configuration | backend | train est / in use | eval est / in use | heap est / measured | process est / VmHWM |",
  );
  console.log("|---|---|---|---|---|---|");
  for (const rec of records) {
    const m = rec.measured;
    if (m.status !== "ok") {
      console.log(`| ${rec.label} | ${rec.backend} | ${m.status} | | | |`);
      continue;
    }
    const runs = await planRuns(resolveSuite(rec.suite, reg), reg);
    const run = runs.find((r) =>
      rec.pick === "baseline" ? r.config.clustering.objective === "none" : r.config.method.id === rec.pick
    )!;
    const e = estimateRunMemory(run.config, rec, rec.backend)!;
    const pair = (est: number, got: number) => `${mib(est)} / ${mib(got)} (${(est / got).toFixed(2)})`;
    console.log(
      `| ${rec.label} | ${rec.backend} | ${pair(e.trainBytes, m.liveTrain)} | ${
        pair(e.evalBytes, m.liveEval)
      } | ${rec.backend === "wasm" ? pair(e.wasmBytes, m.heapEnd) : "-"} | ${pair(e.processBytes, m.hwm)} |`,
    );
  }
}

/** Write every record so far (after each measurement: an interrupted calibration keeps what it measured). */
async function save() {
  await atomicWriteJson(out, {
    schema: "antbench.memory-calibration/2",
    tfjs: "4.22.0",
    note: "liveTrain/liveEval: peak bytes in use while training / evaluating (wasm: malloc - free; cpu: " +
      "distinct tensor data); heapTrain: wasm heap size when the first evaluation starts; heapEnd: at the " +
      "end; hwm: VmHWM of the process (lab/memory_probe.ts)",
    records,
  });
}

function mib(b: number): string {
  return ((b ?? NaN) / 2 ** 20).toFixed(0);
}

async function datasetShape(c: Case) {
  const { getDatasetFactory } = await import("../src/data/registry.ts");
  const f = getDatasetFactory(c.dataset.id);
  const ds = await f.load({ ...(f.defaults as Record<string, unknown>), ...(c.dataset.options ?? {}) }, {
    cacheDir: ".cache",
  });
  return { dataShape: [...ds.dataShape], nTrain: ds.nTrain };
}
