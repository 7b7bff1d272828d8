/**
 * Exclusive lock files with a holder record, a heartbeat and staleness rules: the primitive behind the
 * suite's directory locks and run claims (the protocol, and why it is safe, is in src/suite/lock.ts).
 *
 * A file is created atomically (temporary file, flock, hard link to the name), kept open and flocked by
 * its holder, and its mtime refreshed every `heartbeatMs`. A holder on this host is dead when its flock is
 * free; one on another host when its mtime is older than `staleMs`. A stale file is taken over under a
 * `<name>.takeover` guard.
 *
 * @module
 */
import { EnvironmentError } from "./errors.ts";

/** What a lock or claim file holds. */
export interface HolderInfo {
  schema: "antbench.lock/1";
  kind: "directory" | "shard" | "claim" | "takeover";
  pid: number;
  host: string;
  /** ISO time the holder started. */
  started: string;
  /** Unique per file: identifies this holder's file when taking over. */
  nonce: string;
  /** The command that holds it, e.g. "bench smoke --shard 0/4". */
  command: string;
  /** "i/n" for shard locks and for claims made by a shard. */
  shard?: string;
  /** Run id, for claims. */
  run?: string;
}

/** Heartbeat period and the age after which another host's holder counts as dead. */
export interface LockTiming {
  /** How often a holder refreshes its file's mtime. */
  heartbeatMs: number;
  /** Age of the mtime after which a holder on another host counts as dead. */
  staleMs: number;
}

/** Defaults: heartbeat every 15 s, stale after 2 minutes without one. */
export const DEFAULT_LOCK_TIMING: LockTiming = { heartbeatMs: 15_000, staleMs: 120_000 };

let hostName: string | undefined;

/** This machine's hostname ("unknown" without --allow-sys=hostname). */
export function thisHost(): string {
  if (hostName === undefined) {
    try {
      hostName = Deno.hostname();
    } catch {
      hostName = "unknown";
    }
  }
  return hostName;
}

/** Info for a new holder of kind `kind`. */
export function holderInfo(
  kind: HolderInfo["kind"],
  command: string,
  extra: { shard?: string; run?: string } = {},
): HolderInfo {
  return {
    schema: "antbench.lock/1",
    kind,
    pid: Deno.pid,
    host: thisHost(),
    started: new Date().toISOString(),
    nonce: crypto.randomUUID(),
    command,
    ...extra,
  };
}

/** "bench smoke (pid 123 on host h, started 2025-01-01T00:00:00.000Z)". */
export function describeHolder(h: HolderInfo): string {
  return `${h.command} (pid ${h.pid} on host ${h.host}, started ${h.started})`;
}

/** Inode numbers of the files this process holds (its own holders are alive whatever flock says). */
const heldHere = new Set<string>();

function inodeKey(path: string, ino: number | null): string {
  return ino === null ? `path:${path}` : `ino:${ino}`;
}

async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let off = 0;
  while (off < bytes.length) off += await file.write(bytes.subarray(off));
}

/** A lock or claim this process holds. */
export class Held {
  #file: Deno.FsFile;
  #ino: number | null;
  #timer: ReturnType<typeof setInterval>;
  #released = false;
  /** True once the file was found taken over or removed by someone else. */
  lost = false;

