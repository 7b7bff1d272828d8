import assert from "node:assert/strict";
import { UsageError } from "../runtime/errors.ts";
import { resolveSuite } from "./validate.ts";
import { testRegistries } from "./test_registries.ts";
import { expandSuite, planSuite } from "./expand.ts";
import { runId } from "./content_id.ts";
import { affinityDone, affinityPaths, affinitySourceLabel, isAffinitySource } from "./affinity_source.ts";
import { AFFINITY_FORMAT, readAffinity } from "../clustering/affinity_io.ts";
import { interpolateAffinity } from "../clustering/affinity.ts";
import { aggregate } from "../report/aggregate.ts";
import { affinityMarkdown } from "../report/affinity_section.ts";
import { runSuite } from "./runner.ts";
import { syntheticExecutor } from "./synthetic_executor.ts";
import { readAllResults } from "./store.ts";

const reg = testRegistries();
const base = {
  name: "src",
  datasets: ["moons"],
  objectives: ["timestep", "gradient"],
  k: [2, 4],
  methods: ["uw"],
  seeds: 2,
  steps: 40,
  T: 20,
  eval: { every: 5, metrics: ["fd"] },
  affinity: { from: "vanilla", checkpoints: [20, 40], grid: 4, subset: 64 },
};

function problemsOf(raw: unknown): string[] {
  try {
    resolveSuite(raw, reg, "suite.json");
  } catch (e) {
    assert.ok(e instanceof UsageError, `expected UsageError, got ${e}`);
    const lines = e.message.split("\n");
    if (lines.length === 1) return [lines[0].replace(/^suite\.json: /, "")];
    return lines.slice(1).map((l) => l.replace(/^ {2}- /, ""));
  }
  return [];
}

Deno.test("affinity source: resolved with defaults; its label is the same for every seed", () => {
  const s = resolveSuite(base, reg);
  assert.ok(isAffinitySource(s.affinity));
  assert.deepEqual(s.affinity, {
    from: "vanilla",
    checkpoints: [20, 40],
    grid: 4,
    subset: 64,
    batch: 250,
    mode: "auto",
    sketchDim: 4096,
  });
  assert.equal(
    affinitySourceLabel(s.affinity),
    "vanilla checkpoints 20,40; grid 4; subset 64; batch 250; mode auto; sketch 4096",
  );
});

Deno.test("affinity source: every bad field is named up front, with the value and what is allowed", () => {
  const p = problemsOf({
    ...base,
    affinity: { from: "uniform", checkpoints: [30, 20, 41], grid: 20, subset: 0, mode: "fast", colour: 1 },
  });
  const expected = [
    "affinity.colour: unknown field",
    'affinity.from: got "uniform"; allowed: "vanilla"',
    "affinity.checkpoints[2]: got 41; allowed: a training step in [1, steps = 40]",
    "affinity.checkpoints[1]: got 20; allowed: a step greater than affinity.checkpoints[0] = 30",
    "affinity.grid: got 20; allowed: an integer in [1, 19]",
    "affinity.subset: got 0; allowed: an integer in [1, 10000000]",
    'affinity.mode: got "fast"; allowed: auto | exact | sketch',
  ];
  for (const e of expected) assert.ok(p.some((x) => x.startsWith(e)), `missing "${e}" in:\n${p.join("\n")}`);
  assert.equal(p.length, expected.length, p.join("\n"));
  assert.deepEqual(problemsOf({ ...base, affinity: { from: "vanilla" } }), [
    "affinity.checkpoints: missing (required: the training steps to measure)",
  ]);
  assert.deepEqual(problemsOf({ ...base, affinity: { from: "vanilla", checkpoints: [] } }), [
    "affinity.checkpoints: got []; allowed: a non-empty list",
  ]);
  assert.deepEqual(problemsOf({ ...base, objectives: ["timestep"] }), [
    'affinity: a source is given but objectives has no "gradient" (nothing would use the matrices)',
  ]);
  assert.match(problemsOf({ ...base, affinity: 3 })[0], /^affinity: got 3; allowed: a path .* or a source/);
});

