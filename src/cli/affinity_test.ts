import assert from "node:assert/strict";
import { capture } from "./testing.ts";
import { initBackend } from "../runtime/backend.ts";
import { runTraining } from "../train/run.ts";
import type { RunConfig } from "../train/types.ts";
import { affinityCommand, measurementDataset } from "./affinity.ts";
import { getDatasetFactory } from "../data/registry.ts";
import { clusterCommand } from "./cluster.ts";
import { readAffinity } from "../clustering/affinity_io.ts";
import { getObjective } from "../clustering/registry.ts";
import { UsageError } from "../runtime/errors.ts";

await initBackend("wasm");

const CONFIG: RunConfig = {
  suite: "test",
  dataset: { id: "gaussians8", options: {} },
  model: { id: "mlp", options: { hidden: 32, depth: 2 } },
  diffusion: { schedule: "linear", T: 40 },
  clustering: { objective: "none", k: 1, sampler: "uniform" },
  method: { id: "vanilla", options: {} },
  seed: 1,
  train: { steps: 30, batchSize: 64, lr: 2e-3, beta1: 0.9, beta2: 0.999, emaDecay: 0 },
  eval: {
    at: [15, 30],
    samples: 64,
    referenceSamples: 64,
    sampler: { kind: "ddim", steps: 5, eta: 0 },
    metrics: ["swd"],
    useEma: false,
  },
  backend: "wasm",
};

