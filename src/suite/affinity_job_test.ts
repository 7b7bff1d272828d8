import assert from "node:assert/strict";
import { initBackend } from "../runtime/backend.ts";
import { runTraining } from "../train/run.ts";
import { readCheckpointMeta } from "../models/checkpoint.ts";
import { capture } from "../cli/testing.ts";
import { affinityCommand } from "../cli/affinity.ts";
import { readAffinity } from "../clustering/affinity_io.ts";
import { resolveSuite } from "./validate.ts";
import { defaultRegistries } from "./registries.ts";
import { planSuite } from "./expand.ts";
import { computeAffinityJob } from "./affinity_job.ts";
import { affinityPaths } from "./affinity_source.ts";
import { runAffinityPhase } from "./affinity_phase.ts";
import { runDir } from "./store.ts";

await initBackend("wasm");

const reg = defaultRegistries();
const SUITE = {
  name: "affjob",
  backend: "wasm",
  datasets: [{ id: "gaussians8", options: { n: 256 } }],
  model: { id: "mlp", options: { hidden: 16, depth: 2 } },
  objectives: ["gradient"],
  k: [3],
  methods: ["uw"],
  seeds: [4],
  steps: 12,
  T: 30,
  train: { batchSize: 24, lr: 2e-3 },
  eval: {
    at: [6, 12],
    minPoints: 2,
    samples: 40,
    referenceSamples: 40,
    sampler: { steps: 3 },
    metrics: ["swd"],
  },
  affinity: { from: "vanilla", checkpoints: [6, 12], grid: 4, subset: 48, batch: 20 },
};

Deno.test("an affinity job equals `cli affinity --seed s` on the seed's vanilla checkpoints, and is reproducible", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const suite = resolveSuite(SUITE, reg);
    const [job] = (await planSuite(suite, reg, { outDir: dir })).affinity;
    const progress: string[] = [];
    const s = await computeAffinityJob(job, { onProgress: (p) => progress.push(p.phase) });
    assert.equal(s.checkpoints, "trained");
    assert.equal(s.gradients, 2 * 9); // grid 0, 4, ..., 28, 29 at two checkpoints
    assert.ok(progress.includes("train") && progress.includes("measure"));
    const paths = affinityPaths(job);
    const text = await Deno.readTextFile(paths.json);
    const stored = JSON.parse(text);
    assert.equal(stored.source.key, job.key);
    assert.equal(stored.source.vanillaRun, job.vanilla.id);
    assert.equal(stored.matrix, undefined, "grid form only");
    assert.ok((await Deno.readTextFile(paths.svg)).includes("data:image/png;base64,"));
    assert.equal(JSON.parse(await Deno.readTextFile(paths.timing)).key, job.key);
    // The trained checkpoints are removed once the matrix is written.
    await assert.rejects(() => Deno.stat(paths.checkpoints), Deno.errors.NotFound);

    // Oracle: the vanilla run's own checkpoints through the affinity CLI with the same settings.
    const run = await runTraining(job.vanilla.config, { checkpointDir: `${dir}/ckpt` });
    assert.equal(run.status, "ok", run.error);
    const cli = await capture(() =>
      affinityCommand.run([
        ...["--checkpoint", `${dir}/ckpt/step-6`, "--checkpoint", `${dir}/ckpt/step-12`],
        ...["--subset", "48", "--batch", "20", "--grid", "4", "--seed", "4", "--mode", "auto"],
        ...["--out", `${dir}/cli`, "--backend", "wasm", "--json"],
      ])
    );
    assert.equal(cli.code, 0);
    const want = await readAffinity(`${dir}/cli.npy`, 30);
    const got = await readAffinity(paths.json, 30);
    assert.deepEqual(got.data, want.data);
    assert.deepEqual(stored.checkpoints.map((c: { sha256: string }) => c.sha256), [
      (await readCheckpointMeta(`${dir}/ckpt/step-6`)).sha256,
      (await readCheckpointMeta(`${dir}/ckpt/step-12`)).sha256,
    ]);

    // Reusing the vanilla run's stored checkpoints (bench --checkpoints) gives the same bytes.
    await Deno.mkdir(runDir(dir, job.vanilla.id), { recursive: true });
    await Deno.rename(`${dir}/ckpt`, `${runDir(dir, job.vanilla.id)}/checkpoint`);
    await Deno.remove(paths.json);
    const again = await computeAffinityJob(job);
    assert.equal(again.checkpoints, "vanilla run");
    assert.equal(await Deno.readTextFile(paths.json), text);

    // Phase 1 skips a job whose matrix exists; the suite's gradient runs are then planned.
    const phase = await runAffinityPhase([job], { executor: () => Promise.reject(new Error("not again")) });
    assert.equal(phase.skipped, 1);
    assert.equal(phase.executed, 0);
    const plan = await planSuite(suite, reg, { outDir: dir });
    assert.equal(plan.pending.length, 0);
    assert.equal(plan.runs.filter((r) => r.config.clustering.affinity === paths.json).length, 2);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
