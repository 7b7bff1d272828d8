import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import {
  estimateRunMemory,
  formatBytes,
  MEMORY_COEFFICIENTS,
  parseBytes,
  V8_BASE_BYTES,
  WASM_HEAP_LIMIT,
} from "./memory.ts";
import { resolveSuite } from "./validate.ts";
import { type PlannedRun, planRuns } from "./expand.ts";
import { defaultRegistries } from "./registries.ts";
import { EMBEDDED_SUITES } from "../../benchmarks/mod.ts";
import { preflight } from "./preflight.ts";
import { autoencoderLatentShape } from "../latent/registry.ts";
import { UsageError } from "../runtime/errors.ts";
import { initBackend } from "../runtime/backend.ts";
import { trackWasmMalloc } from "../runtime/live_memory.ts";
import { mlpFactory } from "../models/mlp.ts";
import { makeSchedule } from "../diffusion/schedule.ts";
import { onePassClusterGradients } from "../train/cluster_pass.ts";
import { groupByCluster } from "../train/step.ts";
import { valueAndGrads } from "../mtl/grads.ts";
import { epsilonLossHost } from "../diffusion/loss.ts";
import { Rng } from "../runtime/rng.ts";

await initBackend("wasm");
const reg = defaultRegistries();
const calibration = JSON.parse(
  await Deno.readTextFile(new URL("../../fixtures/memory/calibration.json", import.meta.url)),
);
const MiB = 2 ** 20;

/** The run lab/memory_probe.ts measured: the vanilla baseline or the run of the named method. */
function pickRun(runs: readonly PlannedRun[], pick: string): PlannedRun {
  const run = runs.find((r) =>
    pick === "baseline" ? r.config.clustering.objective === "none" : r.config.method.id === pick
  );
  assert.ok(run, `no run for ${pick}`);
  return run;
}

Deno.test("memory estimate vs the measurements of every calibration configuration", async () => {
  const records = calibration.records.filter((r: { measured: { status: string } }) =>
    r.measured.status === "ok"
  );
  assert.ok(records.length >= 30, `${records.length} calibration records`);
  const backends = new Set(records.map((r: { backend: string }) => r.backend));
  assert.ok(backends.has("wasm") && backends.has("cpu"));
  for (const rec of records) {
    const run = pickRun(await planRuns(resolveSuite(rec.suite, reg), reg), rec.pick);
    const est = estimateRunMemory(run.config, { dataShape: rec.dataShape, nTrain: rec.nTrain }, rec.backend)!;
    const m = rec.measured;
    const label = `${rec.label}:`;
    // The tensor terms against the bytes in use (kernels' scratch at the training peak: up to 7% more).
    for (
      const [what, e, got] of [["train", est.trainBytes, m.liveTrain], ["eval", est.evalBytes, m.liveEval]]
    ) {
      if (got < 64 * MiB) continue;
      const r = e / got;
      assert.ok(r > 0.92 && r < 1.05, `${label} ${what} ${formatBytes(e)} vs ${formatBytes(got)} in use`);
    }
    if (rec.backend === "wasm") {
      // Never a large underestimate of the heap; for heaps that matter (> 256 MiB) close to the truth.
      const r = est.wasmBytes / m.heapEnd;
      assert.ok(r > 0.95, `${label} heap ${formatBytes(est.wasmBytes)} vs ${formatBytes(m.heapEnd)}`);
      if (m.heapEnd > 256 * MiB) {
        assert.ok(r < 1.3, `${label} heap ${formatBytes(est.wasmBytes)} vs ${formatBytes(m.heapEnd)}`);
      }
    }
    // The process estimate covers the measured peak resident memory.
    assert.ok(
      est.processBytes > 0.95 * m.hwm,
      `${label} process ${formatBytes(est.processBytes)} vs VmHWM ${formatBytes(m.hwm)}`,
    );
  }
});

