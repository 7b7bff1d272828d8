import assert from "node:assert/strict";
import { UsageError } from "../runtime/errors.ts";
import type { RunConfig } from "../train/types.ts";
import { canonicalJson, runHash, runId } from "./content_id.ts";
import { expandSuite, planRuns } from "./expand.ts";
import { parseSuiteText } from "./load.ts";
import { defaultRegistries } from "./registries.ts";
import { resolveSuite } from "./validate.ts";
import { parseShard, selectShard } from "./shard.ts";
import { testRegistries } from "./test_registries.ts";
import { EMBEDDED_SUITES } from "../../benchmarks/mod.ts";
import { autoencoderTrained } from "../latent/registry.ts";

const reg = testRegistries();
const base = {
  name: "t",
  datasets: ["moons", { id: "swissroll", options: { n: 50 } }],
  objectives: ["timestep", "snr"],
  k: [2, 4, 5],
  methods: ["uw", { id: "nashmtl", options: { updateEvery: 5 } }, "pcgrad"],
  seeds: 3,
  steps: 100,
  train: { batchSize: 240 }, // a multiple of every k: the stratified sampler splits batches evenly
};

function problemsOf(raw: unknown): string[] {
  try {
    resolveSuite(raw, reg, "suite.json");
  } catch (e) {
    assert.ok(e instanceof UsageError, `expected UsageError, got ${e}`);
    const lines = e.message.split("\n");
    // One problem: "suite.json: <problem>"; several: a header, then one "  - <problem>" line each.
    if (lines.length === 1) return [lines[0].replace(/^suite\.json: /, "")];
    return lines.slice(1).map((l) => l.replace(/^ {2}- /, ""));
  }
  return [];
}

Deno.test("validation: a method typo fails before training, naming the field path, value and allowed ids", () => {
  const p = problemsOf({ ...base, methods: ["uw", "pcgard"] });
  assert.deepEqual(p, ['methods[1]: got "pcgard"; allowed: vanilla | uw | pcgrad | nashmtl']);
});

Deno.test("validation: every problem is listed at once, with nested paths", () => {
  const p = problemsOf({
    ...base,
    name: "Bad Name",
    datasets: ["moons", { id: "swissroll", options: { n: "many" } }],
    k: [1, 4],
    methods: [{ id: "uw", options: { lrr: 1 } }],
    seeds: [0, 0],
    train: { lr: -1, batchSze: 3 },
    eval: { at: [50, 20], metrics: ["fid"], sampler: { kind: "euler" } },
    exclude: [{ method: "adam" }],
    colour: "red",
  });
  const expected = [
    "colour: unknown field",
    'name: got "Bad Name"',
    'datasets[1].options.n: got "many"',
    "k[0]: got 1",
    "methods[0].options.lrr: unknown option",
    "train.batchSze: unknown field",
    "train.lr: got -1",
    "eval.at[1]: got 20",
    'eval.sampler.kind: got "euler"; allowed: ddpm | ddim',
    'eval.metrics[0]: got "fid"; allowed: fd | swd | precision',
    "seeds: 0 listed twice",
    'exclude[0].method: got "adam"',
  ];
  for (const e of expected) {
    assert.ok(p.some((x) => x.startsWith(e)), `missing problem "${e}" in:\n${p.join("\n")}`);
  }
  assert.equal(p.length, expected.length, p.join("\n"));
});

Deno.test("validation: required keys, and the gradient objective needs an affinity matrix", () => {
  const p = problemsOf({ name: "x", objectives: ["gradient"] });
  for (const key of ["datasets", "k", "methods", "seeds", "steps"]) {
    assert.ok(p.includes(`${key}: missing (required)`), key);
  }
  assert.ok(p.some((x) => x.startsWith("affinity: missing")));
});

Deno.test("eval.inception: a model.json path reaches the run config; anything else is a named problem", async () => {
  assert.deepEqual(problemsOf({ ...base, eval: { inception: "weights.bin" } }), [
    'eval.inception: got "weights.bin"; allowed: the path of a tfjs Inception-v3 model.json',
  ]);
  const s = resolveSuite({ ...base, eval: { inception: "data/inception/model.json" } }, reg);
  const runs = await planRuns(s, reg);
  assert.ok(runs.every((r) => r.config.eval.inception === "data/inception/model.json"));
  // Suites without it keep their configs (and so their content ids) unchanged: the key is absent.
  const plain = await planRuns(resolveSuite(base, reg), reg);
  assert.ok(plain.every((r) => !("inception" in r.config.eval)));
});

