import assert from "node:assert/strict";
import { resolveSuite } from "../suite/validate.ts";
import { defaultRegistries } from "../suite/registries.ts";
import { analyseTransferGap, planTransferGap, type TransferGapOptions } from "./transfer_gap.ts";
import { transferGapMarkdown } from "./transfer_gap_report.ts";
import type { RunResult } from "../train/types.ts";
import { canonicalJson } from "../suite/content_id.ts";

const suite = resolveSuite({
  name: "tg",
  datasets: ["digits8"],
  model: { id: "unet", options: { channels: 8, channelMult: [1, 2], groups: 4 } },
  objectives: ["timestep"],
  k: [5],
  methods: ["uw"],
  seeds: 1,
  steps: 40,
  train: { batchSize: 20 },
  eval: { samples: 50, referenceSamples: 60 },
}, defaultRegistries());

const OPTIONS: TransferGapOptions = {
  objective: "timestep",
  k: 3,
  seeds: [0, 1, 2],
  steps: 30,
  at: [15, 30],
  n: 60,
  draws: 2,
};

Deno.test("transfer gap plan: per seed a generalist and k specialists that differ only in train.timesteps", async () => {
  const { intervals, spec, runs } = await planTransferGap(suite, OPTIONS);
  // The timestep objective's optimum for T = 1000, k = 3: near-equal widths.
  assert.deepEqual(intervals, [[0, 332], [333, 665], [666, 999]]);
  assert.deepEqual(spec, { intervals, n: 60, draws: 2, seed: 0 });
  assert.equal(runs.length, 3 * 4);
  assert.equal(new Set(runs.map((r) => r.id)).size, runs.length);
  for (const seed of [0, 1, 2]) {
    const g = runs.find((r) => r.role === "generalist" && r.config.seed === seed)!;
    assert.equal(g.config.train.timesteps, undefined);
    assert.deepEqual(g.config.clustering, { objective: "none", k: 1, sampler: "uniform" });
    assert.deepEqual(g.config.eval.metrics, []);
    assert.deepEqual(g.config.eval.intervalLoss, spec);
    assert.equal(g.config.train.steps, 30);
    for (let i = 0; i < 3; i++) {
      const s = runs.find((r) => r.interval === i && r.config.seed === seed)!;
      assert.deepEqual(s.config.train.timesteps, intervals[i]);
      const { timesteps: _t, ...rest } = s.config.train;
      assert.equal(canonicalJson({ ...s.config, train: rest }), canonicalJson(g.config));
    }
  }
  // The budget-matched specialists: round(30 · width / 1000) steps, evaluation points scaled alike.
  const m = await planTransferGap(suite, { ...OPTIONS, matched: true });
  const matched = m.runs.filter((r) => r.role === "matched");
  assert.equal(matched.length, 9);
  assert.deepEqual(matched.slice(0, 3).map((r) => [r.config.train.steps, r.config.eval.at]), [
    [10, [5, 10]], // 333 timesteps: 30 · 333/1000 = 9.99
    [10, [5, 10]],
    [10, [5, 10]], // 334
  ]);
  assert.deepEqual(matched[0].config.train.timesteps, intervals[0]);
  // The other runs keep their ids.
  assert.deepEqual(m.runs.filter((r) => r.role !== "matched").map((r) => r.id), runs.map((r) => r.id));
  const two = { ...suite, datasets: [...suite.datasets, { id: "moons", options: {} }] };
  await assert.rejects(planTransferGap(two, OPTIONS), /exactly one of each/);
});

function result(id: string, finals: number[], early: number[]): RunResult {
  return {
    schema: "antbench.run/1",
    id,
    status: "ok",
    config: {} as RunResult["config"],
    clusters: [],
    curve: [
      { step: 15, metrics: {}, trainLoss: 1, intervalLoss: early },
      { step: 30, metrics: {}, trainLoss: 1, intervalLoss: finals },
    ],
    final: {},
    loss: { every: 1, values: [] },
    method: {},
    paramCount: 1,
    timing: { totalSeconds: 0, trainSeconds: 0, evalSeconds: 0, msPerStep: 0 },
    environment: {},
  };
}

