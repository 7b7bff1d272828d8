/**
 * Load checks of benchmark rounds (issue 12, item 1): a timing taken while other processes use the CPU is
 * not a measurement of antbench. Before and after each round the benchmark snapshots /proc and computes
 * the CPU time that processes outside its own process tree used during the round, in cores
 * (CPU-seconds per wall second), two ways:
 *
 * - by process: the sum over every process not in this benchmark's tree of the change of
 *   utime + stime + cutime + cstime (/proc/<pid>/stat fields 14-17). A process that started during the
 *   round (field 22 against /proc/uptime) counts with its whole time; a process that exited and was
 *   reaped moves its time into an ancestor's cutime + cstime, so its time before the round is taken off.
 *   Misses processes that start and exit inside the round without a surviving parent.
 * - by machine: the change of all CPUs' busy time in /proc/stat (user + nice + system + irq + softirq +
 *   steal; steal is time the hypervisor gave to other guests) minus this tree's own CPU time. Catches
 *   short-lived processes and noisy neighbours of a VM.
 *
 * The round's foreign load is the larger of the two. A round above the limit (default 0.3 cores) is
 * repeated, at most `retries` times; a round still above it is kept and marked noisy, and so is every
 * result that contains it. The 1-minute load average (before and after) is recorded as well; it includes
 * this benchmark's own runnable threads, so it informs but does not decide.
 *
 * Resolution: /proc counts in clock ticks of 1/100 s (USER_HZ = 100 on Linux x86 and arm64), so a round
 * of w seconds resolves foreign load to about 2 / (100·w) cores. A round too short to resolve the limit
 * (under 67 ms at 0.3 cores) cannot be called quiet: it is kept, unresolved, and the result is noisy
 * (more --repeats make longer rounds).
 *
 * @module
 */
import { type ProcTexts, readProcSnapshotText } from "./procfs.ts";

/** Linux's USER_HZ: the unit of the times in /proc/stat and /proc/<pid>/stat. */
export const USER_HZ = 100;

/** Default limit on a round's foreign load, in cores. */
export const FOREIGN_LOAD_LIMIT = 0.3;

/** Default number of times a noisy round is repeated. */
export const LOAD_RETRIES = 3;

/** One process's CPU time in clock ticks. */
export interface ProcTimes {
  /** Parent process id. */
  ppid: number;
  /** utime + stime */
  ticks: number;
  /** cutime + cstime (waited-for children) */
  childTicks: number;
  /** Start time in clock ticks since boot. */
  startTicks: number;
}

/** A /proc snapshot. */
export interface CpuSnapshot {
  /** performance.now() when taken (ms). */
  atMs: number;
  /** Busy ticks of all CPUs (/proc/stat). */
  busyTicks: number;
  /** /proc/uptime in clock ticks (when the snapshot was read). */
  uptimeTicks: number;
  /** 1-minute load average. */
  loadavg1: number;
  /** CPU times of every process. */
  procs: Map<number, ProcTimes>;
}

/** The load of one round. */
export interface RoundLoad {
  /** Wall-clock seconds of the round. */
  wallSeconds: number;
  /** Load average before. */
  loadavg1Before: number;
  /** Load average after. */
  loadavg1After: number;
  /** max(foreignCoresByMachine, foreignCoresByProcess): what decides. */
  foreignCores: number;
  /** Foreign load from the machine's busy time, in cores. */
  foreignCoresByMachine: number;
  /** Foreign load from other processes' CPU time, in cores. */
  foreignCoresByProcess: number;
  /** CPU time of this benchmark's own process tree, in cores. */
  ownCores: number;
  /** 2 clock ticks over the round, in cores. */
  resolutionCores: number;
  /** The limit a quiet round stays under, in cores. */
  limitCores: number;
  /** The round was long enough to tell the limit apart: resolutionCores <= limitCores. */
  resolved: boolean;
  /** Resolved and foreignCores <= limitCores. */
  quiet: boolean;
}

/** Busy ticks of the aggregate "cpu" line of /proc/stat. */
export function parseProcStat(text: string): number {
  const line = text.split("\n").find((l) => l.startsWith("cpu "));
  if (!line) throw new Error("/proc/stat: no aggregate cpu line");
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal guest guest_nice (guest time is inside user already)
  const [user, nice, system, , , irq, softirq, steal] = f;
  return user + nice + system + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0);
}

/** The pid and CPU times of one /proc/<pid>/stat line (the command name may contain spaces and parentheses). */
export function parsePidStat(line: string): [number, ProcTimes] | null {
  const open = line.indexOf(" (");
  const close = line.lastIndexOf(") ");
  if (open < 0 || close < open) return null;
  const pid = Number(line.slice(0, open));
  // Fields from 3 (state) on: field n is f[n - 3] (ppid 4, utime 14 ... cstime 17, starttime 22).
  const f = line.slice(close + 2).trim().split(/\s+/).map(Number);
  const [ppid, ut, st, cut, cst, start] = [f[1], f[11], f[12], f[13], f[14], f[19]];
  if (![pid, ppid, ut, st, cut, cst, start].every(Number.isFinite)) return null;
  return [pid, { ppid, ticks: ut + st, childTicks: cut + cst, startTicks: start }];
}

/** Parse a snapshot from the texts of /proc/stat, /proc/loadavg, /proc/uptime and the /proc/<pid>/stat lines. */
export function parseSnapshot(t: ProcTexts, atMs: number): CpuSnapshot {
  const procs = new Map<number, ProcTimes>();
  for (const line of t.pids.split("\n")) {
    const p = line.trim() ? parsePidStat(line) : null;
    if (p) procs.set(p[0], p[1]);
  }
  return {
    atMs,
    busyTicks: parseProcStat(t.stat),
    uptimeTicks: Math.round(Number(t.uptime.trim().split(/\s+/)[0]) * USER_HZ),
    loadavg1: Number(t.loadavg.split(/\s+/)[0]),
    procs,
  };
}

