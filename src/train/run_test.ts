import assert from "node:assert/strict";
import { initBackend } from "../runtime/backend.ts";
import { DEVICE_LOSS_READ_EVERY, lossReadInterval, runTraining } from "./run.ts";
import type { RunConfig } from "./types.ts";

await initBackend("wasm");

function config(overrides: Partial<RunConfig> = {}): RunConfig {
  return {
    suite: "test",
    dataset: { id: "gaussians8", options: { n: 512 } },
    model: { id: "mlp", options: { hidden: 32, depth: 2 } },
    diffusion: { schedule: "linear", T: 100 },
    clustering: { objective: "timestep", k: 4, sampler: "stratified" },
    method: { id: "vanilla", options: {} },
    seed: 3,
    train: { steps: 40, batchSize: 64, lr: 2e-3, beta1: 0.9, beta2: 0.999, emaDecay: 0.99 },
    eval: {
      at: [20, 40],
      samples: 200,
      referenceSamples: 200,
      sampler: { kind: "ddim", steps: 20, eta: 0 },
      metrics: ["fd", "swd"],
      useEma: true,
    },
    backend: "wasm",
    ...overrides,
  };
}

/** The part of a result that must be bit-identical across repeated runs. */
function comparable(r: Awaited<ReturnType<typeof runTraining>>) {
  const { timing: _t, environment: _e, ...rest } = r;
  return rest;
}

Deno.test("runTraining: same config twice gives bit-identical losses, curve and metrics", async () => {
  const a = await runTraining(config());
  const b = await runTraining(config());
  assert.equal(a.status, "ok", a.error);
  assert.deepEqual(comparable(a), comparable(b));
  assert.deepEqual(a.clusters, [[0, 24], [25, 49], [50, 74], [75, 99]]);
  assert.deepEqual(a.curve.map((p) => p.step), [20, 40]);
  assert.ok(Object.keys(a.final).length >= 2);
  // A different seed changes the numbers.
  const c = await runTraining(config({ seed: 4 }));
  assert.notDeepEqual(c.loss.values, a.loss.values);
});

Deno.test("runTraining: training lowers the loss from its initial value", async () => {
  const r = await runTraining(
    config({ train: { ...config().train, steps: 150 }, eval: { ...config().eval, at: [150] } }),
  );
  assert.equal(r.status, "ok");
  const v = r.loss.values;
  const first = v.slice(0, 3).reduce((s, x) => s + x, 0) / 3;
  const last = v.slice(-3).reduce((s, x) => s + x, 0) / 3;
  assert.ok(last < 0.8 * first, `loss did not drop: ${first} -> ${last}`);
});

Deno.test("runTraining: a diverging run is recorded as failed with its reason", async () => {
  const r = await runTraining(config({ train: { ...config().train, lr: 1e12 } }));
  assert.equal(r.status, "failed");
  assert.match(r.error ?? "", /non-finite (loss|samples) .*at step \d+/);
  assert.deepEqual(r.final, {});
});

Deno.test("runTraining: deferred loss reads (every 7 steps) give the same result and failure step as reads every step", async () => {
  const every = await runTraining(config(), { lossReadEvery: 1 });
  const progress: { step: number; loss?: number }[] = [];
  const deferred = await runTraining(config(), {
    lossReadEvery: 7,
    onProgress: (p) => p.phase === "train" && progress.push({ step: p.step, loss: p.loss }),
  });
  assert.deepEqual(comparable(deferred), comparable(every));
  // One progress event per step; a loss only where the pending losses were read: every 7th step, before
  // the evaluation at step 20 and at the last step (40).
  assert.deepEqual(progress.map((p) => p.step), Array.from({ length: 40 }, (_, i) => i + 1));
  assert.deepEqual(
    progress.filter((p) => p.loss !== undefined).map((p) => p.step),
    [7, 14, 20, 27, 34, 40],
  );
  const diverge = config({ train: { ...config().train, lr: 1e12 } });
  const a = await runTraining(diverge, { lossReadEvery: 1 });
  const b = await runTraining(diverge, { lossReadEvery: 7 });
  assert.equal(a.status, "failed");
  assert.match(a.error ?? "", /non-finite loss .*at step \d+/);
  assert.equal(b.error, a.error);
  assert.deepEqual(b.loss, a.loss);
  assert.throws(() => lossReadInterval("wasm", 0), /lossReadEvery must be an integer >= 1, got 0/);
  assert.equal(lossReadInterval("wasm"), 1);
  assert.equal(lossReadInterval("webgpu"), DEVICE_LOSS_READ_EVERY);
});

Deno.test("runTraining: per-cluster losses per loss window, reported as they happen, average to the window's loss", async () => {
  for (const method of ["vanilla", "pcgrad"]) {
    const seen: { step: number; loss: number; clusters: number[] }[] = [];
    const r = await runTraining(config({ method: { id: method, options: {} } }), {
      onLoss: (l) => seen.push(l),
    });
    assert.equal(r.status, "ok", r.error);
    const { every, values, clusters } = r.loss;
    assert.equal(every, 1, "40 steps: one window per step");
    assert.deepEqual(seen.map((l) => l.step), Array.from({ length: 40 }, (_, i) => i + 1));
    assert.deepEqual(seen.map((l) => l.loss), values);
    assert.equal(clusters!.length, 4);
    for (let w = 0; w < values.length; w++) {
      assert.deepEqual(seen[w].clusters, clusters!.map((c) => c[w]));
      // The stratified sampler gives each cluster 64 / 4 samples, so the batch mean (computed by the method
      // on the backend, float32) is the mean of the four cluster means (summed here on the host, float64).
      const mean = clusters!.reduce((s, c) => s + c[w], 0) / 4;
      assert.ok(
        Math.abs(mean - values[w]) <= 2e-6 * values[w],
        `${method} window ${w}: ${mean} vs ${values[w]}`,
      );
    }
    // Early in training the noisiest timesteps (the last cluster) are the easiest: ε-prediction loss falls with t.
    assert.ok(clusters![3][0] < clusters![0][0], `${clusters![0][0]} vs ${clusters![3][0]}`);
  }
});