  constructor(
    readonly path: string,
    readonly info: HolderInfo,
    file: Deno.FsFile,
    ino: number | null,
    timing: LockTiming,
    onLost?: (h: Held) => void,
  ) {
    this.#file = file;
    this.#ino = ino;
    heldHere.add(inodeKey(path, ino));
    this.#timer = setInterval(() => {
      this.refresh().then((ok) => {
        if (!ok && !this.lost) {
          this.lost = true;
          onLost?.(this);
        }
      }, () => {});
    }, timing.heartbeatMs);
    Deno.unrefTimer(this.#timer);
  }

  /** Whether the file at `path` is still this holder's. */
  async isMine(): Promise<boolean> {
    try {
      const st = await Deno.stat(this.path);
      if (this.#ino !== null && st.ino !== null) return st.ino === this.#ino;
      const info = JSON.parse(await Deno.readTextFile(this.path)) as HolderInfo;
      return info.nonce === this.info.nonce;
    } catch {
      return false;
    }
  }

  /** Refresh the heartbeat (mtime); false when the file is no longer this holder's. */
  async refresh(): Promise<boolean> {
    if (this.#released) return true;
    if (!(await this.isMine())) return false;
    const now = new Date();
    await Deno.utime(this.path, now, now);
    return true;
  }

  /** Remove the file (when still ours) and drop the flock. Idempotent. */
  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    clearInterval(this.#timer);
    heldHere.delete(inodeKey(this.path, this.#ino));
    try {
      if (await this.isMine()) await Deno.remove(this.path);
    } catch { /* already gone */ }
    try {
      this.#file.close();
    } catch { /* closed */ }
  }
}

/** The outcome of {@link tryAcquire}: held, or the live holder that has it. */
export type Acquired = { held: Held; holder?: undefined } | { held?: undefined; holder: HolderInfo | null };

/** What a lock file says, with its mtime (the heartbeat) and inode. */
interface Found {
  info: HolderInfo | null;
  mtimeMs: number;
  ino: number | null;
}

async function readInfo(path: string): Promise<Found | null> {
  let st: Deno.FileInfo;
  try {
    st = await Deno.stat(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
  let info: HolderInfo | null = null;
  try {
    const v = JSON.parse(await Deno.readTextFile(path));
    if (v && typeof v === "object" && typeof v.nonce === "string") info = v as HolderInfo;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
  }
  return { info, mtimeMs: st.mtime?.getTime() ?? 0, ino: st.ino };
}

/** Whether the flock of `path` is free (its holder, if on this host, is dead). Null when flock fails. */
async function flockFree(path: string): Promise<boolean | null> {
  let f: Deno.FsFile;
  try {
    // Write mode: on NFS, flock becomes a POSIX lock, and an exclusive one needs a writable descriptor.
    f = await Deno.open(path, { read: true, write: true });
  } catch {
    return null;
  }
  try {
    const got = await f.tryLock(true);
    if (got) await f.unlock();
    return got;
  } catch {
    return null;
  } finally {
    f.close();
  }
}

/** Why the holder of `path` counts as dead, or null when it is alive (see the module doc). */
export async function staleReason(
  path: string,
  found: Found,
  timing: LockTiming,
): Promise<string | null> {
  if (heldHere.has(inodeKey(path, found.ino))) return null; // this process holds it
  const age = Date.now() - found.mtimeMs;
  const me = thisHost();
  if (found.info && found.info.host === me && me !== "unknown") {
    const free = await flockFree(path);
    if (free === true) return "that process is gone";
    if (free === false) return null;
  }
  if (age > timing.staleMs) {
    return `its heartbeat stopped ${Math.round(age / 1000)} s ago (more than ${
      Math.round(timing.staleMs / 1000)
    } s)`;
  }
  return null;
}

/** Atomically create `path` holding `info` (flocked, kept open); null when it exists. */
async function createExclusive(
  path: string,
  info: HolderInfo,
): Promise<{ file: Deno.FsFile; ino: number | null } | null> {
  const text = JSON.stringify(info, null, 2) + "\n";
  const tmp = `${path}.${info.nonce}.tmp`;
  const file = await Deno.open(tmp, { read: true, write: true, createNew: true });
  let linked = false;
  try {
    await writeAll(file, new TextEncoder().encode(text));
    await file.lock(true);
    try {
      await Deno.link(tmp, path);
      linked = true;
    } catch (e) {
      if (e instanceof Deno.errors.AlreadyExists) {
        file.close();
        return null;
      }
      if (e instanceof Deno.errors.NotFound) {
        file.close();
        throw e; // the temporary file vanished (a cleanup); the caller retries
      }
      // No hard links here: fall back to an exclusive create (readers see a young, unparsable file as live).
      let f2: Deno.FsFile;
      try {
        f2 = await Deno.open(path, { read: true, write: true, createNew: true });
      } catch (e2) {
        file.close();
        if (e2 instanceof Deno.errors.AlreadyExists) return null;
        throw e2;
      }
      file.close();
      await f2.lock(true);
      await writeAll(f2, new TextEncoder().encode(text));
      return { file: f2, ino: (await f2.stat()).ino };
    }
    return { file, ino: (await file.stat()).ino };
  } catch (e) {
    if (!linked) {
      try {
        file.close();
      } catch { /* closed */ }
    }
    throw e;
  } finally {
    await Deno.remove(tmp).catch(() => {});
  }
}

/** Remove the stale file at `path` whose holder had `nonce`, guarded by `<path>.takeover`. */
async function takeOver(
  path: string,
  nonce: string | null,
  timing: LockTiming,
  command: string,
): Promise<void> {
  const guardPath = `${path}.takeover`;
  const guard = await createExclusive(guardPath, holderInfo("takeover", command));
  if (!guard) {
    const g = await readInfo(guardPath);
    if (g && (await staleReason(guardPath, g, { ...timing, staleMs: Math.min(timing.staleMs, 10_000) }))) {
      await Deno.remove(guardPath).catch(() => {});
    } else await new Promise((r) => setTimeout(r, 20));
    return;
  }
  try {
    const cur = await readInfo(path);
    if (cur && (cur.info?.nonce ?? null) === nonce) await Deno.remove(path).catch(() => {});
  } finally {
    await Deno.remove(guardPath).catch(() => {});
    guard.file.close();
  }
}

/** Options of {@link tryAcquire}. */
export interface AcquireOptions {
  timing?: LockTiming;
  /** Told about every stale holder taken over. */
  onTakeover?: (stale: HolderInfo | null, reason: string) => void;
  /** Called when a heartbeat finds the file taken over by someone else. */
  onLost?: (h: Held) => void;
}

/**
 * Acquire the lock or claim file `path` for `info`, taking over a stale holder. Resolves to the held file,
 * or to the live holder (null when its file cannot be parsed).
 */
export async function tryAcquire(
  path: string,
  info: HolderInfo,
  opts: AcquireOptions = {},
): Promise<Acquired> {
  const timing = opts.timing ?? DEFAULT_LOCK_TIMING;
  for (let attempt = 0; attempt < 50; attempt++) {
    const mine = { ...info, nonce: crypto.randomUUID() };
    let created;
    try {
      created = await createExclusive(path, mine);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound && attempt < 49) continue;
      throw e;
    }
    if (created) return { held: new Held(path, mine, created.file, created.ino, timing, opts.onLost) };
    const found = await readInfo(path);
    if (!found) continue; // released meanwhile
    const reason = await staleReason(path, found, timing);
    if (reason === null) return { holder: found.info };
    opts.onTakeover?.(found.info, reason);
    await takeOver(path, found.info?.nonce ?? null, timing, info.command);
  }
  throw new EnvironmentError(
    `${path}: could not be acquired after 50 attempts (a lock file keeps reappearing)`,
  );
}

/** Whether `path` has a live holder, and its info (null when the file cannot be parsed). */
export async function liveHolder(
  path: string,
  timing: LockTiming = DEFAULT_LOCK_TIMING,
): Promise<{ info: HolderInfo | null } | null> {
  const found = await readInfo(path);
  if (!found) return null;
  if ((await staleReason(path, found, timing)) !== null) return null;
  return { info: found.info };
}