Deno.test("affinity source: gradient runs wait for their seed's matrix; one job per dataset, model and seed", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const suite = resolveSuite({ ...base, datasets: ["moons", "swissroll"] }, reg);
    const configs = expandSuite(suite, reg);
    const grad = configs.filter((c) => c.clustering.objective === "gradient");
    // 2 datasets x 2 k x (control + uw) x 2 seeds.
    assert.equal(grad.length, 16);
    for (const c of grad) {
      assert.equal(c.clustering.affinity, undefined);
      assert.equal(c.clustering.affinitySource, affinitySourceLabel(suite.affinity as never));
    }
    const plan = await planSuite(suite, reg, { outDir: dir });
    assert.equal(plan.pending.length, 16);
    assert.equal(plan.runs.length, configs.length - 16);
    assert.equal(plan.affinity.length, 4);
    assert.equal(new Set(plan.affinity.map((j) => j.key)).size, 4);
    // The job measures exactly the baseline run of its seed.
    for (const j of plan.affinity) {
      const base = plan.runs.find((r) =>
        r.config.clustering.objective === "none" && r.config.seed === j.seed &&
        r.config.dataset.id === j.vanilla.config.dataset.id
      );
      assert.ok(base);
      assert.equal(j.vanilla.id, base.id);
      assert.equal(j.vanilla.id, await runId(j.vanilla.config));
    }
    // Keys are content addresses: the same plan twice gives the same keys; another grid another key.
    const again = await planSuite(suite, reg, { outDir: dir });
    assert.deepEqual(again.affinity.map((j) => j.key), plan.affinity.map((j) => j.key));
    const coarse = await planSuite(
      resolveSuite(
        { ...base, datasets: ["moons", "swissroll"], affinity: { ...base.affinity, grid: 5 } },
        reg,
      ),
      reg,
      { outDir: dir },
    );
    assert.equal(coarse.affinity.filter((j) => plan.affinity.some((p) => p.key === j.key)).length, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** A valid grid-form matrix file for a job (what affinity_job.ts writes, with made-up numbers). */
async function writeMatrix(outDir: string, key: string, a: number): Promise<void> {
  const grid = [0, 4, 8, 12, 16, 19];
  const m = grid.length;
  const gm = Array.from(
    { length: m },
    (_, i) => Array.from({ length: m }, (_, j) => (i === j ? 1 : a ** Math.abs(i - j))),
  );
  await Deno.mkdir(`${outDir}/affinity`, { recursive: true });
  await Deno.writeTextFile(
    affinityPaths({ outDir, key }).json,
    JSON.stringify({
      format: AFFINITY_FORMAT,
      T: 20,
      schedule: "linear",
      source: { key },
      grid,
      gridMatrix: gm,
    }),
  );
}

Deno.test("affinity source: once the matrices exist the gradient runs get them, their bytes in the run ids", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const suite = resolveSuite(base, reg);
    const before = await planSuite(suite, reg, { outDir: dir });
    assert.equal(before.pending.length, 8);
    for (const [i, j] of before.affinity.entries()) await writeMatrix(dir, j.key, 0.5 + 0.1 * i);
    for (const j of before.affinity) assert.ok(await affinityDone(j));
    const after = await planSuite(suite, reg, { outDir: dir });
    assert.equal(after.pending.length, 0);
    assert.equal(after.runs.length, before.runs.length + 8);
    const grad = after.runs.filter((r) => r.config.clustering.objective === "gradient");
    for (const r of grad) {
      const job = before.affinity.find((j) => j.seed === r.config.seed)!;
      assert.equal(r.config.clustering.affinity, affinityPaths(job).json);
      assert.match(r.config.clustering.affinitySha256 ?? "", /^[0-9a-f]{64}$/);
    }
    // The grid form reads back as the interpolated T x T matrix.
    const m = await readAffinity(affinityPaths(before.affinity[0]).json, 20);
    const grid = Int32Array.from([0, 4, 8, 12, 16, 19]);
    const gm = Float64Array.from({ length: 36 }, (_, q) => {
      const [i, j] = [Math.floor(q / 6), q % 6];
      return i === j ? 1 : 0.5 ** Math.abs(i - j);
    });
    assert.deepEqual(m.data, interpolateAffinity(grid, gm, 20).data);
    // Same bytes, same ids; one changed number, new ids for that seed's gradient runs only.
    const ids = new Set((await planSuite(suite, reg, { outDir: dir })).runs.map((r) => r.id));
    assert.deepEqual(ids, new Set(after.runs.map((r) => r.id)));
    await writeMatrix(dir, before.affinity[0].key, 0.55);
    const changed = await planSuite(suite, reg, { outDir: dir });
    const moved = changed.runs.filter((r) => !ids.has(r.id));
    assert.equal(moved.length, 4);
    for (const r of moved) {
      assert.equal(r.config.clustering.objective, "gradient");
      assert.equal(r.config.seed, before.affinity[0].seed);
    }
    // A file that is not the job's (another key inside) does not count as its matrix.
    await Deno.writeTextFile(
      affinityPaths(before.affinity[1]).json,
      JSON.stringify({ format: AFFINITY_FORMAT, source: { key: "0000" } }),
    );
    assert.equal((await planSuite(suite, reg, { outDir: dir })).pending.length, 4);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("affinity source: the report keeps one row per clustering over seeds and lists each seed's matrix", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const suite = resolveSuite(base, reg);
    const before = await planSuite(suite, reg, { outDir: dir });
    for (const [i, j] of before.affinity.entries()) await writeMatrix(dir, j.key, 0.5 + 0.1 * i);
    const { runs } = await planSuite(suite, reg, { outDir: dir });
    await runSuite(runs, { outDir: dir, executor: syntheticExecutor(), suite });
    const [g] = aggregate(await readAllResults(dir));
    const gradRows = g.rows.filter((r) => r.objective === "gradient");
    // 2 k x (control + uw), each over both seeds, with the uw rows paired with their control.
    assert.equal(gradRows.length, 4);
    for (const r of gradRows) assert.deepEqual(r.runs.map((x) => x.config.seed), [0, 1]);
    for (const r of gradRows.filter((r) => r.role === "method")) {
      assert.equal(r.controlLabel, `gradient k=${r.k} vanilla (stratified control)`);
    }
    const md = affinityMarkdown(g);
    for (const j of before.affinity) {
      assert.ok(
        md.includes(`| ${j.seed} | [${j.key}.json](affinity/${j.key}.json) | [svg](affinity/${j.key}.svg) |`),
        md,
      );
    }
    assert.match(md, /\| seed \| matrix \| heatmap \| clusters k=2 \| clusters k=4 \|/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
