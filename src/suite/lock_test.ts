import assert from "node:assert/strict";
import {
  claimPath,
  claimRun,
  holderInfo,
  liveHolder,
  lockOutputDir,
  removeStaleTmp,
  shardLockName,
  thisHost,
  tryAcquire,
} from "./lock.ts";
import { EnvironmentError } from "../runtime/errors.ts";
import { testPlan } from "./testing_plan.ts";
import { runSuite } from "./runner.ts";
import { syntheticExecutor } from "./synthetic_executor.ts";
import { runDir, runState } from "./store.ts";

const timing = { heartbeatMs: 50, staleMs: 1500 };
const HELPER = new URL("./testing_bench_process.ts", import.meta.url).pathname;

/** Start the helper process; resolves once it printed its first stdout line. */
function startHelper(args: string[], env: Record<string, string> = {}) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", HELPER, ...args],
    stdout: "piped",
    stderr: "piped",
    env,
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const firstLine = (async () => {
    let text = "";
    while (!text.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    return text.trim();
  })();
  return { child, firstLine, reader };
}

async function finish(child: Deno.ChildProcess, reader: ReadableStreamDefaultReader<string>, first = "") {
  let out = first;
  while (true) {
    const { value, done } = await reader.read();
    if (done) break;
    out += value;
  }
  const err = await new Response(child.stderr).text();
  const status = await child.status;
  return { code: status.code, stdout: out.trim(), stderr: err.trim() };
}

