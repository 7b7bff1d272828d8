/**
 * The metric registry the trainer and the reports use. A metric id ("fd", "kid", ...) computed in a feature
 * space ("data" for 2-D toys, "<dataset>-cnn" for the committed classifiers, "inception" for a user
 * Inception-v3) is reported under the name `<id>-<space>`, e.g. "fd-data", "kid-digits8-cnn". The Fréchet
 * distance in a classifier space is "FD-<extractor>", never "FID".
 *
 * @module
 */
import { UsageError } from "../runtime/errors.ts";
import { frechetDistance, type FrechetOptions, gaussianStats } from "./frechet.ts";
import { kernelInceptionDistance, type KidOptions } from "./kid.ts";
import { precisionRecall } from "./precision_recall.ts";
import { slicedWasserstein } from "./sliced_wasserstein.ts";
import { fdInfinity } from "./fd_infinity.ts";

/** Which way is better. */
export type MetricDirection = "lower" | "higher";

/** A registered metric. */
export interface MetricInfo {
  readonly id: string;
  readonly direction: MetricDirection;
  readonly description: string;
}

/** Every metric by id. */
export const METRICS: ReadonlyMap<string, MetricInfo> = new Map(
  ([
    [
      "fd",
      "lower",
      "Fréchet distance between Gaussian fits (Heusel et al. 2017, eq. 6), float64; depends on N",
    ],
    ["fd_inf", "lower", "FD extrapolated to N = ∞ by a line in 1/N (Chong & Forsyth 2020)"],
    [
      "kid",
      "lower",
      "KID: unbiased MMD² with the kernel (xᵀy/d + 1)³ over seeded subsets (Bińkowski et al. 2018)",
    ],
    ["precision", "higher", "improved precision, k = 3 (Kynkäänniemi et al. 2019)"],
    ["recall", "higher", "improved recall, k = 3 (Kynkäänniemi et al. 2019)"],
    ["swd", "lower", "sliced Wasserstein-2 over seeded random directions, exact 1-D W2 by sorting"],
  ] as const).map(([id, direction, description]) => [id, { id, direction, description }]),
);

/** Ids of all metrics. */
export const METRIC_IDS: readonly string[] = [...METRICS.keys()];

/** Problems with a list of metric ids (empty when fine), for suite validation. */
export function validateMetricIds(ids: readonly unknown[], field = "metrics"): string[] {
  const problems: string[] = [];
  ids.forEach((id, i) => {
    if (typeof id !== "string" || !METRICS.has(id)) {
      problems.push(`${field}[${i}]: got ${JSON.stringify(id)}; allowed: ${METRIC_IDS.join(", ")}`);
    }
  });
  if (new Set(ids).size !== ids.length) problems.push(`${field}: duplicate metric ids`);
  return problems;
}

/** The reported name of metric `id` in feature space `space`. */
export function metricName(id: string, space: string): string {
  return `${id}-${space}`;
}

/** "lower" or "higher" is better for a metric name ("fd-data") or id ("fd"); UsageError if unknown. */
export function metricDirection(name: string): MetricDirection {
  const dash = name.indexOf("-");
  const id = dash < 0 ? name : name.slice(0, dash);
  const info = METRICS.get(id);
  if (!info) {
    throw new UsageError(
      `metric name ${JSON.stringify(name)}: unknown metric id; allowed: ${METRIC_IDS.join(", ")}`,
    );
  }
  return info.direction;
}

/** Options of {@link computeMetrics}. */
export interface ComputeMetricsOptions {
  /** Seed of the KID subsets, SWD directions and FD∞ shuffle (each its own stream). */
  seed: number;
  /** Feature space name used in the metric names (default "data"). */
  featureSpace?: string;
  kid?: Omit<KidOptions, "seed">;
  /** Neighbourhood size of precision/recall (default 3). */
  k?: number;
  /** SWD directions (default 256). */
  swdProjections?: number;
  frechet?: FrechetOptions;
}

/**
 * Compute the requested metrics between real and generated n×d feature matrices (row-major; the sample
 * counts may differ, except that "swd" uses the first min(n_real, n_gen) rows of each).
 * Returns `{ "<id>-<space>": value }` in the order of `ids`.
 */
export function computeMetrics(
  ids: readonly string[],
  real: Float32Array | Float64Array,
  gen: Float32Array | Float64Array,
  d: number,
  opts: ComputeMetricsOptions,
): Record<string, number> {
  const problems = validateMetricIds(ids);
  if (problems.length > 0) throw new UsageError(problems.join("; "));
  if (real.length % d !== 0 || gen.length % d !== 0) {
    throw new UsageError(`metrics: sizes ${real.length} and ${gen.length} are not multiples of d = ${d}`);
  }
  const space = opts.featureSpace ?? "data";
  const nr = real.length / d, ng = gen.length / d;
  const out: Record<string, number> = {};
  let realStats: ReturnType<typeof gaussianStats> | undefined;
  const stats = () => (realStats ??= gaussianStats(real, nr, d));
  let pr: ReturnType<typeof precisionRecall> | undefined;
  for (const id of ids) {
    let v: number;
    switch (id) {
      case "fd":
        v = frechetDistance(gaussianStats(gen, ng, d), stats(), opts.frechet);
        break;
      case "fd_inf":
        v = fdInfinity(gen, d, stats(), { seed: opts.seed, frechet: opts.frechet }).fdInf;
        break;
      case "kid":
        v = kernelInceptionDistance(real, gen, d, { ...opts.kid, seed: opts.seed }).kid;
        break;
      case "precision":
      case "recall":
        pr ??= precisionRecall(real, gen, d, { k: opts.k });
        v = id === "precision" ? pr.precision : pr.recall;
        break;
      case "swd": {
        const m = Math.min(nr, ng) * d;
        v = slicedWasserstein(real.subarray(0, m), gen.subarray(0, m), d, {
          seed: opts.seed,
          projections: opts.swdProjections,
        });
        break;
      }
      default:
        throw new UsageError(`metric ${id}: not implemented`);
    }
    out[metricName(id, space)] = v;
  }
  return out;
}