Deno.test("validation fills defaults and merges component options over factory defaults", () => {
  const s = resolveSuite(base, reg);
  assert.deepEqual(s.datasets, [{ id: "moons", options: { n: 100, seed: 0 } }, {
    id: "swissroll",
    options: { n: 50, seed: 0 },
  }]);
  assert.deepEqual(s.models, [{ id: "mlp", options: { hidden: 16 } }]);
  assert.deepEqual(s.seeds, [0, 1, 2]);
  // Default: 8 evenly spaced evaluation points (round(i · 100 / 8), i = 1..8).
  assert.deepEqual(s.eval.at, [13, 25, 38, 50, 63, 75, 88, 100]);
  assert.equal(s.train.steps, 100);
  assert.deepEqual(resolveSuite({ ...base, eval: { every: 10 } }, reg).eval.at, [
    10,
    20,
    30,
    40,
    50,
    60,
    70,
    80,
    90,
    100,
  ]);
  assert.deepEqual(
    resolveSuite({ ...base, steps: 5 }, reg).eval.at,
    [1, 2, 3, 4, 5],
    "every step of a short run",
  );
  assert.deepEqual(s.verdict, { headline: "fd", alpha: 0.05, margin: 0.05, power: 0.8 });
  assert.equal(s.controls, true);
});

Deno.test("validation: fewer than eval.minPoints (default 8) evaluation points is refused, and can be allowed", () => {
  assert.deepEqual(problemsOf({ ...base, eval: { every: 30 } }), [
    "eval.every: got 30; allowed: an interval of at most 12 steps: 4 evaluation point(s) in 100 steps, and at least " +
    "8 are needed to read convergence and steps-to-target (set eval.minPoints to accept fewer)",
  ]);
  assert.match(
    problemsOf({ ...base, eval: { at: [50, 100] } })[0],
    /^eval\.at: got \[50,100\]; allowed: at least 8 ascending steps: 2 evaluation/,
  );
  assert.deepEqual(resolveSuite({ ...base, eval: { every: 50, minPoints: 2 } }, reg).eval.at, [50, 100]);
  assert.deepEqual(problemsOf({ ...base, eval: { every: 50, minPoints: 0 } }), [
    "eval.minPoints: got 0; allowed: an integer in [1, 100000]",
  ]);
});

Deno.test("validation: eval.headline and verdict settings; neither enters a run config", async () => {
  const s = resolveSuite({
    ...base,
    eval: { metrics: ["fd", "swd"], headline: "swd" },
    verdict: { margin: 0.1 },
  }, reg);
  assert.deepEqual(s.verdict, { headline: "swd", alpha: 0.05, margin: 0.1, power: 0.8 });
  assert.deepEqual(problemsOf({ ...base, eval: { metrics: ["fd"], headline: "swd" } }), [
    'eval.headline: got "swd"; allowed: a metric id of eval.metrics: fd',
  ]);
  const p = problemsOf({ ...base, verdict: { margin: 0, alpha: 0.7, powr: 1 } });
  for (const e of ["verdict.powr: unknown field", "verdict.alpha: got 0.7", "verdict.margin: got 0"]) {
    assert.ok(p.some((x) => x.startsWith(e)), `missing "${e}" in ${p.join("\n")}`);
  }
  assert.match(problemsOf({ ...base, controls: "yes" })[0], /^controls: got "yes"; allowed: true \| false/);
  const ids = (await planRuns(resolveSuite(base, reg), reg)).map((r) => r.id);
  const other = await planRuns(
    resolveSuite({ ...base, eval: { headline: "swd" }, verdict: { margin: 0.2 } }, reg),
    reg,
  );
  assert.deepEqual(other.map((r) => r.id), ids, "report settings do not change content ids");
});

