/**
 * Real-vs-real floors in reports: the band [lo, hi] (5%-95% quantiles) a metric takes when the "generated"
 * samples are themselves real data of the evaluation's size (RunResult.floors, computed by the metric
 * code). A model whose value lies inside the band cannot be told apart from real data by that metric, so a
 * comparison whose reference (vanilla or the matched control) is inside it is "saturated": the metric can
 * no longer show an improvement, and the comparison is not a finding.
 *
 * @module
 */
import type { MetricFloor, RunResult } from "../train/types.ts";
import type { Direction } from "./metric_info.ts";

function validFloor(f: unknown, key: string): f is MetricFloor {
  const x = f as MetricFloor | null | undefined;
  return !!x && typeof x === "object" && (x.key === undefined || x.key === key) && Number.isFinite(x.lo) &&
    Number.isFinite(x.hi) && x.lo <= x.hi;
}

/** The floor of `key` recorded by the first of `runs` that has one (runs in report order), or null. */
export function floorOf(runs: readonly RunResult[], key: string): MetricFloor | null {
  for (const r of runs) {
    const f = r.floors?.[key];
    if (validFloor(f, key)) return f;
  }
  return null;
}

/**
 * True when `value` lies inside the floor band as the report reads it: for a lower-is-better metric
 * value ≤ hi, for a higher-is-better one value ≥ lo (a value beyond the band on the good side is also at
 * the floor). False without a floor.
 */
export function atFloor(value: number, floor: MetricFloor | null, direction: Direction): boolean {
  if (!floor || !Number.isFinite(value)) return false;
  return direction === "lower" ? value <= floor.hi : value >= floor.lo;
}
