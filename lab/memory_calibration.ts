/**
 * Calibration of the peak-memory estimate of src/suite/memory.ts: trains a few small configurations, each
 * in a fresh process on the wasm backend (lab/memory_probe.ts), and writes what they used with what the
 * estimate says to fixtures/memory/calibration.json. `src/suite/memory_test.ts` checks the estimate against
 * that file. Re-run after changing the model, the optimiser step, the sampler or the estimate:
 *
 *     node_modules/.bin/deno run -A lab/memory_calibration.ts [OUT.json [LABEL-REGEXP]]
 *
 * Every configuration trains 3 steps and evaluates once (the peak of a longer run is the same: the wasm
 * heap grows to its high-water mark in the first step and the first evaluation and never shrinks).
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
  /** Index of the run in the plan: 0 = the vanilla baseline, 1 = the method's run. */
  run: 0 | 1;
  sampler?: "uniform" | "stratified";
}

const moons = { id: "moons", options: {} };
const digits = { id: "digits8" };
const fashion = { id: "fashion-mnist", options: { size: 28 } };
const mlp = (hidden: number, depth: number) => ({ id: "mlp", options: { hidden, depth } });
const unet = (options: Record<string, unknown>) => ({ id: "unet", options });
const U28 = { channels: 16, channelMult: [1, 2, 2], numResBlocks: 1, groups: 4 };
const U8 = { channels: 16, channelMult: [1, 2], numResBlocks: 1, groups: 4 };

const CASES: Case[] = [
  {
    label: "mlp default, vanilla",
    dataset: moons,
    model: mlp(128, 3),
    method: "uw",
    k: 5,
    batchSize: 250,
    samples: 1000,
    run: 0,
  },
  {
    label: "mlp 1024x4, uw",
    dataset: moons,
    model: mlp(1024, 4),
    method: "uw",
    k: 5,
    batchSize: 250,
    samples: 1000,
    run: 1,
  },
  {
    label: "mlp 2048x8, vanilla",
    dataset: moons,
    model: mlp(2048, 8),
    method: "uw",
    k: 5,
    batchSize: 250,
    samples: 1000,
    run: 0,
  },
  {
    label: "mlp 2048x8, uw",
    dataset: moons,
    model: mlp(2048, 8),
    method: "uw",
    k: 5,
    batchSize: 250,
    samples: 1000,
    run: 1,
  },
  {
    label: "mlp 2048x8, pcgrad k=5",
    dataset: moons,
    model: mlp(2048, 8),
    method: "pcgrad",
    k: 5,
    batchSize: 250,
    samples: 1000,
    run: 1,
  },
  {
    label: "mlp 2048x8, nashmtl k=10",
    dataset: moons,
    model: mlp(2048, 8),
    method: "nashmtl",
    k: 10,
    batchSize: 250,
    samples: 1000,
    run: 1,
  },
  {
    label: "mlp 1024x8, pcgrad k=10",
    dataset: moons,
    model: mlp(1024, 8),
    method: "pcgrad",
    k: 10,
    batchSize: 250,
    samples: 1000,
    run: 1,
  },
  {
    label: "mlp 1024x8, nashmtl k=20",
    dataset: moons,
    model: mlp(1024, 8),
    method: "nashmtl",
    k: 20,
    batchSize: 200,
    samples: 1000,
    run: 1,
  },
  {
    label: "mlp 1024x8, pcgrad k=20, uniform",
    dataset: moons,
    model: mlp(1024, 8),
    method: "pcgrad",
    k: 20,
    batchSize: 200,
    samples: 1000,
    run: 1,
    sampler: "uniform",
  },
  {
    label: "mlp 512x3, batch 16384",
    dataset: moons,
    model: mlp(512, 3),
    method: "uw",
    k: 4,
    batchSize: 16384,
    samples: 1000,
    run: 1,
  },
  {
    label: "mlp 1024x3, batch 32768",
    dataset: moons,
    model: mlp(1024, 3),
    method: "uw",
    k: 4,
    batchSize: 32768,
    samples: 1000,
    run: 1,
  },
  {
    label: "mlp 4096x1, eval-bound",
    dataset: moons,
    model: mlp(4096, 1),
    method: "uw",
    k: 4,
    batchSize: 16,
    samples: 1000,
    run: 1,
  },
  {
    label: "unet digits8, uw",
    dataset: digits,
    model: unet(U8),
    method: "uw",
    k: 5,
    batchSize: 60,
    samples: 297,
    run: 1,
  },
  {
    label: "unet digits8, pcgrad, batch 300",
    dataset: digits,
    model: unet(U8),
    method: "pcgrad",
    k: 5,
    batchSize: 300,
    samples: 297,
    run: 1,
  },
  {
    label: "unet digits8 C64, uw, batch 250",
    dataset: digits,
    model: unet({ ...U8, channels: 64 }),
    method: "uw",
    k: 5,
    batchSize: 250,
    samples: 297,
    run: 1,
  },
  {
    label: "unet 28x28, uw, batch 30",
    dataset: fashion,
    model: unet(U28),
    method: "uw",
    k: 5,
    batchSize: 30,
    samples: 500,
    run: 1,
  },
  {
    label: "unet 28x28, pcgrad, batch 30",
    dataset: fashion,
    model: unet(U28),
    method: "pcgrad",
    k: 5,
    batchSize: 30,
    samples: 500,
    run: 1,
  },
  {
    label: "unet 28x28, uw, batch 100, 200 samples",
    dataset: fashion,
    model: unet(U28),
    method: "uw",
    k: 5,
    batchSize: 100,
    samples: 200,
    run: 1,
  },
  {
    label: "unet 28x28 C8, uw, batch 250",
    dataset: fashion,
    model: unet({ ...U28, channels: 8 }),
    method: "uw",
    k: 5,
    batchSize: 250,
    samples: 300,
    run: 1,
  },
];

