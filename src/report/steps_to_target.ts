/**
 * Steps-to-target (MLPerf-style time-to-quality, with the step as the unit of time): the training step at
 * which a row's quality first reaches the target, vanilla's mean final value of the headline metric.
 *
 * - Interpolated: between the last evaluation that misses the target and the first that reaches it, the
 *   step is found by linear interpolation of the metric; reached already at the first evaluation, the
 *   step is that evaluation's (an upper bound, `atFirstEval`).
 * - On the mean curve (mean over seeds at each evaluation step that every seed has) and per seed.
 * - With a 95% percentile bootstrap interval over seeds: each of `settings.bootstrap` resamples draws
 *   the row's seeds with replacement, paired with vanilla's runs of the same seeds, recomputes the target
 *   (vanilla's mean final value over the drawn seeds), both mean curves and their steps, and the speed-up
 *   (vanilla's steps / the row's; 0 when the row misses the target). The stream is seeded (purpose
 *   "steps-to-target bootstrap"), so the interval is deterministic. With n seeds there are at most
 *   C(2n − 1, n) distinct resamples (3 for n = 2), so the interval is coarse by construction.
 * - No speed-up for a row whose mean final value is worse than the target: reaching vanilla's quality
 *   earlier and then losing it is not a speed-up.
 *
 * @module
 */
import type { RunResult } from "../train/types.ts";
import { rngFor } from "../runtime/rng.ts";
import type { Direction } from "./metric_info.ts";
import type { ReportSettings } from "./settings.ts";

/** Steps-to-target of one row. */
export interface StepsToTarget {
  /** Metric key (the group's headline). */
  metric: string;
  /** Vanilla's mean final value. */
  target: number;
  /** Evaluation points of the row's runs (the most any run has). */
  evalPoints: number;
  /** Seeds of the row's ok runs, in order, and each one's interpolated steps (null = not reached). */
  seeds: number[];
  /** Interpolated steps per seed (null = not reached). */
  perSeed: (number | null)[];
  /** Seeds that reach the target. */
  reached: number;
  /** Interpolated steps on the row's mean curve (null = not reached). */
  mean: number | null;
  /** The mean curve reaches the target at its first evaluation: `mean` is an upper bound. */
  atFirstEval: boolean;
  /** 95% bootstrap interval of `mean`; a null bound means "not reached" in that tail. Null without pairs. */
  ci: [number | null, number | null] | null;
  /** Vanilla's mean steps / the row's; null when withheld (see `withheld`). */
  speedup: number | null;
  /** 95% bootstrap interval of the speed-up (null when the speed-up is withheld). */
  speedupCi: [number, number] | null;
  /** Why no speed-up is given. */
  withheld?: string;
  /** Bootstrap resamples behind the intervals. */
  resamples: number;
}

type Curve = [number, number][];

const TOL = 1e-12;

function reaches(v: number, target: number, d: Direction): boolean {
  const tol = TOL * Math.max(1, Math.abs(target));
  return d === "lower" ? v <= target + tol : v >= target - tol;
}

/**
 * The first step at which `curve` (ascending steps) reaches `target`, interpolated linearly between the
 * bracketing evaluations; null when it never does.
 */
export function interpolatedReach(
  curve: Curve,
  target: number,
  d: Direction,
): { step: number; atFirst: boolean } | null {
  for (let i = 0; i < curve.length; i++) {
    const [s, v] = curve[i];
    if (!reaches(v, target, d)) continue;
    if (i === 0) return { step: s, atFirst: true };
    const [s0, v0] = curve[i - 1];
    const frac = v === v0 ? 1 : (target - v0) / (v - v0);
    return { step: s0 + Math.min(1, Math.max(0, frac)) * (s - s0), atFirst: false };
  }
  return null;
}

/** A run's curve of `key`, finite values only. */
export function runCurve(r: RunResult, key: string): Curve {
  return r.curve.map((p) => [p.step, p.metrics[key]] as [number, number]).filter(([, v]) =>
    Number.isFinite(v)
  );
}

/** Mean over `curves` at each step that all of them have. */
export function meanCurve(curves: readonly Curve[]): Curve {
  if (curves.length === 0) return [];
  const maps = curves.map((c) => new Map(c));
  const steps = [...new Set(curves.flatMap((c) => c.map(([s]) => s)))].sort((a, b) => a - b);
  const out: Curve = [];
  for (const s of steps) {
    if (!maps.every((m) => m.has(s))) continue;
    out.push([s, maps.reduce((acc, m) => acc + m.get(s)!, 0) / maps.length]);
  }
  return out;
}

