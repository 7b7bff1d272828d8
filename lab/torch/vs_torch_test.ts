import assert from "node:assert/strict";
import { renderVsTorch, splitVsArgs, type VsTorchReport } from "./vs_torch.ts";

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
  assert.deepEqual(own, ["--vs", "torch", "--rounds=3", "--jobs", "2", "--tag", "after"]);
  assert.deepEqual(rest, ["--models", "mlp", "--repeats", "4"]);
});

Deno.test("perf --vs: the Markdown row shows medians and ratio ranges of the report", () => {
  const stats = (median: number) => ({ n: 2, median, p25: median, p75: median, min: median, max: median });
  const arm = (label: string, ms: number, sps: number) => ({
    label,
    parallelism: 1,
    ms: stats(ms),
    samplesPerSecByRound: [sps],
    samplesPerSec: sps,
  });
  const report: VsTorchReport = {
    schema: "antbench.perf-vs-torch/1",
    createdAt: "2026-01-01T00:00:00Z",
    tag: "t",
    settings: { rounds: 2, repeats: 2, warmup: 0, k: 5, seed: 0, T: 1000, cores: 2, adam: "shared" },
    antbench: {},
    torch: {},
    rows: [{
      model: "mlp",
      dataShape: [2],
      batch: 256,
      method: "pcgrad",
      k: 5,
      status: "ok",
      params: { antbench: 10, torch: 10 },
      arms: {
        antbench1: arm("a1", 20, 12800),
        torch1: arm("t1", 40, 6400),
        torchN: arm("tn", 25, 10240),
        antbenchN: arm("an", 20, 25600),
      },
      perCore: { byRound: [2, 2], median: 2, min: 1.5, max: 2.5 },
      perMachine: { byRound: [2.5, 2.5], median: 2.5, min: 2.25, max: 2.75 },
    }, {
      model: "unet",
      dataShape: [8, 8, 1],
      batch: 64,
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
    "| mlp | 2 | 256 | pcgrad (5) | 20.0 | 40.0 | 2.00 (1.50–2.50) | 25600 | 10240 | 2.50 (2.25–2.75) |",
  );
  assert.match(lines[3], /^\| unet \| 8×8×1 \| 64 \| minsnr \(5\) \| skipped: no ref \|/);
});