/** Take a snapshot now (null where /proc cannot be read). */
export async function takeSnapshot(): Promise<CpuSnapshot | null> {
  const text = await readProcSnapshotText();
  return text ? parseSnapshot(text, performance.now()) : null;
}

/** `root` and its descendants among the processes of the snapshots. */
export function processTree(root: number, ...snaps: CpuSnapshot[]): Set<number> {
  const children = new Map<number, number[]>();
  for (const s of snaps) {
    for (const [pid, p] of s.procs) {
      const list = children.get(p.ppid) ?? [];
      if (!list.includes(pid)) list.push(pid);
      children.set(p.ppid, list);
    }
  }
  const tree = new Set<number>([root]);
  const todo = [root];
  while (todo.length > 0) {
    for (const c of children.get(todo.pop()!) ?? []) {
      if (!tree.has(c)) {
        tree.add(c);
        todo.push(c);
      }
    }
  }
  return tree;
}

/** The load between two snapshots for the process tree of `root` (default: this process). */
export function roundLoad(
  before: CpuSnapshot,
  after: CpuSnapshot,
  limitCores = FOREIGN_LOAD_LIMIT,
  root = Deno.pid,
): RoundLoad {
  const wallSeconds = Math.max((after.atMs - before.atMs) / 1000, 1e-9);
  const own = processTree(root, before, after);
  const total = (p: ProcTimes | undefined) => (p ? p.ticks + p.childTicks : 0);
  let ownTicks = 0, foreignTicks = 0;
  for (const pid of new Set([...before.procs.keys(), ...after.procs.keys()])) {
    const b = before.procs.get(pid), a = after.procs.get(pid);
    if (own.has(pid)) {
      ownTicks += total(a) - total(b);
    } else if (a && b) {
      foreignTicks += total(a) - total(b);
    } else if (a) {
      // New since the first snapshot: all its time is in the round if it started after that snapshot (a
      // process the first read missed, but older, cannot be split: the machine measure covers it).
      if (a.startTicks >= before.uptimeTicks) foreignTicks += total(a);
    } else if (b) {
      // Exited and reaped: its whole time moved into the cutime + cstime of its nearest surviving
      // ancestor; the part before the round is not load of this round.
      let p = b.ppid;
      while (!after.procs.has(p) && before.procs.has(p)) p = before.procs.get(p)!.ppid;
      if (after.procs.has(p) && !own.has(p)) foreignTicks -= total(b);
    }
  }
  foreignTicks = Math.max(0, foreignTicks);
  const cores = (ticks: number) => ticks / USER_HZ / wallSeconds;
  const byMachine = Math.max(0, cores(after.busyTicks - before.busyTicks - ownTicks));
  const byProcess = cores(foreignTicks);
  const foreignCores = Math.max(byMachine, byProcess);
  return {
    wallSeconds,
    loadavg1Before: before.loadavg1,
    loadavg1After: after.loadavg1,
    foreignCores,
    foreignCoresByMachine: byMachine,
    foreignCoresByProcess: byProcess,
    ownCores: cores(ownTicks),
    resolutionCores: cores(2),
    limitCores,
    resolved: cores(2) <= limitCores,
    quiet: cores(2) <= limitCores && foreignCores <= limitCores,
  };
}

/** Settings of {@link measuredRound}. */
export interface LoadCheckOptions {
  /** Foreign load a quiet round stays under, in cores. */
  limitCores?: number;
  /** Repeats of a round with foreign load. */
  retries?: number;
  /** Snapshot source (tests inject one); default {@link takeSnapshot}. */
  snapshot?: () => Promise<CpuSnapshot | null>;
  /** Root of this benchmark's process tree (default Deno.pid). */
  root?: number;
  /** Called when a noisy round is repeated. */
  onRetry?: (load: RoundLoad, attempt: number) => void;
}

/** A round that passed the load check (or ran out of retries), with the attempts that did not. */
export interface MeasuredRound<T> {
  /** What the measured function returned. */
  value: T;
  /** The kept attempt's load; null when /proc could not be read (the load is unknown). */
  load: RoundLoad | null;
  /** Loads of the repeated (discarded) attempts, in order. */
  rejected: RoundLoad[];
}

/**
 * Run `round`, measuring the foreign load around it; repeat it while the load exceeds the limit, at most
 * `retries` times. Resolves to the last attempt's value and load.
 */
export async function measuredRound<T>(
  round: () => Promise<T>,
  o: LoadCheckOptions = {},
): Promise<MeasuredRound<T>> {
  const limit = o.limitCores ?? FOREIGN_LOAD_LIMIT;
  const retries = o.retries ?? LOAD_RETRIES;
  const snapshot = o.snapshot ?? takeSnapshot;
  const rejected: RoundLoad[] = [];
  for (let attempt = 0;; attempt++) {
    const before = await snapshot();
    const value = await round();
    const after = await snapshot();
    const load = before && after ? roundLoad(before, after, limit, o.root ?? Deno.pid) : null;
    // Unmeasured or too short to resolve the limit: repeating would not tell more.
    if (load === null || !load.resolved || load.quiet || attempt >= retries) return { value, load, rejected };
    rejected.push(load);
    o.onRetry?.(load, attempt + 1);
  }
}