function finalOf(r: RunResult, key: string): number {
  return r.final[key];
}

/** Type-7 quantile of ascending values that may hold Infinity; null when it touches an infinite value. */
function quantile(sorted: readonly number[], q: number): number | null {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  if (!Number.isFinite(sorted[lo]) || !Number.isFinite(sorted[hi])) return null;
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/**
 * Steps-to-target of `rowRuns` (ok runs of one row) against `baseline` (vanilla's ok runs) for metric `key`
 * with direction `d`. The target is vanilla's mean final value.
 */
export function stepsToTarget(
  rowRuns: readonly RunResult[],
  baseline: readonly RunResult[],
  key: string,
  d: Direction,
  settings: ReportSettings,
): StepsToTarget | undefined {
  const baseFinals = baseline.map((r) => finalOf(r, key)).filter(Number.isFinite);
  if (baseFinals.length === 0) return undefined;
  const target = baseFinals.reduce((a, b) => a + b, 0) / baseFinals.length;
  const curves = rowRuns.map((r) => runCurve(r, key));
  const perSeed = curves.map((c) => interpolatedReach(c, target, d)?.step ?? null);
  const meanReach = interpolatedReach(meanCurve(curves), target, d);
  const baseReach = interpolatedReach(meanCurve(baseline.map((r) => runCurve(r, key))), target, d);
  const finals = rowRuns.map((r) => finalOf(r, key)).filter(Number.isFinite);
  const rowFinal = finals.length ? finals.reduce((a, b) => a + b, 0) / finals.length : NaN;

  let withheld: string | undefined;
  if (!Number.isFinite(rowFinal)) withheld = "no final value";
  else if (!reaches(rowFinal, target, d)) withheld = "final value worse than the target";
  else if (!meanReach) withheld = "target not reached";
  else if (!baseReach || baseReach.step <= 0) withheld = "vanilla's steps undefined";
  const speedup = withheld ? null : baseReach!.step / meanReach!.step;

  // Paired bootstrap over the seeds both have.
  const baseBySeed = new Map(baseline.map((r) => [r.config.seed, r]));
  const pairs = rowRuns.filter((r) =>
    baseBySeed.has(r.config.seed) && Number.isFinite(finalOf(baseBySeed.get(r.config.seed)!, key))
  );
  let ci: StepsToTarget["ci"] = null;
  let speedupCi: StepsToTarget["speedupCi"] = null;
  if (pairs.length > 0 && settings.bootstrap > 0) {
    const rc = pairs.map((r) => runCurve(r, key));
    const bc = pairs.map((r) => runCurve(baseBySeed.get(r.config.seed)!, key));
    const bf = pairs.map((r) => finalOf(baseBySeed.get(r.config.seed)!, key));
    const rng = rngFor(settings.bootstrapSeed, "steps-to-target bootstrap");
    const steps: number[] = [];
    const ratios: number[] = [];
    const n = pairs.length;
    for (let b = 0; b < settings.bootstrap; b++) {
      const idx = Array.from({ length: n }, () => rng.int(0, n));
      const t = idx.reduce((acc, i) => acc + bf[i], 0) / n;
      const rr = interpolatedReach(meanCurve(idx.map((i) => rc[i])), t, d);
      const br = interpolatedReach(meanCurve(idx.map((i) => bc[i])), t, d);
      steps.push(rr ? rr.step : Infinity);
      ratios.push(rr && br && rr.step > 0 ? br.step / rr.step : 0);
    }
    steps.sort((a, b) => a - b);
    ratios.sort((a, b) => a - b);
    ci = [quantile(steps, 0.025), quantile(steps, 0.975)];
    if (speedup !== null) speedupCi = [quantile(ratios, 0.025)!, quantile(ratios, 0.975)!];
  }
  return {
    metric: key,
    target,
    evalPoints: Math.max(0, ...curves.map((c) => c.length)),
    seeds: rowRuns.map((r) => r.config.seed),
    perSeed,
    reached: perSeed.filter((s) => s !== null).length,
    mean: meanReach?.step ?? null,
    atFirstEval: meanReach?.atFirst ?? false,
    ci,
    speedup,
    speedupCi,
    ...(withheld ? { withheld } : {}),
    resamples: pairs.length > 0 ? settings.bootstrap : 0,
  };
}
