import assert from "node:assert/strict";
import { resolveSuite } from "./validate.ts";
import { testRegistries } from "./test_registries.ts";
import { planSuite } from "./expand.ts";
import { type AffinityExecutor, runAffinityPhase } from "./affinity_phase.ts";
import { affinityDone, type AffinityJob, affinityPaths } from "./affinity_source.ts";
import { AFFINITY_FORMAT } from "../clustering/affinity_io.ts";
import { holderInfo, tryAcquire } from "./lock.ts";

const reg = testRegistries();
const suite = resolveSuite({
  name: "phase",
  datasets: ["moons"],
  objectives: ["gradient"],
  k: [2],
  methods: ["uw"],
  seeds: 4,
  steps: 10,
  T: 20,
  eval: { every: 1, metrics: ["fd"] },
  affinity: { from: "vanilla", checkpoints: [10], grid: 19 },
}, reg);

/** An executor that writes a valid matrix file after `delayMs` and counts its calls per key. */
function fakeExecutor(calls: Map<string, number>, delayMs = 0, fail?: string): AffinityExecutor {
  return async (job: AffinityJob, ctx) => {
    calls.set(job.key, (calls.get(job.key) ?? 0) + 1);
    ctx.onProgress({ phase: "measure", done: 1, total: 2 });
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    if (job.key === fail) throw new Error("measurement failed");
    await Deno.writeTextFile(
      affinityPaths(job).json,
      JSON.stringify({
        format: AFFINITY_FORMAT,
        T: 20,
        source: { key: job.key },
        grid: [0, 19],
        gridMatrix: [[1, 0.5], [0.5, 1]],
      }),
    );
    return {
      key: job.key,
      checkpoints: "trained",
      paramCount: 1,
      modes: ["exact"],
      gradients: 2,
      trainSeconds: 0,
      measureSeconds: 0,
    };
  };
}

Deno.test("affinity phase: two processes' phases on one directory compute each matrix once, in parallel", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { affinity: jobs } = await planSuite(suite, reg, { outDir: dir });
    assert.equal(jobs.length, 4);
    const calls = new Map<string, number>();
    const opts = { executor: fakeExecutor(calls, 30), jobs: 2, pollMs: 10 };
    const [a, b] = await Promise.all([
      runAffinityPhase(jobs, opts),
      runAffinityPhase([...jobs].reverse(), opts),
    ]);
    assert.equal(a.executed + b.executed, 4);
    assert.equal(a.byOthers + b.byOthers, 4);
    assert.deepEqual([...calls.values()], [1, 1, 1, 1]);
    for (const j of jobs) {
      assert.ok(await affinityDone(j));
      await assert.rejects(() => Deno.stat(affinityPaths(j).claim), Deno.errors.NotFound);
    }
    // Resume: nothing left to do.
    const c = await runAffinityPhase(jobs, opts);
    assert.deepEqual([c.skipped, c.executed], [4, 0]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("affinity phase: a failed job leaves no file and is reported; a job claimed by a live holder is waited for", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { affinity: jobs, pending } = await planSuite(suite, reg, { outDir: dir });
    const calls = new Map<string, number>();
    const r = await runAffinityPhase(jobs, { executor: fakeExecutor(calls, 0, jobs[1].key), jobs: 2 });
    assert.deepEqual([r.ok, r.failed], [3, 1]);
    assert.deepEqual(r.failures.map((f) => [f.key, f.error]), [[jobs[1].key, "measurement failed"]]);
    assert.equal(await affinityDone(jobs[1]), false);
    // Its runs stay pending; the others are planned.
    const plan = await planSuite(suite, reg, { outDir: dir });
    assert.equal(plan.pending.length, pending.length / 4);
    assert.ok(plan.pending.every((p) => p.job.key === jobs[1].key));

    // Another live process holds the claim of the missing job: this phase waits, then sees its matrix.
    const held = await tryAcquire(affinityPaths(jobs[1]).claim, holderInfo("claim", "other bench"));
    assert.ok(held.held);
    const messages: string[] = [];
    const waiting = runAffinityPhase(jobs, {
      executor: fakeExecutor(calls),
      pollMs: 10,
      onMessage: (m) => messages.push(m),
    });
    await new Promise((r) => setTimeout(r, 60));
    await fakeExecutor(new Map())(jobs[1], { onProgress() {} });
    await held.held.release();
    const w = await waiting;
    assert.deepEqual([w.executed, w.byOthers], [0, 1]);
    assert.equal(calls.get(jobs[1].key), 1, "not computed again by the waiting phase");
    assert.match(
      messages[0],
      /^affinity [0-9a-f]{16} \(moons\/mlp seed 1\) is being computed by other bench \(pid/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
