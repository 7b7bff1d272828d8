/**
 * Real-vs-real metric floors (issue "Verdicts that hold up", item 5): the distribution of each metric when
 * the "generated" set is itself real data of the evaluation's size N, against the same reference set the
 * runs use. A model cannot be told apart from real data by a value inside this band, so a metric whose
 * baseline already lies inside it is saturated and cannot carry a verdict.
 *
 * For resample r = 0..R−1 (R = eval.floorResamples, default 20) the real set is
 * - 2-D toys (kind "toy2d"): N fresh draws from the true distribution, dataset.reference(N, s_r) with
 *   s_r = deriveSeed(FLOOR_SEED, "floor:data", r) (the reference itself uses seed 0);
 * - image datasets: N images of the TRAINING split (the reference is the held-out split), the first N of a
 *   permutation from rngFor(FLOOR_SEED, "floor:train", r) (with replacement if N exceeds the split);
 * it goes through the run's feature space, and every metric is evaluated against the prepared reference
 * with the metric seed deriveSeed(FLOOR_SEED, "floor:metrics", r) (so the floor includes the metrics' own
 * randomness: KID subsets, SWD directions). Recorded per metric key: mean, sd (divisor R − 1) and the 5% /
 * 95% quantiles (numpy's default linear interpolation) as lo / hi.
 *
 * Floors do not depend on the run, so they are computed once and cached by content hash under
 * `<cacheDir>/floors/<sha256>.json`; the hash covers everything that determines them: dataset id and
 * resolved options, feature space id and weights hash, N, reference N and seed, metric ids and resolved
 * options, R, the floor seed and the antbench version ({@link floorSpec}).
 *
 * @module
 */
import type { Dataset } from "../data/dataset.ts";
import type { MetricFloor } from "../train/types.ts";
import { deriveSeed, rngFor } from "../runtime/rng.ts";
import { canonicalJson, sha256Hex } from "../suite/content_id.ts";
import { ANTBENCH_VERSION } from "../suite/version.ts";
import { atomicWriteJson } from "../runtime/atomic_write.ts";
import type { PreparedMetrics } from "./registry.ts";

/** Seed of the floors' streams (fixed: floors do not depend on the run seed). */
export const FLOOR_SEED = 0;

/** Default number of seeded resamples. */
export const FLOOR_DEFAULT_RESAMPLES = 20;

/** Cache file format tag. */
export const FLOOR_CACHE_FORMAT = "antbench.floors/1";

/** Everything that determines a floor (hashed into the cache key). */
export interface FloorSpec {
  /** Dataset id and resolved options. */
  dataset: { id: string; options: Record<string, unknown> };
  /** Feature space id and the hash of its weights ("" for the raw data). */
  featureSpace: { id: string; weightsHash: string };
  /** Generated samples per evaluation (the floor's N). */
  n: number;
  /** Reference samples (the evaluation's reference N). */
  referenceN: number;
  /** Seed the reference set is drawn with. */
  referenceSeed: number;
  /** Metric ids with their resolved options, in evaluation order. */
  metrics: { id: string; options: Record<string, unknown> }[];
  /** Number of seeded resamples. */
  resamples: number;
  /** The floor seed ({@link FLOOR_SEED}). */
  seed: number;
  /** antbench version. */
  antbench: string;
}

/** What the floor computation needs from a run. */
export interface FloorInputs {
  /** The loaded dataset (its kind decides where the real sets come from). */
  dataset: Dataset;
  /** Resolved dataset options (defaults merged). */
  datasetOptions: Record<string, unknown>;
  /** The run's feature space: id, weights hash ("" for the raw data) and extractor. */
  features: {
    id: string;
    weightsHash: string;
    extract(x: Float32Array, n: number): Promise<Float32Array>;
  };
  /** The metrics prepared against the run's reference features. */
  prepared: PreparedMetrics;
  /** Metric ids with resolved options (as {@link FloorSpec.metrics}). */
  metrics: { id: string; options: Record<string, unknown> }[];
  /** Samples per resample (the evaluation's generated N). */
  n: number;
  /** Reference samples. */
  referenceN: number;
  /** Seed of the reference set. */
  referenceSeed: number;
  /** Number of seeded resamples (>= 1). */
  resamples: number;
  /** Cache directory (floors live under `<cacheDir>/floors/`); no caching when absent. */
  cacheDir?: string;
}

