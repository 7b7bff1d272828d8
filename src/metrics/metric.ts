/**
 * The shape of a sample-quality metric in the registry (src/metrics/registry.ts), the same shape as every
 * other extension point: id, description, reference, defaults, validate, create.
 *
 * `create(options, ctx)` receives the reference features once per run (ctx) and may precompute everything
 * that depends only on them (Gaussian statistics, kernel sums over the reference, a data-derived
 * bandwidth); the returned {@link Metric} is then evaluated on each generated set (every evaluation point,
 * and every real-vs-real floor resample) with that set's seed. Values are plain numbers, float64 throughout.
 *
 * @module
 */
import { badValue } from "../runtime/errors.ts";
import type { LogDensity } from "../data/dataset.ts";

export type { LogDensity };

/** Which way is better. */
export type MetricDirection = "lower" | "higher";

/** What a metric sees of its run: the reference features and what the dataset knows about itself. */
export interface MetricContext {
  /** Reference features, nReal×d row-major (the same real set for every run of a dataset). */
  real: Float32Array | Float64Array;
  /** Reference rows. */
  nReal: number;
  /** Feature dimension. */
  d: number;
  /** Feature space id ("data" for 2-D toys, "<dataset>-cnn", "inception"). */
  featureSpace: string;
  /** Dataset id, for messages. */
  dataset?: string;
  /** The dataset's exact log-density, when it has one (2-D toys with known densities). */
  logDensity?: LogDensity;
  /** Memo shared by the metrics of one context (e.g. the reference's Gaussian statistics). */
  shared: Map<string, unknown>;
}

/** A metric prepared against one reference set. */
export interface Metric {
  /**
   * The metric between the reference and nGen×d generated features. `seed` seeds the metric's own random
   * streams (subsets, directions); `memo` is shared by the metrics evaluated on the same generated set.
   */
  compute(gen: Float32Array | Float64Array, nGen: number, seed: number, memo: Map<string, unknown>): number;
  /** Resolved, data-derived settings worth recording with the results (e.g. a kernel bandwidth). */
  readonly settings?: Record<string, number | string>;
}

/** A registered metric. */
export interface MetricFactory<O = Record<string, unknown>> {
  /** Metric id (the `<id>` of "<id>-<space>"). */
  readonly id: string;
  /** Which way is better. */
  readonly direction: MetricDirection;
  /** One line for reports. */
  readonly description: string;
  /** Paper and equation this implementation follows. */
  readonly reference: string;
  /** Default options. */
  readonly defaults: O;
  /** Problems with options (merged over defaults), each naming `metric.<id>.<option>`, value and range. */
  validate(options: Record<string, unknown>): string[];
  /** Prepare the metric against a reference set; UsageError when the context cannot support it. */
  create(options: O, ctx: MetricContext): Metric;
}

/** Problems for option keys of metric `id` that are not in `allowed`. */
export function unknownMetricOptions(
  id: string,
  options: Record<string, unknown>,
  allowed: readonly string[],
): string[] {
  return Object.keys(options).filter((k) => !allowed.includes(k)).map((k) =>
    `metric.${id}.${k}: unknown option; allowed: ${allowed.length ? allowed.join(", ") : "none (no options)"}`
  );
}

/** Problem if `options[key]` is not a number in [min, max] (an integer when `integer`). */
export function checkMetricNumber(
  id: string,
  options: Record<string, unknown>,
  key: string,
  min: number,
  max: number,
  integer = false,
): string[] {
  const v = options[key];
  if (
    typeof v === "number" && Number.isFinite(v) && v >= min && v <= max && (!integer || Number.isInteger(v))
  ) {
    return [];
  }
  return [badValue(`metric.${id}.${key}`, v, `a${integer ? "n integer" : " number"} in [${min}, ${max}]`)];
}
