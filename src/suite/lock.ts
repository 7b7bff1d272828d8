/**
 * Exclusive locks on a suite output directory and per-run claims, so that concurrent benches never train a
 * run twice, never delete each other's results and never mix their reports, also when shard tasks on
 * several hosts share one directory over a network filesystem (Slurm arrays).
 *
 * Files (all in the output directory, all JSON {@link HolderInfo}, immutable once created):
 *
 *     .lock                        whole-directory lock: a plain `deno task bench`, `cli merge`, `cli report --prune`
 *     .lock.shard-<i>-of-<n>       shard lock: `deno task bench --shard i/n`
 *     runs/<id>/.claim             run claim: the process training run <id>
 *
 * Protocol:
 * - Create: write the info to a unique temporary file, flock it (exclusive), then hard-link it to the lock
 *   name: link(2) fails when the name exists, so creation is atomic and the file is never seen half
 *   written (filesystems without hard links fall back to O_EXCL create). The holder keeps the file open
 *   and flocked until it releases, and refreshes the file's mtime every `heartbeatMs` (its heartbeat).
 * - Conflicts: the whole-directory lock excludes every other lock; a shard lock excludes the whole-directory
 *   lock and the same shard (same i and n) only, so shards (even overlapping specs such as 0/2 and 0/4) run
 *   side by side. A process creates its own lock first and then looks for a live conflicting one; finding
 *   one, it releases its own and fails (exit 2). Of two racing processes at most one proceeds. One wait:
 *   the same shard's lock held from another host is waited for until it is released or stale (at most
 *   `staleMs` + 2 heartbeats), since that is what a task preempted on one node and requeued on another
 *   finds; only a holder whose heartbeat is still fresh after the wait makes it fail.
 * - Claims: before training a run, a process creates runs/<id>/.claim; if a live claim exists, it leaves
 *   the run to its holder, goes on with other runs and comes back to it later (its result, once written,
 *   ends the wait; a claim that goes stale is taken over and the run trained). The claim is removed after
 *   result.json is written. So a run is trained once even with overlapping shard specs.
 * - Staleness: a holder on this host (same hostname) is dead when the flock is free (the kernel drops it
 *   when the process dies, even by kill -9; no pid is trusted, so pid reuse cannot fool it). A holder on
 *   another host is dead when its heartbeat (mtime) is older than `staleMs` (e.g. a preempted Slurm task);
 *   the clocks of the hosts must agree to well within `staleMs`. A file whose info cannot be parsed is
 *   stale when older than `staleMs`.
 * - Take-over of a stale file: create `<name>.takeover` by the same protocol (only one process wins), check
 *   that the file still holds the stale holder's nonce, remove it, release `.takeover`, and create the lock
 *   anew. A holder whose file was taken over (it was suspended past `staleMs`) notices at its next
 *   heartbeat (`lost`).
 * - Network filesystems: link(2) and O_EXCL are atomic on NFSv3+; the create-then-check of conflicting
 *   locks relies on the directory listing being current (NFS attribute caching can delay it by seconds),
 *   which is why run claims, not directory locks, are what keeps a run from being trained twice.
 *
 * Lock files are JSON: {schema: "antbench.lock/1", kind, pid, host, started, nonce, command, shard?, run?}.
 *
 * @module
 */
import { EnvironmentError } from "../runtime/errors.ts";
import {
  type Acquired,
  type AcquireOptions,
  DEFAULT_LOCK_TIMING,
  describeHolder,
  type Held,
  type HolderInfo,
  holderInfo,
  liveHolder,
  thisHost,
  tryAcquire,
} from "../runtime/file_lock.ts";

export {
  type Acquired,
  type AcquireOptions,
  DEFAULT_LOCK_TIMING,
  describeHolder,
  Held,
  type HolderInfo,
  holderInfo,
  liveHolder,
  type LockTiming,
  staleReason,
  thisHost,
  tryAcquire,
} from "../runtime/file_lock.ts";

/** Name of the lock file of shard i/n. */
export function shardLockName(shard: { index: number; count: number }): string {
  return `.lock.shard-${shard.index}-of-${shard.count}`;
}

