import assert from "node:assert/strict";
import { initBackend } from "../runtime/backend.ts";
import { runTraining } from "./run.ts";
import { trainCheckpoints } from "./checkpoints.ts";
import { readCheckpointMeta } from "../models/checkpoint.ts";
import type { RunConfig } from "./types.ts";

await initBackend("wasm");

const CONFIG: RunConfig = {
  suite: "ckpt",
  dataset: { id: "gaussians8", options: { n: 256 } },
  model: { id: "mlp", options: { hidden: 16, depth: 2 } },
  diffusion: { schedule: "linear", T: 30 },
  clustering: { objective: "none", k: 1, sampler: "uniform" },
  method: { id: "vanilla", options: {} },
  seed: 4,
  train: { steps: 12, batchSize: 24, lr: 2e-3, beta1: 0.9, beta2: 0.999, emaDecay: 0.99 },
  eval: {
    at: [6, 12],
    samples: 40,
    referenceSamples: 40,
    sampler: { kind: "ddim", steps: 3, eta: 0 },
    metrics: ["swd"],
    useEma: true,
  },
  backend: "wasm",
};

Deno.test("trainCheckpoints writes the weights runTraining has at the same steps (evaluation changes nothing)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const r = await runTraining(CONFIG, { checkpointDir: `${dir}/full` });
    assert.equal(r.status, "ok", r.error);
    const progress: number[] = [];
    const written = await trainCheckpoints(CONFIG, [6, 12], `${dir}/pass`, {
      onProgress: (p) => progress.push(p.step),
    });
    assert.deepEqual(written, [`${dir}/pass/step-6`, `${dir}/pass/step-12`]);
    assert.deepEqual(progress, Array.from({ length: 12 }, (_, i) => i + 1));
    for (const s of [6, 12]) {
      const a = await readCheckpointMeta(`${dir}/full/step-${s}`);
      const b = await readCheckpointMeta(`${dir}/pass/step-${s}`);
      assert.equal(b.step, s);
      assert.equal(b.sha256, a.sha256, `weights at step ${s}`);
      assert.deepEqual(b.dataset, a.dataset);
    }
    // A pass that stops early (step 6 only) has the same step-6 weights: nothing depends on the last step.
    await trainCheckpoints(CONFIG, [6], `${dir}/short`);
    assert.equal(
      (await readCheckpointMeta(`${dir}/short/step-6`)).sha256,
      (await readCheckpointMeta(`${dir}/full/step-6`)).sha256,
    );
    await assert.rejects(
      () => trainCheckpoints(CONFIG, [12, 6], `${dir}/x`),
      /steps must ascend within \[1, 12\]/,
    );
    await assert.rejects(
      () => trainCheckpoints(CONFIG, [13], `${dir}/x`),
      /steps must ascend within \[1, 12\]/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