Deno.test("transfer gap analysis: NTG = specialist − generalist per seed, t-intervals, verdicts, matrix", async () => {
  const { intervals, runs } = await planTransferGap(suite, OPTIONS);
  // Generalist losses per seed; the specialists' own-interval gaps d are chosen:
  // interval 0: d = [-0.1, -0.2, -0.15] (negative transfer), 1: [0.1, -0.1, 0.05] (inconclusive),
  // 2: [0.2, 0.25, 0.3] (positive transfer).
  const G = [[1, 0.5, 0.2], [1.1, 0.6, 0.3], [0.9, 0.4, 0.1]];
  const D = [[-0.1, 0.1, 0.2], [-0.2, -0.1, 0.25], [-0.15, 0.05, 0.3]];
  const results = new Map<string, RunResult>();
  for (const r of runs) {
    const s = r.config.seed;
    const finals = r.role === "generalist"
      ? G[s]
      : G[s].map((g, j) => j === r.interval ? g + D[s][j] : g + 1);
    results.set(r.id, result(r.id, finals, finals.map((x) => x + 1)));
  }
  const rep = analyseTransferGap(intervals, runs, results);
  const t975df2 = 4.302652729749464; // scipy.stats.t.ppf(0.975, 2)
  const half = (sd: number) => t975df2 * sd / Math.sqrt(3);
  const g0 = rep.gaps[0];
  assert.ok(Math.abs(g0.ntg.mean + 0.15) < 1e-12);
  assert.ok(Math.abs(g0.ntg.hi - (-0.15 + half(0.05))) < 1e-9);
  assert.deepEqual(g0.ntg.values.map((x) => Number(x.toFixed(12))), [-0.1, -0.2, -0.15]);
  assert.deepEqual(rep.gaps.map((g) => g.verdict), [
    "negative transfer",
    "inconclusive",
    "positive transfer",
  ]);
  assert.ok(Math.abs(g0.relative.mean - (-0.1 / 1 - 0.2 / 1.1 - 0.15 / 0.9) / 3) < 1e-12);
  // Holm over the three paired t-tests.
  assert.ok(rep.gaps.every((g) => g.pHolm >= g.p));
  // The matrix: specialist i on interval j (off-diagonal: G + 1), last row the generalist.
  assert.ok(Math.abs(rep.matrix[0][1] - 1.5) < 1e-12);
  assert.ok(Math.abs(rep.matrix[3][2] - 0.2) < 1e-12);
  // Over training: the early point has the same gaps (all losses + 1).
  assert.deepEqual(rep.overTraining.map((p) => p.step), [15, 30]);
  assert.ok(Math.abs(rep.overTraining[0].ntg[0].mean + 0.15) < 1e-12);
  const md = transferGapMarkdown(rep, {
    suite: "tg",
    dataset: "digits8",
    model: "unet",
    paramCount: 10,
    objective: "timestep",
    n: 60,
    draws: 2,
    useEma: true,
    batchSize: 20,
    lr: 0.001,
    command: "deno task cli transfer-gap tg",
  });
  assert.match(md, /Negative transfer .* on \[0, 332\]/);
  assert.match(md, /Positive transfer .* on \[666, 999\]/);
  assert.match(md, /Inconclusive at this power .* on \[333, 665\]/);
  assert.equal(rep.matched, undefined);
  // With matched specialists (their own-interval gaps d' = D / 2): their own section.
  const withM = await planTransferGap(suite, { ...OPTIONS, matched: true });
  for (const r of withM.runs.filter((x) => x.role === "matched")) {
    const s = r.config.seed;
    const finals = G[s].map((g, j) => j === r.interval ? g + D[s][j] / 2 : g + 1);
    results.set(r.id, result(r.id, finals, finals));
  }
  const repM = analyseTransferGap(intervals, withM.runs, results);
  assert.deepEqual(repM.matched!.steps, [10, 10, 10]);
  assert.ok(Math.abs(repM.matched!.gaps[0].ntg.mean + 0.075) < 1e-12);
  assert.deepEqual(repM.gaps, rep.gaps);
  // A missing run is an error naming it.
  results.delete(runs[1].id);
  assert.throws(
    () => analyseTransferGap(intervals, runs, results),
    /has no finished held-out interval losses/,
  );
});