/** The spec of a floor computation. */
export function floorSpec(inp: FloorInputs): FloorSpec {
  return {
    dataset: { id: inp.dataset.id, options: inp.datasetOptions },
    featureSpace: { id: inp.features.id, weightsHash: inp.features.weightsHash },
    n: inp.n,
    referenceN: inp.referenceN,
    referenceSeed: inp.referenceSeed,
    metrics: inp.metrics,
    resamples: inp.resamples,
    seed: FLOOR_SEED,
    antbench: ANTBENCH_VERSION,
  };
}

/** SHA-256 (hex) of the canonical JSON of a floor spec: the cache key. */
export function floorKey(spec: FloorSpec): Promise<string> {
  return sha256Hex(canonicalJson({ format: FLOOR_CACHE_FORMAT, spec }));
}

/** Quantile q of ascending-sorted values with numpy's default (linear) interpolation. */
export function quantileSorted(sorted: readonly number[], q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = (n - 1) * q;
  const lo = Math.floor(h), hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/** Mean, sd (divisor n − 1) and 5% / 95% quantiles of values. */
export function summarizeFloor(
  values: readonly number[],
): { mean: number; sd: number; lo: number; hi: number } {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1)) : 0;
  const sorted = [...values].sort((a, b) => a - b);
  return { mean, sd, lo: quantileSorted(sorted, 0.05), hi: quantileSorted(sorted, 0.95) };
}

/** The real "generated" set of resample r, and a description of where it comes from. */
export function floorRealSet(dataset: Dataset, n: number, r: number): { x: Float32Array; source: string } {
  if (dataset.kind === "toy2d") {
    return {
      x: dataset.reference(n, deriveSeed(FLOOR_SEED, "floor:data", r)),
      source: "fresh draws from the true distribution",
    };
  }
  const dim = dataset.dataShape.reduce((a, b) => a * b, 1);
  const rng = rngFor(FLOOR_SEED, "floor:train", r);
  const x = new Float32Array(n * dim);
  const replace = n > dataset.nTrain;
  const perm = replace ? null : rng.permutation(dataset.nTrain);
  for (let i = 0; i < n; i++) {
    const idx = perm ? perm[i] : rng.int(0, dataset.nTrain);
    x.set(dataset.train.subarray(idx * dim, (idx + 1) * dim), i * dim);
  }
  return {
    x,
    source: replace ? "train split, drawn with replacement (N > train size)" : "train split, seeded subsets",
  };
}

interface FloorCacheFile {
  format: string;
  key: string;
  spec: FloorSpec;
  floors: Record<string, MetricFloor>;
}

async function readCache(path: string, key: string): Promise<Record<string, MetricFloor> | null> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch {
    return null;
  }
  try {
    const file = JSON.parse(text) as FloorCacheFile;
    return file.format === FLOOR_CACHE_FORMAT && file.key === key ? file.floors : null;
  } catch {
    return null; // a damaged cache entry is recomputed and overwritten
  }
}

/**
 * The real-vs-real floor of every prepared metric: from the cache when present (identical bytes), else
 * computed (see the module doc) and cached.
 */
export async function metricFloors(inp: FloorInputs): Promise<Record<string, MetricFloor>> {
  const spec = floorSpec(inp);
  const key = await floorKey(spec);
  const path = inp.cacheDir ? `${inp.cacheDir}/floors/${key}.json` : null;
  if (path) {
    const hit = await readCache(path, key);
    if (hit) return hit;
  }
  const values = new Map<string, number[]>(inp.prepared.names.map((name) => [name, []]));
  let source = "";
  for (let r = 0; r < inp.resamples; r++) {
    const real = floorRealSet(inp.dataset, inp.n, r);
    source = real.source;
    const feats = await inp.features.extract(real.x, inp.n);
    const m = inp.prepared.evaluate(feats, deriveSeed(FLOOR_SEED, "floor:metrics", r));
    for (const name of inp.prepared.names) values.get(name)!.push(m[name]);
  }
  const floors: Record<string, MetricFloor> = {};
  for (const name of inp.prepared.names) {
    floors[name] = {
      key: name,
      n: inp.n,
      referenceN: inp.referenceN,
      resamples: inp.resamples,
      source,
      ...summarizeFloor(values.get(name)!),
    };
  }
  if (path) {
    await Deno.mkdir(`${inp.cacheDir}/floors`, { recursive: true });
    const file: FloorCacheFile = { format: FLOOR_CACHE_FORMAT, key, spec, floors };
    await atomicWriteJson(path, file);
    // Return what a later cache hit returns, byte for byte.
    return (await readCache(path, key)) ?? floors;
  }
  return floors;
}
