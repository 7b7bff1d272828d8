import assert from "node:assert/strict";
import { estimateRunMemory, formatBytes, parseBytes, WASM_HEAP_LIMIT } from "./memory.ts";
import { resolveSuite } from "./validate.ts";
import { planRuns } from "./expand.ts";
import { defaultRegistries } from "./registries.ts";
import { EMBEDDED_SUITES } from "../../benchmarks/mod.ts";
import { preflight } from "./preflight.ts";
import { UsageError } from "../runtime/errors.ts";

const reg = defaultRegistries();
const calibration = JSON.parse(
  await Deno.readTextFile(new URL("../../fixtures/memory/calibration.json", import.meta.url)),
);

Deno.test("memory estimate vs the measured wasm heap of every calibration configuration", async () => {
  assert.ok(calibration.records.length >= 16);
  for (const rec of calibration.records) {
    const run = (await planRuns(resolveSuite(rec.suite, reg), reg))[rec.run];
    const est = estimateRunMemory(run.config, { dataShape: rec.dataShape, nTrain: rec.nTrain })!;
    const measured = rec.measured.heapEnd;
    const ratio = est.wasmBytes / measured;
    // Never a large underestimate; for heaps that matter (> 256 MiB) close to the truth.
    assert.ok(
      ratio > 0.9,
      `${rec.label}: estimate ${formatBytes(est.wasmBytes)} vs ${formatBytes(measured)}`,
    );
    if (measured > 256 * 2 ** 20) {
      assert.ok(
        ratio < 1.3,
        `${rec.label}: estimate ${formatBytes(est.wasmBytes)} vs ${formatBytes(measured)}`,
      );
    }
    // The process estimate covers the measured peak resident memory.
    assert.ok(
      est.processBytes > 0.9 * rec.measured.hwm,
      `${rec.label}: process ${formatBytes(est.processBytes)}`,
    );
  }
});

Deno.test("memory estimate: the formula by hand for a small MLP run", async () => {
  const run = (await planRuns(
    resolveSuite({
      name: "m",
      datasets: ["moons"],
      model: { id: "mlp", options: { hidden: 100, depth: 2, timeDim: 10 } },
      objectives: ["timestep"],
      k: [4],
      methods: ["pcgrad"],
      seeds: 1,
      steps: 1,
      train: { batchSize: 40 },
      eval: { samples: 800, referenceSamples: 300 },
    }, reg),
    reg,
  ))[1];
  const est = estimateRunMemory(run.config, { dataShape: [2], nTrain: 1000 })!;
  // P = (2 + 10)·100 + 100 + (100·100 + 100) + 100·2 + 2 = 11,602; A = 2.5·10 + 5·100 + 3·100 + 4 = 829.
  assert.equal(est.params, 11_602);
  assert.equal(est.activations, 829);
  // per-cluster: G = 2·4 + 1 = 9, b = 40 / 4 = 10: train = max(11602·13 + 2·10·829, 11602·16) = 185,632;
  // eval = 5·11602 + 0.6·500·829 = 306,710 values → heap 1.2·4·306,710 + 16 MiB.
  assert.equal(est.trainBytes, 4 * 185_632);
  assert.ok(Math.abs(est.evalBytes - 4 * 306_710) < 1e-6);
  assert.ok(Math.abs(est.wasmBytes - (1.2 * 4 * 306_710 + 16 * 2 ** 20)) < 1e-3);
  // process: + 4·2·(1000 + 800 + 300) host data + 4·k·P gradient copies + 160 MiB runtime.
  assert.ok(Math.abs(est.processBytes - est.wasmBytes - (8 * 2100 + 16 * 11_602 + 160 * 2 ** 20)) < 1e-3);
});

