import assert from "node:assert/strict";
import {
  type CpuSnapshot,
  measuredRound,
  parsePidStat,
  parseProcStat,
  processTree,
  type ProcTimes,
  roundLoad,
  takeSnapshot,
} from "./load.ts";
import { foreignBusyLoop } from "./testing.ts";

Deno.test("parseProcStat: busy = user + nice + system + irq + softirq + steal (not idle, iowait, guest)", () => {
  const text = "cpu  100 2 30 5000 40 5 6 7 50 0\ncpu0 50 1 15 2500 20 2 3 3 25 0\nintr 1 2 3\n";
  assert.equal(parseProcStat(text), 100 + 2 + 30 + 5 + 6 + 7);
});

Deno.test("parsePidStat: fields after a command name with spaces and parentheses", () => {
  // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime
  // cstime priority nice threads itrealvalue starttime ...
  const line = "4242 (Web Content (x) y) S 17 4242 4242 0 -1 4194304 10 0 0 0 123 45 6 7 20 0 3 0 9876 " +
    "1000 100 18446744073709551615";
  assert.deepEqual(parsePidStat(line), [4242, { ppid: 17, ticks: 168, childTicks: 13, startTicks: 9876 }]);
  assert.equal(parsePidStat("garbage"), null);
});

function snap(
  atMs: number,
  busyTicks: number,
  uptimeTicks: number,
  procs: [number, ProcTimes][],
): CpuSnapshot {
  return { atMs, busyTicks, uptimeTicks, loadavg1: 0.5, procs: new Map(procs) };
}
const p = (ppid: number, ticks: number, childTicks = 0, startTicks = 0): ProcTimes => ({
  ppid,
  ticks,
  childTicks,
  startTicks,
});

Deno.test("processTree: the root and its descendants in either snapshot", () => {
  const a = snap(0, 0, 0, [[10, p(1, 0)], [11, p(10, 0)], [12, p(11, 0)], [20, p(1, 0)]]);
  const b = snap(0, 0, 0, [[10, p(1, 0)], [13, p(10, 0)], [20, p(1, 0)], [21, p(20, 0)]]);
  assert.deepEqual([...processTree(10, a, b)].sort(), [10, 11, 12, 13]);
});

Deno.test("roundLoad: foreign cores by machine and by process, by hand", () => {
  // Root 10 with child 11; foreign 20 (runs throughout), 30 (starts in the round), 40 (exits; reaped by 20).
  const before = snap(1000, 10_000, 50_000, [
    [10, p(1, 500)],
    [11, p(10, 100)],
    [20, p(1, 1000)],
    [40, p(20, 300)],
    [50, p(99, 70, 0, 100)], // gone, no visible reaper (auto-reaped): nothing moves, nothing is subtracted
  ]);
  const after = snap(3000, 10_000 + 400 + 120 + 60, 50_200, [
    [10, p(1, 600)], // own +100
    [11, p(10, 140)], // own +40
    [20, p(1, 1050, 320)], // +50 own ticks, +320 reaped from 40 (300 of them before the round)
    [30, p(20, 25, 0, 50_100)], // started during the round: +25
    [1, p(0, 0)],
  ]);
  const l = roundLoad(before, after, 0.3, 10);
  assert.equal(l.wallSeconds, 2);
  assert.equal(l.ownCores, 140 / 100 / 2);
  // busy delta 580 ticks - own 140 = 440 ticks over 2 s = 2.2 cores.
  assert.ok(Math.abs(l.foreignCoresByMachine - 2.2) < 1e-12);
  // 50 + 320 + 25 - 300 = 95 ticks = 0.475 cores.
  assert.ok(Math.abs(l.foreignCoresByProcess - 0.475) < 1e-12);
  assert.equal(l.foreignCores, l.foreignCoresByMachine);
  assert.equal(l.quiet, false);
  assert.equal(l.resolutionCores, 0.01);
  assert.equal(l.resolved, true);
  // 2 ticks in 50 ms are 0.4 cores: a 50 ms round cannot resolve a 0.3-core limit, so it is not quiet.
  const short = roundLoad(snap(0, 0, 0, []), snap(50, 0, 0, []), 0.3, 10);
  assert.equal(short.foreignCores, 0);
  assert.equal(short.resolved, false);
  assert.equal(short.quiet, false);
  // A quiet round: the machine was busy only with the benchmark's own 140 ticks.
  const procs = new Map(before.procs);
  procs.set(10, p(1, 640));
  const q = roundLoad(before, { ...before, atMs: 3000, busyTicks: 10_140, procs }, 0.3, 10);
  assert.equal(q.foreignCores, 0);
  assert.equal(q.ownCores, 0.7);
  assert.equal(q.quiet, true);
});

Deno.test("measuredRound: a noisy round is repeated at most `retries` times; the kept load is returned", async () => {
  const noisy = [snap(0, 0, 0, []), snap(1000, 100, 0, [])]; // 1 core foreign
  const quiet = [snap(0, 0, 0, []), snap(1000, 10, 0, [])]; // 0.1 core foreign
  const feed = (pairs: CpuSnapshot[][]) => {
    const list = pairs.flat();
    return () => Promise.resolve(list.shift() ?? null);
  };
  let runs = 0;
  const r1 = await measuredRound(() => Promise.resolve(++runs), {
    snapshot: feed([noisy, noisy, quiet]),
    retries: 3,
    root: -1,
  });
  assert.equal(r1.value, 3);
  assert.equal(r1.rejected.length, 2);
  assert.equal(r1.load!.quiet, true);
  runs = 0;
  const r2 = await measuredRound(() => Promise.resolve(++runs), {
    snapshot: feed([noisy, noisy, noisy]),
    retries: 1,
    root: -1,
  });
  assert.equal(r2.value, 2, "bounded: one retry");
  assert.equal(r2.load!.quiet, false);
  runs = 0;
  const tooShort = [snap(0, 0, 0, []), snap(20, 5, 0, [])];
  const r4 = await measuredRound(() => Promise.resolve(++runs), {
    snapshot: feed([tooShort, quiet]),
    root: -1,
  });
  assert.equal(r4.value, 1, "an unresolved round is not repeated (a repeat would not resolve it)");
  assert.equal(r4.load!.quiet, false);
  const r3 = await measuredRound(() => Promise.resolve(1), { snapshot: () => Promise.resolve(null) });
  assert.equal(r3.load, null, "unmeasured, not quiet");
});

Deno.test({
  name: "load check on this machine: a busy process outside the tree is foreign, a busy child is our own",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    const stop = await foreignBusyLoop();
    try {
      const r = await measuredRound(() => new Promise((res) => setTimeout(res, 400)), { retries: 0 });
      assert.ok(r.load, "/proc is readable");
      assert.ok(r.load.foreignCores > 0.5, `foreign ${r.load.foreignCores}`);
      assert.equal(r.load.quiet, false);
    } finally {
      stop();
    }
    const own = await measuredRound(async () => {
      await new Deno.Command("timeout", { args: ["0.4", "sh", "-c", "while :; do :; done"] }).output();
    }, { retries: 0 });
    assert.ok(own.load!.ownCores > 0.15, `own ${own.load!.ownCores}`); // its share of a shared machine
    assert.ok((await takeSnapshot())!.procs.has(Deno.pid));
  },
});