Deno.test("affinity end to end: training checkpoints -> cli affinity -> cli cluster --objective gradient", async () => {
  const dir = await Deno.makeTempDir();
  const run = await runTraining(CONFIG, { checkpointDir: `${dir}/ckpt` });
  assert.equal(run.status, "ok", run.error);
  const prefix = `${dir}/aff`;
  const args = [
    ...["--checkpoint", `${dir}/ckpt/step-15`, "--checkpoint", `${dir}/ckpt/step-30`],
    ...["--dataset", "gaussians8", "--subset", "96", "--batch", "48", "--grid", "3", "--k", "3"],
    ...["--out", prefix, "--backend", "wasm", "--json"],
  ];
  const a = await capture(() => affinityCommand.run(args));
  assert.equal(a.code, 0);
  assert.equal(a.out.length, 1);
  const summary = JSON.parse(a.out[0]);
  assert.equal(summary.T, 40);
  assert.equal(summary.grid, 14); // 0, 3, ..., 39
  assert.deepEqual(summary.modes, ["exact", "exact"]);

  const m = await readAffinity(`${prefix}.npy`, 40);
  const T = 40;
  for (let x = 0; x < T; x++) {
    assert.equal(m.data[x * T + x], 1);
    for (let y = 0; y < T; y++) assert.equal(m.data[x * T + y], m.data[y * T + x]);
  }
  const fromJson = await readAffinity(`${prefix}.json`, 40);
  assert.deepEqual(fromJson.data, m.data);

  // The cluster CLI on the written matrix gives the same intervals as the affinity command's --k.
  const c = await capture(() =>
    clusterCommand.run(["--objective", "gradient", "--k", "3", "--affinity", `${prefix}.npy`, "--json"])
  );
  const res = JSON.parse(c.out[0]);
  assert.deepEqual(res.intervals, summary.intervals);
  // And it is optimal: brute force over all C(39, 2) = 741 partitions of the measured matrix.
  const cost = getObjective("gradient").cost({ T, affinity: m });
  let best = Infinity;
  for (let i = 0; i < T - 2; i++) {
    for (let j = i + 1; j < T - 1; j++) {
      best = Math.min(best, cost(0, i) + cost(i + 1, j) + cost(j + 1, T - 1));
    }
  }
  assert.ok(Math.abs(res.cost - best) < 1e-9, `${res.cost} vs ${best}`);
  assert.ok((await Deno.readTextFile(`${prefix}.svg`)).includes("data:image/png;base64,"));

  await assert.rejects(
    () =>
      affinityCommand.run([
        "--checkpoint",
        `${dir}/ckpt/step-15`,
        "--dataset",
        "moons",
        "--subset",
        "10000000",
      ]),
    (e) => e instanceof UsageError && /--subset: got 10000000/.test(e.message),
  );
  await assert.rejects(() => affinityCommand.run(["--dataset", "moons"]), /--checkpoint: got nothing/);
  await assert.rejects(
    () => affinityCommand.run(["--checkpoint", `${dir}/nope`, "--dataset", "moons"]),
    /model.json not found/,
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("measurementDataset: recorded data by default, its options for the same id, defaults for another", () => {
  const rec = { id: "gaussians8", options: { n: 64, seed: 3, noise: 0.02 } };
  assert.deepEqual(measurementDataset(undefined, rec), {
    id: "gaussians8",
    options: { n: 64, seed: 3, noise: 0.02 },
    source: "recorded in the checkpoints",
  });
  assert.deepEqual(measurementDataset("gaussians8", rec).options, { n: 64, seed: 3, noise: 0.02 });
  const other = measurementDataset("moons", rec);
  assert.equal(other.id, "moons");
  assert.deepEqual(other.options, getDatasetFactory("moons").defaults);
  assert.match(other.source, /trained on gaussians8/);
  assert.throws(() => measurementDataset(undefined, undefined), /--dataset: got nothing.*predate/s);
  assert.throws(() => measurementDataset("nope", rec), /--dataset: unknown dataset "nope"/);
});

Deno.test("affinity measures on the checkpoints' own training data (non-default options) without --dataset", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const config: RunConfig = {
      ...CONFIG,
      dataset: { id: "gaussians8", options: { n: 64 } },
      train: { ...CONFIG.train, steps: 15, batchSize: 32 },
      eval: { ...CONFIG.eval, at: [15] },
    };
    const run = await runTraining(config, { checkpointDir: `${dir}/ckpt` });
    assert.equal(run.status, "ok", run.error);
    const ckpt = `${dir}/ckpt/step-15`;
    const meta = JSON.parse(await Deno.readTextFile(`${ckpt}/model.json`));
    assert.deepEqual(meta.dataset, {
      id: "gaussians8",
      options: { ...getDatasetFactory("gaussians8").defaults as Record<string, unknown>, n: 64 },
    });
    // The training set has 64 points, not the default 8192: a 96-point subset must be refused.
    await assert.rejects(
      () => affinityCommand.run(["--checkpoint", ckpt, "--subset", "96", "--backend", "wasm"]),
      (e) => e instanceof UsageError && /--subset: got 96.*at most 64/.test(e.message),
    );
    const out = `${dir}/aff`;
    const a = await capture(() =>
      affinityCommand.run([
        ...["--checkpoint", ckpt, "--subset", "48", "--batch", "48", "--grid", "13"],
        ...["--out", out, "--backend", "wasm", "--json"],
      ])
    );
    assert.equal(a.code, 0);
    const written = JSON.parse(await Deno.readTextFile(`${out}.json`));
    assert.equal(written.dataset, "gaussians8");
    assert.deepEqual(written.datasetOptions, meta.dataset.options);

    // A checkpoint written before the field existed: --dataset is required; mixing it with a recorded one
    // is refused, naming both.
    const old = `${dir}/old`;
    await Deno.mkdir(old);
    await Deno.copyFile(`${ckpt}/weights.bin`, `${old}/weights.bin`);
    const { dataset: _dropped, ...oldMeta } = meta;
    await Deno.writeTextFile(`${old}/model.json`, JSON.stringify(oldMeta));
    await assert.rejects(
      () => affinityCommand.run(["--checkpoint", old, "--backend", "wasm"]),
      /--dataset: got nothing.*predate/s,
    );
    await assert.rejects(
      () => affinityCommand.run(["--checkpoint", ckpt, "--checkpoint", old, "--backend", "wasm"]),
      (e) => e instanceof UsageError && /--checkpoint .*old: dataset: got "not recorded"/.test(e.message),
    );
    // A malformed dataset entry is a named problem of model.json.
    await Deno.writeTextFile(`${old}/model.json`, JSON.stringify({ ...oldMeta, dataset: { id: 3 } }));
    await assert.rejects(
      () => affinityCommand.run(["--checkpoint", old, "--dataset", "gaussians8", "--backend", "wasm"]),
      /dataset: got \{"id":3\}/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