Deno.test("the embedded CPU suites fit the 4 GiB wasm heap; the issue's two configurations do not", async () => {
  const shapes: Record<string, { dataShape: number[]; nTrain: number }> = {
    digits8: { dataShape: [8, 8, 1], nTrain: 1500 },
    mnist: { dataShape: [28, 28, 1], nTrain: 60000 },
    "fashion-mnist": { dataShape: [28, 28, 1], nTrain: 60000 },
  };
  for (const [name, spec] of Object.entries(EMBEDDED_SUITES)) {
    if (name === "paper-ffhq") continue; // a GPU suite
    const suite = resolveSuite(spec, reg);
    for (const run of await planRuns(suite, reg)) {
      const data = shapes[run.config.dataset.id] ?? { dataShape: [2], nTrain: 8192 };
      const est = estimateRunMemory(run.config, data)!;
      assert.ok(est.wasmBytes < WASM_HEAP_LIMIT, `${name}: ${formatBytes(est.wasmBytes)}`);
    }
  }
  const big = (over: Record<string, unknown>) =>
    resolveSuite({
      name: "x",
      datasets: ["moons"],
      objectives: ["timestep"],
      k: [2],
      methods: ["uw"],
      seeds: 1,
      steps: 1,
      ...over,
    }, reg);
  for (
    const s of [
      big({ model: { id: "mlp", options: { hidden: 4096, depth: 16 } } }),
      big({ train: { batchSize: 1_000_000 } }),
    ]
  ) {
    const est = estimateRunMemory((await planRuns(s, reg))[0].config, { dataShape: [2], nTrain: 8192 })!;
    assert.ok(est.wasmBytes > WASM_HEAP_LIMIT);
  }
});

Deno.test("preflight: the machine's share per parallel run, and webgpu runs skip the wasm heap limit", async () => {
  const suite = resolveSuite({
    name: "p",
    datasets: [{ id: "moons", options: { n: 256 } }],
    objectives: ["timestep"],
    k: [2],
    methods: ["uw"],
    seeds: 1,
    steps: 1,
    train: { batchSize: 400_000 },
  }, reg);
  const runs = await planRuns(suite, reg);
  const machine = { bytes: 16 * 2 ** 30, source: "physical memory" };
  await assert.rejects(
    () => preflight(suite, runs, { backend: "wasm", jobs: 1, machine }),
    /exceeds the 4\.00 GiB that tfjs-wasm/,
  );
  const est = estimateRunMemory(runs[0].config, { dataShape: [2], nTrain: 256 })!;
  await assert.rejects(
    () => preflight(suite, runs, { backend: "cpu", jobs: 8, machine }),
    (e: Error) => {
      assert.ok(e instanceof UsageError);
      assert.equal(
        e.message,
        `suite p: train.batchSize: got 400000 (37,762 parameters, 1,492 activations per sample): estimated ` +
          `peak memory ${
            formatBytes(est.processBytes)
          } per run exceeds 1.80 GiB, the share of one of 8 parallel ` +
          `run(s) in 90% of this machine's 16.00 GiB (physical memory); use fewer --jobs (2 runs, e.g. moons/mlp ` +
          `vanilla vanilla seed 0; make it smaller, or pass --max-memory to override the estimate; formula: ` +
          `src/suite/memory.ts)`,
      );
      return true;
    },
  );
  const ok = await preflight(suite, runs, { backend: "webgpu", jobs: 1, machine });
  assert.equal(ok.wasmLimit, Infinity);
  assert.ok(ok.estimates.get(runs[0].id)!.wasmBytes > 2 * 2 ** 30);
  await assert.rejects(
    () => preflight(suite, runs, { backend: "webgpu", jobs: 1, machine: null, maxMemory: 2 ** 20 }),
    /exceeds --max-memory 1 MiB/,
  );
});

Deno.test("parseBytes and formatBytes", () => {
  assert.equal(parseBytes("8GiB"), 8 * 2 ** 30);
  assert.equal(parseBytes("512 MiB"), 512 * 2 ** 20);
  assert.equal(parseBytes("4G"), 4 * 2 ** 30);
  assert.equal(parseBytes("2.5GB"), 2.5e9);
  assert.equal(parseBytes("1000"), 1000);
  assert.equal(parseBytes("lots"), null);
  assert.equal(parseBytes("0"), null);
  assert.equal(formatBytes(3 * 2 ** 30), "3.00 GiB");
  assert.equal(formatBytes(5 * 2 ** 20), "5 MiB");
});
