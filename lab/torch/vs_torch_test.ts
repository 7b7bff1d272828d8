import assert from "node:assert/strict";
import { renderVsTorch, splitVsArgs } from "./vs_main.ts";
import { runVsTorch, type VsTorchReport } from "./vs_torch.ts";
import { workload } from "../perf/workloads.ts";

Deno.test("perf --vs: its own flags are split from perf's, in both --flag value and --flag=value forms", () => {
  const { own, rest } = splitVsArgs([
    "--vs",
    "torch",
    "--models",
    "mlp",
    "--rounds=3",
    "--jobs",
    "2",
    "--repeats",
    "4",
    "--tag",
    "after",
  ]);
  assert.deepEqual(own, ["--vs", "torch", "--jobs", "2", "--tag", "after"]);
  assert.deepEqual(rest, ["--models", "mlp", "--rounds=3", "--repeats", "4"]);
});

Deno.test("perf --vs: the Markdown row shows medians, ratio ranges, kernels, GFLOP/s and the load", () => {
  const stats = (median: number) => ({ n: 2, median, p25: median, p75: median, min: median, max: median });
  const arm = (label: string, ms: number, sps: number) => ({
    label,
    parallelism: 1,
    ms: stats(ms),
    samplesPerSecByRound: [sps],
    samplesPerSec: sps,
  });
  const load = (foreignCores: number) => ({
    wallSeconds: 1,
    loadavg1Before: 0,
    loadavg1After: 0,
    foreignCores,
    foreignCoresByMachine: foreignCores,
    foreignCoresByProcess: 0,
    ownCores: 1,
    resolutionCores: 0.02,
    resolved: true,
    limitCores: 0.3,
    quiet: foreignCores <= 0.3,
  });
  const report: VsTorchReport = {
    schema: "antbench.perf-vs-torch/2",
    createdAt: "2026-01-01T00:00:00Z",
    tag: "t",
    settings: {
      rounds: 2,
      repeats: 2,
      warmup: 0,
      k: 5,
      seed: 0,
      cores: 2,
      loadLimitCores: 0.3,
      loadRetries: 3,
    },
    quiet: false,
    noisyRounds: 1,
    peak: null,
    antbench: {},
    torch: {},
    rounds: [
      { row: "mlp 2 b250 pcgrad", round: 0, attempt: 0, kept: true, load: load(0.05) },
      { row: "mlp 2 b250 pcgrad", round: 1, attempt: 0, kept: false, load: load(0.9) },
      { row: "mlp 2 b250 pcgrad", round: 1, attempt: 1, kept: true, load: load(0.12) },
    ],
    rows: [{
      model: "mlp",
      dataShape: [2],
      batch: 250,
      method: "pcgrad",
      k: 5,
      status: "ok",
      params: { antbench: 10, torch: 10 },
      arms: {
        antbench1: arm("a1", 20, 12500),
        torch1: arm("t1", 40, 6250),
        torchN: arm("tn", 25, 10000),
        antbenchN: arm("an", 20, 25000),
      },
      perCore: { byRound: [2, 2], median: 2, min: 1.5, max: 2.5 },
      perMachine: { byRound: [2.5, 2.5], median: 2.5, min: 2.25, max: 2.75 },
      kernelsPerStep: 612,
      gflops: { antbench1: 1.5, torch1: 0.75 },
    }, {
      model: "unet",
      dataShape: [8, 8, 1],
      batch: 60,
      method: "minsnr",
      k: 5,
      status: "skipped",
      note: "no ref",
    }],
  };
  const lines = renderVsTorch(report).split("\n");
  assert.equal(lines.length, 4);
  assert.equal(
    lines[2],
    "| mlp | 2 | 250 | pcgrad (5) | 20.0 | 40.0 | 2.00 (1.50–2.50) | 25000 | 10000 | 2.50 (2.25–2.75) | 612 | " +
      "1.50 / 0.75 | quiet (≤ 0.12) |",
  );
  assert.match(lines[3], /^\| unet \| 8×8×1 \| 60 \| minsnr \(5\) \| skipped: no ref \|/);
});

Deno.test("runVsTorch: both sides train the MLP workload in load-checked rounds (PyTorch required)", async () => {
  const report = await runVsTorch({
    workloads: [workload("mlp", [2], 10)],
    methods: ["vanilla", "pcgrad", "minsnr"],
    rounds: 2,
    repeats: 1,
    warmup: 0,
    k: 5,
    seed: 0,
    jobs: 1,
    threads: 1,
    tag: "test",
    loadLimitCores: 1000,
  });
  assert.equal(report.schema, "antbench.perf-vs-torch/2");
  const [v, p, m] = report.rows;
  assert.equal(v.status, "ok", v.note);
  assert.equal(v.k, 1);
  assert.equal(p.status, "ok", p.note);
  assert.equal(p.k, 5);
  assert.equal(m.status, "skipped");
  assert.equal(v.params!.antbench, v.params!.torch, "the same MLP on both sides");
  assert.equal(v.perCore!.byRound.length, 2);
  assert.equal(v.perMachine!.byRound.length, 2);
  assert.ok(v.kernelsPerStep! > 0 && v.flopsPerStep! === 2 * 10 * 107776);
  assert.equal(report.rounds.filter((r) => r.kept).length, 4, "2 rows × 2 rounds");
});
