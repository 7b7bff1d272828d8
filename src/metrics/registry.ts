/**
 * The metric registry the trainer and the reports use: one {@link MetricFactory} per metric id, each in its
 * own file (shape: src/metrics/metric.ts). A metric id ("fd", "mmd", ...) computed in a feature space
 * ("data" for 2-D toys, "<dataset>-cnn" for the committed classifiers, "inception" for a user Inception-v3)
 * is reported under the name `<id>-<space>`, e.g. "fd-data", "kid-digits8-cnn". The Fréchet distance in a
 * classifier space is "FD-<extractor>", never "FID".
 *
 * Metrics are prepared once per reference set ({@link prepareMetrics}: reference statistics, kernel sums and
 * data-derived settings such as the MMD bandwidth) and then evaluated on each generated set with its seed.
 *
 * @module
 */
import { UsageError } from "../runtime/errors.ts";
import type { LogDensity, MetricContext, MetricDirection, MetricFactory } from "./metric.ts";
import { fdFactory } from "./frechet.ts";
import { fdInfinityFactory } from "./fd_infinity.ts";
import { kidFactory, type KidOptions } from "./kid.ts";
import { precisionFactory, recallFactory } from "./precision_recall.ts";
import { swdFactory } from "./sliced_wasserstein.ts";
import { mmdFactory } from "./mmd.ts";
import { energyFactory } from "./energy.ts";
import { nllFactory } from "./nll.ts";

export type { MetricDirection } from "./metric.ts";
import { registryMap } from "../runtime/registry.ts";

/** What reports need of a registered metric (every {@link MetricFactory} is one). */
export interface MetricInfo {
  readonly id: string;
  readonly direction: MetricDirection;
  readonly description: string;
}

/** Ids of the registered metrics, in registry order. */
export const METRIC_IDS = [
  "fd",
  "fd_inf",
  "kid",
  "precision",
  "recall",
  "swd",
  "mmd",
  "energy",
  "nll",
] as const;

/** A registered metric id. */
export type MetricId = typeof METRIC_IDS[number];

/** Every metric by id. */
export const METRICS: ReadonlyMap<string, MetricFactory> = registryMap(
  "metric",
  METRIC_IDS,
  [
    fdFactory,
    fdInfinityFactory,
    kidFactory,
    precisionFactory,
    recallFactory,
    swdFactory,
    mmdFactory,
    energyFactory,
    nllFactory,
  ] as MetricFactory[],
);

/** Metric ids that need a dataset with an exact log-density. */
export const DENSITY_METRIC_IDS: readonly string[] = ["nll"];

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

/** Options of {@link prepareMetrics} and {@link computeMetrics}. */
export interface ComputeMetricsOptions {
  /** Seed of the metrics' random streams (KID subsets, SWD directions, FD∞ shuffles), computeMetrics only. */
  seed?: number;
  /** Feature space name used in the metric names (default "data"). */
  featureSpace?: string;
  /** Options per metric id, merged over the factory's defaults and validated. */
  options?: Record<string, Record<string, unknown>>;
  /** The dataset's exact log-density (for `nll`) and its id (for messages). */
  logDensity?: LogDensity;
  /** Dataset id (density metrics need one with an exact log-density). */
  dataset?: string;
  /** Shorthands: KID subsets/size, precision/recall k, SWD directions. */
  kid?: Omit<KidOptions, "seed">;
  /** k of precision/recall. */
  k?: number;
  /** Projections of the sliced Wasserstein distance. */
  swdProjections?: number;
}

/** Metrics prepared against one reference set. */
export interface PreparedMetrics {
  /** Metric names ("<id>-<space>") in the order of the ids. */
  readonly names: readonly string[];
  /** The metric ids with their resolved options (defaults merged), in order. */
  readonly metrics: readonly { id: string; options: Record<string, unknown> }[];
  /** Data-derived settings per metric name (e.g. {"mmd-data": {bandwidth: 0.19, rule: ...}}). */
  readonly settings: Record<string, Record<string, number | string>>;
  /** `{ "<id>-<space>": value }` for nGen×d generated features, the metrics' streams seeded by `seed`. */
  evaluate(gen: Float32Array | Float64Array, seed: number): Record<string, number>;
}

function resolvedOptions(id: string, opts: ComputeMetricsOptions): Record<string, unknown> {
  const f = METRICS.get(id)!;
  const short: Record<string, unknown> = id === "kid"
    ? { ...opts.kid }
    : id === "precision" || id === "recall"
    ? (opts.k === undefined ? {} : { k: opts.k })
    : id === "swd"
    ? (opts.swdProjections === undefined ? {} : { projections: opts.swdProjections })
    : {};
  const merged: Record<string, unknown> = { ...(f.defaults as Record<string, unknown>) };
  for (const [k, v] of Object.entries({ ...short, ...opts.options?.[id] })) {
    if (v !== undefined) merged[k] = v;
  }
  return merged;
}

/**
 * Prepare the metrics `ids` against n_real×d reference features (row-major). Throws a UsageError listing
 * every problem (unknown ids, bad options, a metric the dataset cannot support) before anything runs.
 */
export function prepareMetrics(
  ids: readonly string[],
  real: Float32Array | Float64Array,
  d: number,
  opts: ComputeMetricsOptions = {},
): PreparedMetrics {
  const problems = validateMetricIds(ids);
  if (problems.length > 0) throw new UsageError(problems.join("; "));
  if (!Number.isInteger(d) || d < 1 || real.length % d !== 0) {
    throw new UsageError(`metrics: ${real.length} reference values are not rows of d = ${d}`);
  }
  const space = opts.featureSpace ?? "data";
  const ctx: MetricContext = {
    real,
    nReal: real.length / d,
    d,
    featureSpace: space,
    dataset: opts.dataset,
    logDensity: opts.logDensity,
    shared: new Map(),
  };
  const options = ids.map((id) => resolvedOptions(id, opts));
  const optionProblems = ids.flatMap((id, i) => METRICS.get(id)!.validate(options[i]));
  if (optionProblems.length > 0) throw new UsageError(optionProblems.join("; "));
  const metrics = ids.map((id, i) => METRICS.get(id)!.create(options[i], ctx));
  const names = ids.map((id) => metricName(id, space));
  const settings: Record<string, Record<string, number | string>> = {};
  metrics.forEach((m, i) => {
    if (m.settings) settings[names[i]] = { ...m.settings };
  });
  return {
    names,
    metrics: ids.map((id, i) => ({ id, options: options[i] })),
    settings,
    evaluate(gen, seed) {
      if (gen.length % d !== 0) {
        throw new UsageError(`metrics: ${gen.length} generated values are not rows of d = ${d}`);
      }
      const n = gen.length / d;
      const memo = new Map<string, unknown>();
      const out: Record<string, number> = {};
      metrics.forEach((m, i) => (out[names[i]] = m.compute(gen, n, seed, memo)));
      return out;
    },
  };
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
  opts: ComputeMetricsOptions = {},
): Record<string, number> {
  return prepareMetrics(ids, real, d, opts).evaluate(gen, opts.seed ?? 0);
}