function suiteOf(c: Case): Record<string, unknown> {
  return {
    name: "calibration",
    datasets: [c.dataset],
    model: c.model,
    objectives: ["timestep"],
    k: [c.k],
    ...(c.sampler ? { sampler: c.sampler } : {}),
    methods: [c.method],
    seeds: 1,
    steps: 3,
    train: { batchSize: c.batchSize },
    eval: {
      samples: c.samples,
      referenceSamples: Math.min(c.samples, 297),
      sampler: { kind: "ddim", steps: 2 },
      metrics: ["fd"],
    },
  };
}

const out = Deno.args[0] ?? "fixtures/memory/calibration.json";
const reg = defaultRegistries();
const records = [];
const only = Deno.args[1] === undefined ? null : new RegExp(Deno.args[1]);
for (const c of CASES.filter((c) => only === null || only.test(c.label))) {
  const suite = suiteOf(c);
  const resolved = resolveSuite(suite, reg);
  const run = (await planRuns(resolved, reg))[c.run];
  const data = await datasetShape(c);
  const est = estimateRunMemory(run.config, data)!;
  const p = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("./memory_probe.ts", import.meta.url).pathname,
      JSON.stringify(suite),
      String(c.run),
    ],
    stdout: "piped",
    stderr: "null",
  }).output();
  const line = new TextDecoder().decode(p.stdout).trim().split("\n").pop()!;
  const measured = JSON.parse(line);
  records.push({ label: c.label, suite, run: c.run, ...data, measured });
  console.log(
    `${c.label.padEnd(40)} heap train ${mib(measured.heapTrain)} end ${mib(measured.heapEnd)} | est ${
      mib(est.wasmBytes)
    } ` +
      `(train ${mib(est.trainBytes)}, eval ${mib(est.evalBytes)}) ratio ${
        (est.wasmBytes / measured.heapEnd).toFixed(2)
      } ${measured.status}`,
  );
}
await atomicWriteJson(out, {
  schema: "antbench.memory-calibration/1",
  backend: "wasm",
  tfjs: "4.22.0",
  note:
    "heapTrain: wasm heap bytes when the first evaluation starts; heapEnd: after it; hwm: VmHWM of the process",
  records,
});

function mib(b: number): string {
  return `${(b / 2 ** 20).toFixed(0).padStart(5)} MiB`;
}

async function datasetShape(c: Case) {
  const { getDatasetFactory } = await import("../src/data/registry.ts");
  const f = getDatasetFactory(c.dataset.id);
  const ds = await f.load({ ...(f.defaults as Record<string, unknown>), ...(c.dataset.options ?? {}) }, {
    cacheDir: ".cache",
  });
  return { dataShape: [...ds.dataShape], nTrain: ds.nTrain };
}
