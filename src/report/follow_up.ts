/**
 * Planning a follow-up from a finished suite (`deno task cli power`): per row and comparison of a metric,
 * the power the current seeds have for a relative effect, the minimum detectable effect, and how many
 * seeds a follow-up needs to detect that effect — at level alpha as a single test, and at Holm's worst
 * case alpha / m with m the number of tests of the table. The sd of the paired differences is the one
 * observed; with few seeds it is itself uncertain, so the seed counts are a plan, not a guarantee.
 *
 * @module
 */
import type { Group } from "./aggregate.ts";
import { pairedTPower, pairsNeeded } from "./power.ts";
import { relativeMde } from "./paired.ts";

/** The plan for one row and comparison. */
export interface FollowUp {
  group: string;
  row: string;
  metric: string;
  against: "control" | "vanilla";
  /** Paired seeds now. */
  n: number;
  /** sd of the paired differences relative to |reference mean|. */
  relativeSd: number;
  /** Observed relative difference. */
  observed: number;
  /** Power of the current seeds for the planned effect (single test at alpha). */
  powerNow: number;
  /** Relative MDE now at alpha and at alpha / m. */
  mde: number;
  mdeHolm: number;
  /** Seeds needed for the planned effect at alpha and at alpha / m (null: unknown or beyond a million). */
  seeds: number | null;
  seedsHolm: number | null;
  /** Tests in the table's Holm family. */
  m: number;
}

/** Settings of a plan. */
export interface FollowUpOptions {
  /** Relative effect to detect (e.g. 0.1 = 10% of the reference mean). */
  effect: number;
  alpha: number;
  power: number;
  /** Metric key per group; default the group's headline. */
  metric?: string;
}

/** Plans for every row and comparison of `groups`. */
export function followUps(groups: readonly Group[], o: FollowUpOptions): FollowUp[] {
  const out: FollowUp[] = [];
  for (const g of groups) {
    const key = o.metric ?? g.headline;
    const m = Math.max(1, g.family.tests);
    for (const row of g.rows) {
      const metric = row.metrics.find((x) => x.key === key);
      for (const c of metric?.comparisons ?? []) {
        const rel = c.sd / Math.abs(c.referenceMean);
        const d = Number.isFinite(rel) ? (rel === 0 ? Infinity : o.effect / rel) : NaN;
        const known = c.n >= 2 && Number.isFinite(rel);
        const needed = (
          alpha: number,
        ) => (!known ? null : d === Infinity ? 2 : pairsNeeded(d, alpha, o.power));
        out.push({
          group: g.title,
          row: row.label,
          metric: key!,
          against: c.against,
          n: c.n,
          relativeSd: rel,
          observed: c.relative,
          powerNow: known ? (d === Infinity ? 1 : pairedTPower(c.n, d, o.alpha)) : NaN,
          mde: relativeMde(c.n, c.sd, c.referenceMean, o.alpha, o.power),
          mdeHolm: relativeMde(c.n, c.sd, c.referenceMean, o.alpha / m, o.power),
          seeds: needed(o.alpha),
          seedsHolm: needed(o.alpha / m),
          m,
        });
      }
    }
  }
  return out;
}
