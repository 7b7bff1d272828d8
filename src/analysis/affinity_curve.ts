/**
 * ANT's observation (O1), "the task affinity between denoising tasks diminishes as the gap between noise
 * levels widens" (Go et al. 2023, §3.1), as curves: the task-affinity matrices of checkpoints across
 * training (src/clustering/affinity.ts, measured at grid timesteps) summarised against the gap between the
 * two tasks, |t_a − t_b| and |λ_a − λ_b| (λ = log-SNR), and a rank correlation per checkpoint.
 *
 * For one checkpoint with grid timesteps g_0 < … < g_{m−1} and grid matrix A, every pair a < b is one
 * point (gap, A[a][b]); the diagonal (gap 0, affinity 1 by definition) is left out. Pairs are grouped:
 * - by timestep gap into bins of the grid step G (bin centre round(gap / G) · G; the last grid point T − 1
 *   is off the regular grid, so its pairs join the nearest bin);
 * - by log-SNR gap into `bins` equal bins over [0, max gap] (centre of the bin).
 * Per bin: the mean over its pairs per checkpoint; across checkpoints their mean, minimum and maximum (the
 * band of the figure); and the 10% / 90% quantiles over all pairs of all checkpoints (the spread within a
 * bin). Spearman's ρ (average ranks for ties) between gap and affinity over all pairs of a checkpoint says
 * whether affinity falls with the gap (ρ < 0) without assuming a shape. Pairs of one matrix are dependent,
 * so no interval is computed from them; checkpoints of independent runs (seeds) at the same step give the
 * interval over seeds (./affinity_report.ts).
 *
 * @module
 */
import { quantileSorted } from "../metrics/floor.ts";

/** One bin of a curve. */
export interface GapBin {
  /** Bin centre (timesteps, or log-SNR units). */
  gap: number;
  /** Pairs in the bin per checkpoint. */
  pairs: number;
  /** Mean affinity of the bin's pairs, per checkpoint (checkpoint order). */
  perCheckpoint: number[];
  /** Mean, minimum and maximum of `perCheckpoint`. */
  mean: number;
  /** Minimum of `perCheckpoint`. */
  min: number;
  /** Maximum of `perCheckpoint`. */
  max: number;
  /** 10% and 90% quantiles over every pair of every checkpoint in the bin. */
  pairLo: number;
  /** 90% quantile over every pair of every checkpoint in the bin. */
  pairHi: number;
}

interface Pair {
  gap: number;
  value: number;
}

/** The (gap, affinity) points of a grid matrix: every pair a < b. */
export function affinityPairs(
  grid: Int32Array,
  matrix: Float64Array,
  gapOf: (a: number, b: number) => number,
): Pair[] {
  const m = grid.length;
  if (matrix.length !== m * m) {
    throw new RangeError(`affinityPairs: ${matrix.length} entries for a grid of ${m}`);
  }
  const out: Pair[] = [];
  for (let a = 0; a < m; a++) {
    for (let b = a + 1; b < m; b++) out.push({ gap: gapOf(grid[a], grid[b]), value: matrix[a * m + b] });
  }
  return out;
}

function binned(
  pairsPerCheckpoint: Pair[][],
  binOf: (gap: number) => number,
  centre: (bin: number) => number,
): GapBin[] {
  const bins = new Map<number, number[][]>();
  pairsPerCheckpoint.forEach((pairs, c) => {
    for (const p of pairs) {
      const b = binOf(p.gap);
      if (!bins.has(b)) bins.set(b, pairsPerCheckpoint.map(() => []));
      bins.get(b)![c].push(p.value);
    }
  });
  return [...bins.keys()].sort((a, b) => a - b).map((b) => {
    const lists = bins.get(b)!;
    const perCheckpoint = lists.map((v) => v.reduce((s, x) => s + x, 0) / v.length);
    const all = lists.flat().sort((x, y) => x - y);
    return {
      gap: centre(b),
      pairs: lists[0].length,
      perCheckpoint,
      mean: perCheckpoint.reduce((s, x) => s + x, 0) / perCheckpoint.length,
      min: Math.min(...perCheckpoint),
      max: Math.max(...perCheckpoint),
      pairLo: quantileSorted(all, 0.1),
      pairHi: quantileSorted(all, 0.9),
    };
  });
}

/** Affinity against |t_a − t_b|, in bins of the grid step `G` (see the module doc). */
export function timestepGapCurve(grid: Int32Array, matrices: readonly Float64Array[], G: number): GapBin[] {
  const pairs = matrices.map((m) => affinityPairs(grid, m, (a, b) => Math.abs(b - a)));
  return binned(pairs, (gap) => Math.max(1, Math.round(gap / G)), (b) => b * G);
}

/** Affinity against |λ_a − λ_b| in `bins` equal bins over [0, max gap] (see the module doc). */
export function logSnrGapCurve(
  grid: Int32Array,
  matrices: readonly Float64Array[],
  logSnr: Float64Array,
  bins: number,
): GapBin[] {
  const gapOf = (a: number, b: number) => Math.abs(logSnr[a] - logSnr[b]);
  const pairs = matrices.map((m) => affinityPairs(grid, m, gapOf));
  const max = Math.max(...pairs.flat().map((p) => p.gap));
  const w = max / bins || 1;
  return binned(pairs, (gap) => Math.min(bins - 1, Math.floor(gap / w)), (b) => (b + 0.5) * w);
}

/** Ranks 1..n with ties given their average rank. */
export function ranks(x: readonly number[]): number[] {
  const idx = x.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const r = new Array<number>(x.length);
  for (let i = 0; i < idx.length;) {
    let j = i;
    while (j + 1 < idx.length && idx[j + 1][0] === idx[i][0]) j++;
    for (let k = i; k <= j; k++) r[idx[k][1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return r;
}

/** Spearman's rank correlation (Pearson correlation of the average ranks; SciPy `spearmanr`). */
export function spearman(x: readonly number[], y: readonly number[]): number {
  if (x.length !== y.length || x.length < 2) {
    throw new RangeError("spearman: two samples of equal length >= 2");
  }
  const rx = ranks(x), ry = ranks(y);
  const n = x.length, mx = (n + 1) / 2;
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (rx[i] - mx) * (ry[i] - mx);
    sxx += (rx[i] - mx) ** 2;
    syy += (ry[i] - mx) ** 2;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : NaN;
}

/** Spearman's ρ between gap and affinity over all pairs of one grid matrix. */
export function gapSpearman(
  grid: Int32Array,
  matrix: Float64Array,
  gapOf: (a: number, b: number) => number,
): number {
  const pairs = affinityPairs(grid, matrix, gapOf);
  return spearman(pairs.map((p) => p.gap), pairs.map((p) => p.value));
}