Deno.test("expansion: one matched control (vanilla, stratified sampler) per clustering, before its methods", async () => {
  const s = resolveSuite({
    ...base,
    datasets: ["moons"],
    k: [4],
    objectives: ["timestep", "gradient"],
    affinity: "a.json",
  }, reg);
  const runs = expandSuite(s, reg);
  const key = (r: RunConfig) =>
    `${r.clustering.objective} k=${r.clustering.k} ${r.clustering.sampler} ${r.method.id}`;
  const cells = [...new Set(runs.map(key))];
  assert.deepEqual(cells, [
    "none k=1 uniform vanilla",
    "timestep k=4 stratified vanilla",
    "timestep k=4 stratified uw",
    "timestep k=4 stratified nashmtl",
    "timestep k=4 stratified pcgrad",
    "gradient k=4 stratified vanilla",
    "gradient k=4 stratified uw",
    "gradient k=4 stratified nashmtl",
    "gradient k=4 stratified pcgrad",
  ]);
  const gradControl = runs.filter((r) => r.clustering.objective === "gradient" && r.method.id === "vanilla");
  assert.equal(gradControl.length, 3, "one per seed");
  assert.ok(
    gradControl.every((r) => r.clustering.affinity === "a.json"),
    "the control uses the same affinity file",
  );
  // Off by the suite, or not needed with the uniform sampler (vanilla's loss ignores the clusters then).
  assert.ok(
    !expandSuite(resolveSuite({ ...base, controls: false }, reg), reg).some((r) =>
      r.method.id === "vanilla" && r.clustering.objective !== "none"
    ),
  );
  assert.ok(
    !expandSuite(resolveSuite({ ...base, sampler: "uniform" }, reg), reg).some((r) =>
      r.method.id === "vanilla" && r.clustering.objective !== "none"
    ),
  );
  // A user-listed vanilla is the control, not a second copy (no duplicate content ids).
  const listed = await planRuns(resolveSuite({ ...base, methods: ["vanilla", "uw"] }, reg), reg);
  assert.equal(listed.length, 2 * (3 + 2 * 3 * 2 * 3));
  // Controls can be excluded like any run (method "vanilla" on a clustering).
  const ex = expandSuite(
    resolveSuite({ ...base, exclude: [{ method: "vanilla", objective: "snr" }] }, reg),
    reg,
  );
  assert.ok(!ex.some((r) => r.method.id === "vanilla" && r.clustering.objective === "snr"));
  assert.ok(ex.some((r) => r.method.id === "vanilla" && r.clustering.objective === "timestep"));
});

Deno.test("expansion is the cartesian product minus exclusions, plus one vanilla baseline per dataset/model/seed", () => {
  const s = resolveSuite(base, reg);
  const runs = expandSuite(s, reg);
  // 2 datasets × (3 baseline seeds + 2 objectives × 3 k × (3 methods + 1 matched control) × 3 seeds)
  assert.equal(runs.length, 2 * (3 + 2 * 3 * 4 * 3));
  const baselines = runs.filter((r) => r.clustering.objective === "none");
  assert.equal(baselines.length, 6);
  for (const b of baselines) assert.deepEqual(b.clustering, { objective: "none", k: 1, sampler: "uniform" });

  const ex = resolveSuite({
    ...base,
    exclude: [{ objective: "snr", k: 2 }, { dataset: "swissroll", method: "pcgrad" }, {
      method: "vanilla",
      objective: "none",
      dataset: "moons",
    }],
  }, reg);
  const kept = expandSuite(ex, reg);
  // Removed: snr,k=2 (2 ds × (3 methods + control) × 3 seeds = 24); swissroll pcgrad not already removed
  // (2·3 − 1 = 5 cells × 3 seeds = 15); moons baseline (3).
  assert.equal(kept.length, runs.length - 24 - 15 - 3);
  assert.ok(!kept.some((r) => r.clustering.objective === "snr" && r.clustering.k === 2));
  assert.ok(!kept.some((r) => r.dataset.id === "swissroll" && r.method.id === "pcgrad"));
  assert.equal(kept.filter((r) => r.clustering.objective === "none").length, 3);
  assert.equal(
    expandSuite(resolveSuite({ ...base, baselines: false }, reg), reg).length,
    2 * (54 + 18),
  );
});

Deno.test("content id equals an independent SHA-256 of canonical JSON (Python oracle) and ignores key order", async () => {
  const config = JSON.parse(
    await Deno.readTextFile(new URL("../../fixtures/suite/run_config.json", import.meta.url)),
  );
  const oracle = JSON.parse(
    await Deno.readTextFile(new URL("../../fixtures/suite/content_id_oracle.json", import.meta.url)),
  );
  assert.equal(await runHash(config, "0.1.0"), oracle["0.1.0"]);
  assert.equal(await runHash(config, "0.2.0"), oracle["0.2.0"]);
  assert.equal(await runId(config, "0.1.0"), oracle["0.1.0"].slice(0, 16));
  const reversed = JSON.parse(JSON.stringify(config), function (_k, v) {
    return v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).reverse())
      : v;
  });
  assert.notEqual(JSON.stringify(reversed), JSON.stringify(config));
  assert.equal(await runHash(reversed, "0.1.0"), oracle["0.1.0"]);
  assert.throws(() => canonicalJson({ a: NaN }), RangeError);
});

/** Every leaf path of a JSON value. */
function leaves(v: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(v)) return [path, ...v.flatMap((x, i) => leaves(x, [...path, i]))];
  if (v && typeof v === "object") return Object.entries(v).flatMap(([k, x]) => leaves(x, [...path, k]));
  return [path];
}

