import assert from "node:assert/strict";
import { appendLog, runDir, writeConfig, writeResult } from "../suite/store.ts";
import { claimRun } from "../suite/lock.ts";
import { holderInfo } from "../runtime/file_lock.ts";
import { generateReport } from "./generate.ts";
import { parseLog, readInProgressRun } from "./in_progress.ts";
import { watchReport } from "../cli/report.ts";
import { fakeResult } from "./testing.ts";

/** A run that has trained `upTo` steps of 40: config.json and its log so far, claimed by this process. */
async function startRun(dir: string, id: string, upTo: number) {
  const r = fakeResult("uw", "snr", 2, 3, [1.5, 1.0, 0.8, 0.7]);
  const rd = runDir(dir, id);
  await Deno.mkdir(rd, { recursive: true });
  await writeConfig(rd, id, "hash", r.config);
  for (let s = 5; s <= upTo; s += 5) {
    await appendLog(rd, [{ event: "loss", step: s, loss: 1 / s, clusters: [2 / s, 0.5 / s] }]);
    if (s % 10 === 0) {
      await appendLog(rd, [{ event: "eval", step: s, metrics: { "fd-data": 3 / s }, trainLoss: 1 / s }]);
    }
  }
  return { result: { ...r, id }, claim: await claimRun(rd, holderInfo("claim", "test", { run: id })) };
}

Deno.test("log.jsonl: a partial last line (a killed writer) is skipped; losses and evaluations are read", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { claim } = await startRun(dir, "r1", 20);
    await Deno.writeTextFile(`${runDir(dir, "r1")}/log.jsonl`, '{"event":"loss","step":25,"lo', {
      append: true,
    });
    const r = (await readInProgressRun(runDir(dir, "r1"), "r1"))!;
    assert.equal(r.state, "running");
    assert.equal(r.step, 20);
    assert.deepEqual(r.losses.map((l) => l.step), [5, 10, 15, 20]);
    assert.deepEqual(r.losses[1].clusters, [0.2, 0.05]);
    assert.deepEqual(r.evals, [{ step: 10, metrics: { "fd-data": 0.3 } }, {
      step: 20,
      metrics: { "fd-data": 0.15 },
    }]);
    await claim.held!.release();
    assert.equal((await readInProgressRun(runDir(dir, "r1"), "r1"))!.state, "interrupted", "no live claim");
    assert.deepEqual(
      parseLog([{ event: "loss", step: "x" }, { event: "eval", step: 3, metrics: { a: 1, b: null } }]),
      {
        losses: [],
        evals: [{ step: 3, metrics: { a: 1 } }],
      },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("report of an unfinished directory: finished runs in the tables, the running one with its loss curve; --watch follows it to the end", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // Nothing finished yet: a report of the run in progress alone.
    const { result, claim } = await startRun(dir, "r-running", 20);
    const early = await generateReport(dir);
    assert.equal(early.results, 0);
    assert.equal(early.running, 1);
    assert.deepEqual(early.files, ["README.md", "figures/running-r-running.svg", "report.html"]);
    const readme0 = await Deno.readTextFile(`${dir}/README.md`);
    assert.match(readme0, /No run of this suite has finished yet/);
    assert.match(
      readme0,
      /\| r-running \| swissroll\/mlp snr k=2 uw seed 3 \| running \| 20\/40 \| 0\.05 \| step 20: fd-data 0\.15 \|/,
    );

    // Two finished runs beside it.
    for (
      const r of [fakeResult("vanilla", "none", 1, 0, [2, 1]), fakeResult("uw", "snr", 2, 0, [1.5, 0.9])]
    ) {
      await writeResult(runDir(dir, r.id), r);
    }
    const mid = await generateReport(dir);
    assert.equal(mid.results, 2);
    assert.equal(mid.running, 1);
    const html = await Deno.readTextFile(`${dir}/report.html`);
    assert.match(html, /Runs in progress/);
    assert.match(html, /swissroll\/mlp snr k=2 uw seed 3 \(running, step 20 of 40\)/);
    const curve = await Deno.readTextFile(`${dir}/figures/running-r-running.svg`);
    assert.match(
      curve,
      /<polyline[^>]*points="[^"]+"><title>training loss<\/title>/,
      "its loss curve so far",
    );
    assert.match(curve, /<title>cluster 1<\/title>/, "and its per-cluster losses");

    // --watch: regenerates as the log grows and returns when the run has its result.
    const updates: number[] = [];
    const watching = watchReport(dir, { intervalMs: 50, onUpdate: (r) => updates.push(r.running) });
    await new Promise((r) => setTimeout(r, 200));
    await appendLog(runDir(dir, "r-running"), [{
      event: "loss",
      step: 25,
      loss: 0.04,
      clusters: [0.08, 0.02],
    }]);
    await new Promise((r) => setTimeout(r, 200));
    await writeResult(runDir(dir, "r-running"), result);
    await claim.held!.release();
    const last = await watching;
    assert.equal(last!.results, 3);
    assert.equal(last!.running, 0);
    assert.ok(updates.length >= 3, `regenerated at start, on the log line and at the result: ${updates}`);
    assert.equal(updates.at(-1), 0);
    assert.doesNotMatch(await Deno.readTextFile(`${dir}/README.md`), /Runs in progress/);
    await assert.rejects(
      Deno.stat(`${dir}/figures/running-r-running.svg`),
      Deno.errors.NotFound,
      "stale figure removed",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
