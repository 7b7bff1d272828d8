/**
 * Shard locks left on another host: what a Slurm task preempted on node A leaves for its requeued attempt on
 * node B is a lock file naming host A whose heartbeat (mtime) stops. The attempt waits for it to go stale
 * and takes it over, instead of exiting 2 (which lost the shard); a holder that keeps its heartbeat fresh is
 * a live duplicate and still makes it fail, and a plain bench (whole-directory lock) never waits.
 */
import assert from "node:assert/strict";
import { holderInfo, lockOutputDir, shardLockName } from "./lock.ts";
import { EnvironmentError } from "../runtime/errors.ts";

const timing = { heartbeatMs: 50, staleMs: 800 };
const shard = { index: 1, count: 4 };

/** Write `name` in `dir` as held by pid 4242 on host node7 (fresh mtime). */
async function remoteLock(dir: string, name: string, kind: "shard" | "directory"): Promise<string> {
  const path = `${dir}/${name}`;
  const info = {
    ...holderInfo(kind, "bench x --shard 1/4", { shard: "1/4" }),
    host: "node7.cluster",
    pid: 4242,
  };
  await Deno.writeTextFile(path, JSON.stringify(info));
  return path;
}

Deno.test("lock: a shard lock whose holder on another host died is waited for, then taken over", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await remoteLock(dir, shardLockName(shard), "shard");
    const waits: string[] = [];
    const takeovers: string[] = [];
    const t0 = performance.now();
    const held = await lockOutputDir(dir, {
      command: "bench x --shard 1/4",
      shard,
      timing,
      onWait: (h, ms) => waits.push(`${h?.host} ${ms}`),
      onTakeover: (h, why) => takeovers.push(`${h?.host}: ${why}`),
    });
    const waited = performance.now() - t0;
    assert.deepEqual(waits, ["node7.cluster 900"]); // staleMs + 2 heartbeats
    assert.ok(waited >= 700, `took it over after ${waited} ms, before the heartbeat was stale`);
    assert.ok(waited < 5000, `waited ${waited} ms`);
    assert.equal(takeovers.length, 1);
    assert.match(takeovers[0], /^node7\.cluster: its heartbeat stopped \d+ s ago/);
    assert.equal(JSON.parse(await Deno.readTextFile(`${dir}/${shardLockName(shard)}`)).pid, Deno.pid);
    await held.release();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lock: a shard lock held from another host with a fresh heartbeat still fails after the wait", async () => {
  const dir = await Deno.makeTempDir();
  const path = await remoteLock(dir, shardLockName(shard), "shard");
  const beat = setInterval(() => {
    const now = new Date();
    Deno.utimeSync(path, now, now);
  }, 50);
  try {
    const t0 = performance.now();
    await assert.rejects(
      () => lockOutputDir(dir, { command: "bench x --shard 1/4", shard, timing }),
      (e: Error) =>
        e instanceof EnvironmentError &&
        /in use by bench x --shard 1\/4 \(pid 4242 on host node7\.cluster.*\(\.lock\.shard-1-of-4\)/.test(
          e.message,
        ),
    );
    assert.ok(performance.now() - t0 >= 850, "gave up before the wait was over");
  } finally {
    clearInterval(beat);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lock: a remote whole-directory lock, or a remote lock of another kind, fails a shard or bench at once", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await remoteLock(dir, ".lock", "directory");
    for (const s of [shard, undefined]) {
      const t0 = performance.now();
      await assert.rejects(
        () => lockOutputDir(dir, { command: "b", ...(s ? { shard: s } : {}), timing }),
        /in use by .*node7\.cluster.*\(\.lock\)/,
      );
      assert.ok(performance.now() - t0 < 500, "no wait");
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