function mutate(root: unknown, path: (string | number)[]): unknown {
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let obj = copy as Record<string | number, unknown>;
  for (const p of path.slice(0, -1)) obj = obj[p] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  const v = obj[last];
  if (Array.isArray(v)) obj[last] = [...v, v[0]];
  else if (typeof v === "number") obj[last] = v + 1;
  else if (typeof v === "string") obj[last] = v + "x";
  else if (typeof v === "boolean") obj[last] = !v;
  return copy;
}

Deno.test("content id changes when any single config field changes", async () => {
  const config: RunConfig = JSON.parse(
    await Deno.readTextFile(new URL("../../fixtures/suite/run_config.json", import.meta.url)),
  );
  const id0 = await runId(config);
  const paths = leaves(config).filter((p) => p.length > 0);
  assert.ok(paths.length >= 30, `only ${paths.length} fields`);
  const ids = new Set([id0]);
  for (const p of paths) {
    const id = await runId(mutate(config, p) as RunConfig);
    assert.notEqual(id, id0, `changing ${p.join(".")} kept the id`);
    ids.add(id);
  }
  assert.equal(ids.size, paths.length + 1);
  assert.notEqual(await runId(config, "9.9.9"), id0, "the antbench version is part of the id");
});

Deno.test("sharding partitions the runs exactly and evenly, independent of input order", async () => {
  const runs = await planRuns(resolveSuite(base, reg), reg);
  for (const n of [1, 2, 3, 7, 200]) {
    const shards = Array.from({ length: n }, (_, i) => selectShard(runs, { index: i, count: n }));
    const all = shards.flat().map((r) => r.id).sort();
    assert.deepEqual(all, runs.map((r) => r.id).sort(), `n=${n} is not a partition`);
    const sizes = shards.map((s) => s.length);
    assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `n=${n} sizes ${sizes}`);
    const reversed = selectShard([...runs].reverse(), { index: 0, count: n });
    assert.deepEqual(reversed.map((r) => r.id), shards[0].map((r) => r.id));
  }
  assert.deepEqual(parseShard("2/5"), { index: 2, count: 5 });
  for (const bad of ["5/5", "1/0", "a/b", "1", "-1/3"]) {
    assert.throws(
      () => parseShard(bad),
      (e: Error) => e instanceof UsageError && e.message.startsWith("--shard: got"),
    );
  }
});

Deno.test("YAML and JSON suite files parse to the same suite", () => {
  const yaml =
    "name: t\ndatasets: [moons]\nobjectives: [timestep]\nk: [4]\nmethods:\n  - uw\n  - id: nashmtl\n    options: {updateEvery: 5}\nseeds: 2\nsteps: 10\n";
  const json = JSON.stringify({
    name: "t",
    datasets: ["moons"],
    objectives: ["timestep"],
    k: [4],
    methods: ["uw", { id: "nashmtl", options: { updateEvery: 5 } }],
    seeds: 2,
    steps: 10,
  });
  assert.deepEqual(
    resolveSuite(parseSuiteText(yaml, "s.yaml"), reg),
    resolveSuite(parseSuiteText(json, "s.json"), reg),
  );
  assert.throws(() => parseSuiteText("{", "s.json"), /s\.json: not valid JSON/);
});

Deno.test("embedded suites validate against the project registries", async () => {
  for (const [name, spec] of Object.entries(EMBEDDED_SUITES)) {
    const s = resolveSuite(spec, defaultRegistries(), name);
    assert.equal(s.name, name);
    if (s.latent && !autoencoderTrained(s.latent.autoencoder)) {
      // A GPU machine's autoencoder (paper-ffhq-ldm): the suite validates; planning asks for the weights.
      await assert.rejects(planRuns(s, defaultRegistries()), /has no trained weights at .*train it on a GPU/);
      continue;
    }
    const runs = await planRuns(s, defaultRegistries());
    assert.ok(runs.length > 0);
  }
});

Deno.test("eval.floorResamples: default 20, validated; nll needs a dataset with an exact density", () => {
  assert.equal(resolveSuite(base, reg).eval.floorResamples, 20);
  assert.equal(resolveSuite({ ...base, eval: { floorResamples: 0 } }, reg).eval.floorResamples, 0);
  assert.deepEqual(problemsOf({ ...base, eval: { floorResamples: -1 } }), [
    "eval.floorResamples: got -1; allowed: an integer in [0, 1000]",
  ]);
  const real = defaultRegistries();
  const density = { ...base, datasets: ["gaussians8", "swissroll"], eval: { metrics: ["nll", "mmd"] } };
  assert.throws(
    () => resolveSuite(density, real),
    (e) =>
      e instanceof UsageError &&
      /eval\.metrics: "nll" on dataset "swissroll": the dataset has no exact density; allowed datasets: gaussians8, checkerboard/
        .test(e.message) &&
      !/on dataset "gaussians8"/.test(e.message),
  );
});