Deno.test("memory estimate: the formula by hand for a small MLP run with PCGrad", async () => {
  const runs = await planRuns(
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
  );
  const run = pickRun(runs, "pcgrad");
  const est = estimateRunMemory(run.config, { dataShape: [2], nTrain: 1000 })!;
  // P = (2 + 10)·100 + 100 + (100·100 + 100) + 100·2 + 2 = 11,602; A = 4·2·100 + 10 + 4·2 + 3 = 821;
  // I = 3·100 + 10 + 2·2 + 1 = 315; dense outputs 2·100 + 2.
  assert.deepEqual([est.params, est.activations, est.inference, est.segments], [11_602, 821, 315, 4]);
  // train = max((2 + 4)·11,602 + 40·821, 2·11,602 + 100·100) = 102,452;
  // eval = 2·11,602 + 500·(315 + 2·2) = 182,704 values.
  assert.equal(est.trainBytes, 4 * 102_452);
  assert.equal(est.evalBytes, 4 * 182_704);
  // heap: the larger of train + P (per-cluster: no packed dz) and eval + P, times SLACK, + 16 MiB.
  const { slack, garbage } = MEMORY_COEFFICIENTS;
  assert.ok(Math.abs(est.wasmBytes - (slack * 4 * (182_704 + 11_602) + 16 * MiB)) < 1e-3);
  // host: runtime + data 4·2·(1000 + 800 + 300) + 20·P + GARBAGE·(12·P + 4·(4 + 1)·P).
  const host = V8_BASE_BYTES + 8 * 2100 + 20 * 11_602 + garbage * (12 + 20) * 11_602;
  assert.ok(Math.abs(est.hostBytes - host) < 1e-3);
  assert.ok(Math.abs(est.processBytes - est.wasmBytes - host) < 1e-3);
  // The same run on webgpu: only the host side (runtime and data) counts. On cpu the tensors join it, and
  // a step copies only the weights and the combination (reads return the tensors' own arrays).
  const gpu = estimateRunMemory(run.config, { dataShape: [2], nTrain: 1000 }, "webgpu")!;
  assert.equal(gpu.processBytes, V8_BASE_BYTES + 8 * 2100);
  assert.equal(gpu.wasmBytes, 0);
  const cpu = estimateRunMemory(run.config, { dataShape: [2], nTrain: 1000 }, "cpu")!;
  const cpuHost = V8_BASE_BYTES + 8 * 2100 + 20 * 11_602 + garbage * (4 + 4) * 11_602;
  assert.ok(Math.abs(cpu.processBytes - (MEMORY_COEFFICIENTS.cpuSlack * 4 * 182_704 + cpuHost)) < 1e-3);
});

/** Bytes allocated on the wasm heap by `f` at its peak, above what was in use before. */
function peakMalloc(f: () => void): number {
  const meter = trackWasmMalloc()!;
  try {
    f();
    return meter.peak;
  } finally {
    meter.stop();
  }
}

Deno.test("the step's tensors: one gradient holds P + B·A, the one-pass cluster gradients (1 + m)·P + B·A", () => {
  // Measured around the real functions of the step (src/train/cluster_pass.ts, src/mtl/grads.ts), from
  // the wasm allocator; the weights exist before. Unequal segments (the uniform sampler) build each
  // variable's m pieces before concatenating them.
  const o = { ...mlpFactory.defaults, hidden: 64, depth: 3 };
  const model = mlpFactory.build(o, { dataShape: [2], T: 100, initSeed: 3 });
  const fp = mlpFactory.footprint!(o, [2]);
  const schedule = makeSchedule("linear", 100);
  const B = 48, k = 4, rng = new Rng(5);
  const x0 = rng.normalArray(2 * B), noise = rng.normalArray(2 * B);
  const t = Int32Array.from({ length: B }, (_, i) => Math.floor((i * k) / B) * 25 + (i % 25));
  const equal = Int32Array.from({ length: B }, (_, i) => Math.floor((i * k) / B));
  const unequal = Int32Array.from({ length: B }, (_, i) => (i < 6 ? 0 : i < 30 ? 1 : i < 40 ? 2 : 3));
  const vanilla = peakMalloc(() => {
    const r = valueAndGrads(
      () => tf.mean(epsilonLossHost(model, schedule, x0, noise, t)) as tf.Scalar,
      model.variables,
    );
    tf.dispose([r.value, ...r.grads]);
  });
  const onePass = (cluster: Int32Array) =>
    peakMalloc(() => {
      const r = onePassClusterGradients(
        model,
        schedule,
        { x0, noise, t },
        groupByCluster(cluster, k),
        model.variables,
      );
      assert.ok(r && r.tasks.length === k);
    });
  const { params: P, activations: A } = fp;
  const near = (got: number, want: number, what: string) =>
    assert.ok(Math.abs(got / (4 * want) - 1) < 0.05, `${what}: ${got} bytes vs ${4 * want}`);
  near(vanilla, P + B * A, "one gradient");
  const segmented = onePass(equal);
  near(segmented, (1 + k) * P + B * A, "one pass, equal segments");
  // The m pieces of the largest weight exist before the gradients of the first layer: m·W bounds the extra.
  const pieces = onePass(unequal);
  assert.ok(pieces > segmented && pieces < 1.02 * 4 * ((1 + k) * P + B * A + k * fp.largestParam));
  model.dispose();
});