/** Options of {@link lockOutputDir}. */
export interface DirLockOptions extends AcquireOptions {
  /** Take a shard lock instead of the whole-directory lock. */
  shard?: { index: number; count: number };
  /** The command, for messages to other processes ("bench smoke"). */
  command: string;
  /**
   * Told once when the same shard's lock is held from another host and this process waits for it to be
   * released or to go stale (see {@link lockOutputDir}); `waitMs` is the longest it will wait.
   */
  onWait?: (holder: HolderInfo | null, waitMs: number) => void;
}

/**
 * Lock a suite output directory (created when missing): the whole directory, or one shard of it (see the
 * module doc). Throws an EnvironmentError naming the live holder when it is in use.
 */
export async function lockOutputDir(outDir: string, opts: DirLockOptions): Promise<Held> {
  const timing = opts.timing ?? DEFAULT_LOCK_TIMING;
  await Deno.mkdir(outDir, { recursive: true });
  const shard = opts.shard;
  const name = shard ? shardLockName(shard) : ".lock";
  const info = holderInfo(
    shard ? "shard" : "directory",
    opts.command,
    shard ? { shard: `${shard.index}/${shard.count}` } : {},
  );
  const inUse = (h: HolderInfo | null, file: string) =>
    new EnvironmentError(
      `${outDir} is in use by ${h ? describeHolder(h) : "another process"} (${file}); ` +
        `wait for it to finish, or use another --out`,
    );
  let r = await tryAcquire(`${outDir}/${name}`, info, opts);
  if (!r.held && shard && r.holder?.host !== thisHost()) {
    // The same shard held from another host: a task that died there (preempted, node failure) and is now
    // requeued or resubmitted elsewhere leaves a lock whose heartbeat stops; wait until it is stale (or
    // released) rather than failing, as the runner does for its runs' claims. A live holder keeps its
    // heartbeat fresh and still fails once the wait is over.
    const waitMs = timing.staleMs + 2 * timing.heartbeatMs;
    const until = Date.now() + waitMs;
    opts.onWait?.(r.holder, waitMs);
    while (!r.held && r.holder?.host !== thisHost() && Date.now() < until) {
      await new Promise((res) =>
        setTimeout(res, Math.min(timing.heartbeatMs, 5000, Math.max(1, until - Date.now())))
      );
      r = await tryAcquire(`${outDir}/${name}`, info, opts);
    }
  }
  if (!r.held) throw inUse(r.holder, name);
  const held = r.held;
  try {
    if (shard) {
      const whole = await liveHolder(`${outDir}/.lock`, timing);
      if (whole) throw inUse(whole.info, ".lock");
    } else {
      for await (const e of Deno.readDir(outDir)) {
        if (!/^\.lock\.shard-\d+-of-\d+$/.test(e.name)) continue;
        const h = await liveHolder(`${outDir}/${e.name}`, timing);
        if (h) throw inUse(h.info, e.name);
      }
    }
  } catch (e) {
    await held.release();
    throw e;
  }
  return held;
}

/** The claim file of a run directory. */
export function claimPath(runDir: string): string {
  return `${runDir}/.claim`;
}

/** Claim a run directory (created when missing); `holder` is set when a live process has it. */
export async function claimRun(
  runDir: string,
  info: HolderInfo,
  opts: AcquireOptions = {},
): Promise<Acquired> {
  await Deno.mkdir(runDir, { recursive: true });
  return await tryAcquire(claimPath(runDir), info, opts);
}

/**
 * Remove `*.tmp` files directly in `dir` older than `minAgeMs` (left by a process killed while writing
 * atomically; younger ones may belong to a writer still at work, e.g. `cli report` beside a bench).
 */
export async function removeStaleTmp(dir: string, minAgeMs = 60_000): Promise<string[]> {
  const removed: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      if (!e.isFile || !e.name.endsWith(".tmp")) continue;
      try {
        const st = await Deno.stat(`${dir}/${e.name}`);
        if (Date.now() - (st.mtime?.getTime() ?? 0) < minAgeMs) continue;
        await Deno.remove(`${dir}/${e.name}`);
        removed.push(e.name);
      } catch { /* gone meanwhile */ }
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return removed.sort();
}
