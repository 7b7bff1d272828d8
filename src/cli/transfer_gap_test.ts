import assert from "node:assert/strict";
import { capture } from "./testing.ts";
import { transferGapCommand } from "./transfer_gap.ts";
import { affinityCommand } from "./affinity.ts";
import { UsageError } from "../runtime/errors.ts";

const SUITE = {
  name: "tiny-tg",
  datasets: ["digits8"],
  model: {
    id: "unet",
    options: { channels: 8, channelMult: [1, 2], numResBlocks: 1, groups: 4, midAttention: false },
  },
  objectives: ["timestep"],
  k: [2],
  methods: ["uw"],
  seeds: 1,
  steps: 6,
  train: { batchSize: 10 },
  eval: { every: 1, samples: 20, referenceSamples: 30 },
};

Deno.test("cli transfer-gap: trains, resumes, reports; cli affinity --curve over the generalist's checkpoints", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/s.json`, JSON.stringify(SUITE));
  const args = [`${dir}/s.json`, "--k", "2", "--seeds", "2", "--points", "2", "--draws", "1", "--jobs", "1"];
  const run = () => transferGapCommand.run([...args, "--out", `${dir}/tg`, "--checkpoints", "--json"]);
  const { code, out } = await capture(run);
  assert.equal(code, 0);
  const r = JSON.parse(out[0]);
  assert.equal(r.runs, 6);
  assert.deepEqual(r.gaps.map((g: { interval: number[] }) => g.interval), [[0, 499], [500, 999]]);
  for (
    const f of [
      "README.md",
      "transfer-gap.json",
      "ntg.svg",
      "relative.svg",
      "ntg-over-training.svg",
      "plan.json",
    ]
  ) {
    assert.ok((await Deno.stat(`${dir}/tg/${f}`)).isFile, f);
  }
  const plan = JSON.parse(await Deno.readTextFile(`${dir}/tg/plan.json`));
  const report = JSON.parse(await Deno.readTextFile(`${dir}/tg/transfer-gap.json`));
  assert.equal(report.context.n, 30); // the suite's eval.referenceSamples
  assert.deepEqual(report.overTraining.map((p: { step: number }) => p.step), [3, 6]);
  // Resume: a second call trains nothing and writes the same analysis.
  const mtime = (await Deno.stat(`${dir}/tg/runs/${plan.runs[0].id}/result.json`)).mtime;
  const again = await capture(run);
  assert.deepEqual(JSON.parse(again.out[0]).gaps, r.gaps);
  assert.deepEqual((await Deno.stat(`${dir}/tg/runs/${plan.runs[0].id}/result.json`)).mtime, mtime);
  // Only the generalists keep checkpoints.
  const generalist = plan.runs.find((x: { role: string }) => x.role === "generalist").id;
  const specialist = plan.runs.find((x: { role: string }) => x.role === "specialist").id;
  await assert.rejects(Deno.stat(`${dir}/tg/runs/${specialist}/checkpoint`));
  const ck = `${dir}/tg/runs/${generalist}/checkpoint`;
  const aff = await capture(() =>
    affinityCommand.run([
      "--checkpoint",
      `${ck}/step-3`,
      "--checkpoint",
      `${ck}/step-6`,
      "--subset",
      "40",
      "--grid",
      "250",
      "--curve",
      "--out",
      `${dir}/aff/a`,
      "--json",
    ])
  );
  const a = JSON.parse(aff.out[0]);
  assert.equal(a.curve.length, 6); // curve.json, two curves, two heatmaps, curve.md
  const curve = JSON.parse(await Deno.readTextFile(`${dir}/aff/a.curve.json`));
  assert.deepEqual(curve.checkpoints.map((c: { step: number }) => c.step), [3, 6]);
  assert.deepEqual(curve.byTimestepGap.map((b: { gap: number }) => b.gap), [250, 500, 750, 1000]);
  await assert.rejects(
    transferGapCommand.run([`${dir}/s.json`, "--objective", "gradient"]),
    (e) => e instanceof UsageError && /--objective.*timestep \| snr/.test(e.message),
  );
  await Deno.remove(dir, { recursive: true });
});
