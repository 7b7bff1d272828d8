import assert from "node:assert/strict";
import { initBackend } from "../runtime/backend.ts";
import { runTraining } from "./run.ts";
import type { RunConfig } from "./types.ts";

await initBackend("wasm");

Deno.test("runTraining records the floor of every final metric, computed once and then read from the cache", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const config: RunConfig = {
      suite: "test",
      dataset: { id: "gaussians8", options: { n: 256 } },
      model: { id: "mlp", options: { hidden: 16, depth: 2 } },
      diffusion: { schedule: "linear", T: 50 },
      clustering: { objective: "none", k: 1, sampler: "uniform" },
      method: { id: "vanilla", options: {} },
      seed: 1,
      train: { steps: 10, batchSize: 32, lr: 2e-3, beta1: 0.9, beta2: 0.999, emaDecay: 0.9 },
      eval: {
        at: [10],
        samples: 100,
        referenceSamples: 120,
        sampler: { kind: "ddim", steps: 5, eta: 0 },
        metrics: ["fd", "mmd", "nll"],
        useEma: true,
        floorResamples: 3,
      },
      backend: "wasm",
    };
    const a = await runTraining(config, { cacheDir: dir });
    assert.equal(a.status, "ok", a.error);
    assert.deepEqual(Object.keys(a.floors!), Object.keys(a.final));
    for (const [key, f] of Object.entries(a.floors!)) {
      assert.equal(f.key, key);
      assert.equal(f.n, 100);
      assert.equal(f.referenceN, 120);
      assert.equal(f.resamples, 3);
      assert.ok(f.lo <= f.mean && f.mean <= f.hi, key);
    }
    assert.ok((a.metricSettings!["mmd-data"].bandwidth as number) > 0);
    const cached = [...Deno.readDirSync(`${dir}/floors`)];
    assert.equal(cached.length, 1);
    // Another seed: the same floors (they do not depend on the run), from the one cache entry.
    const b = await runTraining({ ...config, seed: 2 }, { cacheDir: dir });
    assert.deepEqual(b.floors, a.floors);
    assert.equal([...Deno.readDirSync(`${dir}/floors`)].length, 1);
    // No floors asked for: none recorded.
    const c = await runTraining({ ...config, eval: { ...config.eval, floorResamples: 0 } }, {
      cacheDir: dir,
    });
    assert.equal(c.floors, undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