Deno.test("the embedded CPU suites fit the 4 GiB wasm heap; a batch of 1e6 does not; the largest MLP's host side", async () => {
  const shapes: Record<string, { dataShape: number[]; nTrain: number }> = {
    digits8: { dataShape: [8, 8, 1], nTrain: 1500 },
    mnist: { dataShape: [28, 28, 1], nTrain: 60000 },
    "fashion-mnist": { dataShape: [28, 28, 1], nTrain: 60000 },
  };
  // Every registered model has a footprint (a model without one gets no memory check up front).
  const unestimated = new Set<string>();
  for (const [name, spec] of Object.entries(EMBEDDED_SUITES)) {
    if (name.startsWith("paper-")) continue; // GPU suites
    const suite = resolveSuite(spec, reg);
    for (const run of await planRuns(suite, reg)) {
      const images = shapes[run.config.dataset.id] ?? { dataShape: [2], nTrain: 8192 };
      // A latent run's denoiser sees the autoencoder's latents (as preflight sizes it).
      const latent = run.config.latent ? autoencoderLatentShape(run.config.latent.autoencoder) : null;
      const data = latent ? { ...images, dataShape: latent } : images;
      const est = estimateRunMemory(run.config, data);
      if (est === null) {
        unestimated.add(run.config.model.id);
        continue;
      }
      assert.ok(est.wasmBytes < WASM_HEAP_LIMIT, `${name}: ${formatBytes(est.wasmBytes)}`);
    }
  }
  assert.deepEqual([...unestimated], []);
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
  // Issue 13's batch of a million: 6 GB of activations, far over the wasm32 heap.
  for (const run of await planRuns(big({ train: { batchSize: 1_000_000 } }), reg)) {
    const est = estimateRunMemory(run.config, { dataShape: [2], nTrain: 8192 })!;
    assert.ok(est.wasmBytes > WASM_HEAP_LIMIT, formatBytes(est.wasmBytes));
  }
  // Issue 13's MLP 4096 x 16 (251,871,234 parameters) aborted tfjs-wasm when tfjs's Adam kept 16 copies of
  // the weights on the heap. With Adam and the EMA on the host it fits the heap (3.1 GiB measured at batch
  // 32, fixtures/memory/calibration.json) and needs about 8 GiB in all; the estimate says so, and more.
  const largest =
    (await planRuns(big({ model: { id: "mlp", options: { hidden: 4096, depth: 16 } } }), reg))[0];
  const est = estimateRunMemory(largest.config, { dataShape: [2], nTrain: 8192 })!;
  assert.equal(est.params, 251_871_234);
  assert.ok(est.wasmBytes > 3 * 2 ** 30 && est.wasmBytes < WASM_HEAP_LIMIT, formatBytes(est.wasmBytes));
  assert.ok(est.processBytes > 8 * 2 ** 30, formatBytes(est.processBytes));
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
    train: { batchSize: 500_000 },
  }, reg);
  const runs = await planRuns(suite, reg);
  assert.equal(runs.length, 3); // the baseline, the matched control, uw
  const machine = { bytes: 16 * 2 ** 30, source: "physical memory" };
  await assert.rejects(
    () => preflight(suite, runs, { backend: "wasm", jobs: 1, machine }),
    /train\.batchSize: got 500000 .*estimated peak wasm heap .* exceeds the 4\.00 GiB that tfjs-wasm/,
  );
  const est = estimateRunMemory(runs[0].config, { dataShape: [2], nTrain: 256 }, "cpu")!;
  await assert.rejects(
    () => preflight(suite, runs, { backend: "cpu", jobs: 8, machine }),
    (e: Error) => {
      assert.ok(e instanceof UsageError);
      assert.equal(
        e.message,
        `suite p: train.batchSize: got 500000 (37,762 parameters, 1,579 activation values per training ` +
          `sample): estimated peak memory ${
            formatBytes(est.processBytes)
          } per run exceeds 1.80 GiB, the share of one of 8 ` +
          `parallel run(s) in 90% of this machine's 16.00 GiB (physical memory); use fewer --jobs (3 runs, ` +
          `e.g. moons/mlp vanilla vanilla seed 0; make it smaller, or pass --max-memory to override the ` +
          `estimate; formula: src/suite/memory.ts)`,
      );
      return true;
    },
  );
  // webgpu: the tensors live on the device; the host side (runtime, data) fits.
  const ok = await preflight(suite, runs, { backend: "webgpu", jobs: 1, machine });
  assert.equal(ok.wasmLimit, Infinity);
  const gpu = ok.estimates.get(runs[0].id)!;
  assert.ok(gpu.trainBytes > 2 * 2 ** 30 && gpu.processBytes < 256 * MiB);
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
