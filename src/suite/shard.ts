/**
 * Deterministic sharding of a suite's runs over machines: `--shard i/n` (0 ≤ i < n) takes the runs whose
 * position in the id-sorted run list is ≡ i (mod n). The shards partition the runs exactly, differ in size
 * by at most one, and depend only on the run ids, so every machine computes the same split.
 * Indices are 0-based, as SLURM_ARRAY_TASK_ID with `--array=0-(n-1)` and Kubernetes JOB_COMPLETION_INDEX.
 *
 * @module
 */
import { badValue, UsageError } from "../runtime/errors.ts";

/** A shard of n. */
export interface Shard {
  /** Shard index, 0-based. */
  index: number;
  /** Number of shards. */
  count: number;
}

/** Parse "i/n" with 0 ≤ i < n. */
export function parseShard(text: string, flag = "--shard"): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || !(count >= 1) || !(index < count)) {
    throw new UsageError(
      badValue(flag, text, "i/n with integers 0 <= i < n, e.g. 0/4 (0-based shard index)"),
    );
  }
  return { index, count };
}

/** The items of shard `shard`, by position in the list sorted by id. */
export function selectShard<T extends { id: string }>(items: readonly T[], shard: Shard): T[] {
  const sorted = [...items].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return sorted.filter((_, i) => i % shard.count === shard.index);
}