Deno.test("lock: a second whole-directory lock fails at once naming the holder; release frees it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const a = await lockOutputDir(dir, { command: "bench a", timing });
    await assert.rejects(
      () => lockOutputDir(dir, { command: "bench b", timing }),
      (e: Error) =>
        e instanceof EnvironmentError &&
        e.message.includes(`bench a (pid ${Deno.pid} on host ${thisHost()}`) &&
        e.message.includes("(.lock)") && !e.message.includes("\n"),
    );
    await a.release();
    const b = await lockOutputDir(dir, { command: "bench b", timing });
    await b.release();
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lock: shards exclude the whole-directory lock and their own shard, not each other", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const s0 = await lockOutputDir(dir, {
      command: "bench --shard 0/2",
      shard: { index: 0, count: 2 },
      timing,
    });
    const s1 = await lockOutputDir(dir, {
      command: "bench --shard 1/2",
      shard: { index: 1, count: 2 },
      timing,
    });
    const q0 = await lockOutputDir(dir, {
      command: "bench --shard 0/4",
      shard: { index: 0, count: 4 },
      timing,
    });
    await assert.rejects(
      () => lockOutputDir(dir, { command: "again", shard: { index: 0, count: 2 }, timing }),
      /in use by bench --shard 0\/2 .*\(\.lock\.shard-0-of-2\)/,
    );
    await assert.rejects(() => lockOutputDir(dir, { command: "whole", timing }), /in use by bench --shard/);
    // The failed attempts left nothing behind.
    assert.equal(await liveHolder(`${dir}/.lock`, timing), null);
    for (const h of [s0, s1, q0]) await h.release();
    const whole = await lockOutputDir(dir, { command: "whole", timing });
    await assert.rejects(
      () => lockOutputDir(dir, { command: "shard", shard: { index: 1, count: 3 }, timing }),
      /in use by whole .*\(\.lock\)/,
    );
    await whole.release();
    assert.equal(shardLockName({ index: 3, count: 8 }), ".lock.shard-3-of-8");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lock: a live holder in another process makes the second exit 2 at once; a killed one is taken over", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const h = startHelper([dir], { HOLD: "1" });
    assert.equal(await h.firstLine, "held");
    const t0 = performance.now();
    await assert.rejects(() => lockOutputDir(dir, { command: "second", timing }), (e: Error) => {
      assert.match(e.message, new RegExp(`in use by test bench - \\(pid ${h.child.pid} on host `));
      return true;
    });
    assert.ok(performance.now() - t0 < 1000, "no waiting for a live holder");
    h.child.kill("SIGKILL");
    await finish(h.child, h.reader);
    // The holder is dead: its flock went with it, so the lock is taken over at once (no staleness wait).
    const told: string[] = [];
    const held = await lockOutputDir(dir, {
      command: "third",
      timing: { heartbeatMs: 50, staleMs: 600_000 },
      onTakeover: (stale, why) => told.push(`${stale?.pid}: ${why}`),
    });
    assert.deepEqual(told, [`${h.child.pid}: that process is gone`]);
    await held.release();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lock: another host's holder is live while its heartbeat is fresh, stale after staleMs", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/.lock`;
    const foreign = { ...holderInfo("directory", "bench on node7"), host: "node7.cluster", pid: 4242 };
    await Deno.writeTextFile(path, JSON.stringify(foreign));
    const r1 = await tryAcquire(path, holderInfo("directory", "me"), { timing });
    assert.equal(r1.held, undefined);
    assert.equal(r1.holder?.host, "node7.cluster");
    const old = new Date(Date.now() - 5000);
    await Deno.utime(path, old, old);
    const told: string[] = [];
    const r2 = await tryAcquire(path, holderInfo("directory", "me"), {
      timing,
      onTakeover: (_s, why) => told.push(why),
    });
    assert.ok(r2.held);
    assert.match(told[0], /^its heartbeat stopped [45] s ago \(more than 2 s\)$/);
    // The heartbeat keeps our own file fresh.
    const before = (await Deno.stat(path)).mtime!.getTime();
    await new Promise((r) => setTimeout(r, 200));
    assert.ok((await Deno.stat(path)).mtime!.getTime() > before);
    await r2.held.release();
    // An unparsable file counts as live until it is older than staleMs.
    await Deno.writeTextFile(path, "{");
    assert.ok((await tryAcquire(path, holderInfo("directory", "me"), { timing })).holder === null);
    await Deno.utime(path, old, old);
    const r3 = await tryAcquire(path, holderInfo("directory", "me"), { timing });
    assert.ok(r3.held);
    await r3.held.release();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lock: a holder whose file is taken over notices at its next heartbeat", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const lost: string[] = [];
    const r = await tryAcquire(`${dir}/.claim`, holderInfo("claim", "slow"), {
      timing,
      onLost: (h) => lost.push(h.info.command),
    });
    assert.ok(r.held);
    await Deno.remove(`${dir}/.claim`);
    await Deno.writeTextFile(`${dir}/.claim`, JSON.stringify(holderInfo("claim", "other")));
    await new Promise((res) => setTimeout(res, 200));
    assert.deepEqual(lost, ["slow"]);
    await r.held.release(); // not ours any more: left in place
    assert.match(await Deno.readTextFile(`${dir}/.claim`), /"other"/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("claims: a run claimed by a live process is left to it until that process dies, then taken over", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { runs, suite } = await testPlan();
    const target = runs[3];
    const h = startHelper([dir], { HOLD: `claim:${target.id}` });
    assert.equal(await h.firstLine, "held");
    const messages: string[] = [];
    const executed: string[] = [];
    const p = runSuite(runs, {
      outDir: dir,
      executor: syntheticExecutor({ onRun: (c) => executed.push(JSON.stringify(c)) }),
      suite,
      lockTiming: timing,
      pollMs: 50,
      onMessage: (m) => messages.push(m),
    });
    // The holder dies without a result: its claim is taken over and the run trained here.
    await new Promise((r) => setTimeout(r, 300));
    h.child.kill("SIGKILL");
    await finish(h.child, h.reader);
    const summary = await p;
    assert.equal(summary.executed, runs.length);
    assert.equal(executed.length, runs.length);
    assert.ok(messages.some((m) => m.startsWith(`run ${target.id} `) && m.endsWith("waiting for it")));
    assert.ok(
      messages.some((m) =>
        m.startsWith(`taking over run ${target.id}`) && m.endsWith("that process is gone")
      ),
    );
    assert.equal(await runState(runDir(dir, target.id)), "ok");
    await assert.rejects(() => Deno.stat(claimPath(runDir(dir, target.id))), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("claims: two runners on one directory in one process train every run once", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { runs, suite } = await testPlan();
    const counts = new Map<string, number>();
    const executor = (tag: string) =>
      syntheticExecutor({
        delayMs: 20,
        onRun: (c) => counts.set(tag + JSON.stringify(c), (counts.get(tag + JSON.stringify(c)) ?? 0) + 1),
      });
    const [a, b] = await Promise.all([
      runSuite(runs, {
        outDir: dir,
        executor: executor("a"),
        suite,
        jobs: 2,
        lockTiming: timing,
        pollMs: 20,
      }),
      runSuite(runs, {
        outDir: dir,
        executor: executor("b"),
        suite,
        jobs: 3,
        lockTiming: timing,
        pollMs: 20,
      }),
    ]);
    assert.equal(a.executed + b.executed, runs.length);
    assert.equal(a.byOthers + b.byOthers + a.executed + b.executed, 2 * runs.length);
    assert.equal([...counts.values()].reduce((s, x) => s + x, 0), runs.length);
    for (const r of runs) assert.equal(await runState(runDir(dir, r.id)), "ok");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("two concurrent bench processes on one directory: the second exits 2 at once; overlapping shards share the runs", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { runs } = await testPlan();
    // Whole-directory benches: the second one fails immediately, the first trains all runs.
    const a = startHelper([dir, "-", "100"]);
    await new Promise((r) => setTimeout(r, 300)); // a holds the lock by now (it trains for >= 1 s)
    const b = startHelper([dir, "-", "100"]);
    const rb = await finish(b.child, b.reader, await b.firstLine);
    assert.equal(rb.code, 2, rb.stderr);
    assert.match(
      rb.stderr,
      /^error: .* is in use by test bench - \(pid \d+ on host .*\(\.lock\); wait for it/,
    );
    const ra = await finish(a.child, a.reader, await a.firstLine);
    assert.equal(ra.code, 0, ra.stderr);
    assert.equal(JSON.parse(ra.stdout).executed.length, runs.length);

    // Overlapping shard specs (0/1 holds everything, 1/2 half of it) run side by side; each run once.
    const dir2 = `${dir}/shards`;
    const s1 = startHelper([dir2, "0/1", "60"]);
    const s2 = startHelper([dir2, "1/2", "60"]);
    const [r1, r2] = await Promise.all([
      finish(s1.child, s1.reader, await s1.firstLine),
      finish(s2.child, s2.reader, await s2.firstLine),
    ]);
    assert.equal(r1.code, 0, r1.stderr);
    assert.equal(r2.code, 0, r2.stderr);
    const e1: string[] = JSON.parse(r1.stdout).executed, e2: string[] = JSON.parse(r2.stdout).executed;
    assert.equal(e1.filter((id) => e2.includes(id)).length, 0, "no run trained twice");
    assert.deepEqual([...e1, ...e2].sort(), runs.map((r) => r.id).sort());
    for (const r of runs) assert.equal(await runState(runDir(dir2, r.id)), "ok");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a bench killed mid-run: the next one takes over its lock and its claim and finishes the suite", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { runs } = await testPlan();
    const a = startHelper([dir, "-", "400"]);
    // Kill it once two runs are done: the third is in flight (claimed) for 400 ms.
    const finished = async () => {
      let n = 0;
      for (const r of runs) if ((await runState(runDir(dir, r.id))) === "ok") n++;
      return n;
    };
    while ((await finished()) < 2) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 100));
    a.child.kill("SIGKILL");
    await finish(a.child, a.reader);
    const claimed: string[] = [];
    for (const r of runs) {
      try {
        await Deno.stat(claimPath(runDir(dir, r.id)));
        claimed.push(r.id);
      } catch { /* not claimed */ }
    }
    assert.equal(claimed.length, 1, "the killed bench left the claim of its run in flight");
    const b = startHelper([dir, "-", "10"]);
    const rb = await finish(b.child, b.reader, await b.firstLine);
    assert.equal(rb.code, 0, rb.stderr);
    assert.match(rb.stderr, /taking over the lock of .*: that process is gone/);
    assert.match(rb.stderr, new RegExp(`taking over run ${claimed[0]} .*: that process is gone`));
    const executed: string[] = JSON.parse(rb.stdout).executed;
    assert.ok(executed.includes(claimed[0]));
    for (const r of runs) assert.equal(await runState(runDir(dir, r.id)), "ok");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("claimRun creates the run directory; removeStaleTmp removes only old *.tmp files", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const r = await claimRun(`${dir}/runs/abc`, holderInfo("claim", "x"), { timing });
    assert.ok(r.held);
    assert.ok(JSON.parse(await Deno.readTextFile(claimPath(`${dir}/runs/abc`))).kind === "claim");
    await r.held.release();
    await Deno.writeTextFile(`${dir}/README.md.123.0.tmp`, "partial");
    await Deno.writeTextFile(`${dir}/report.html.123.1.tmp`, "fresh");
    const old = new Date(Date.now() - 120_000);
    await Deno.utime(`${dir}/README.md.123.0.tmp`, old, old);
    assert.deepEqual(await removeStaleTmp(dir), ["README.md.123.0.tmp"]);
    assert.deepEqual(await removeStaleTmp(dir, 0), ["report.html.123.1.tmp"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
