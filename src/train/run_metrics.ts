/**
 * A run's sample-quality measurement, prepared once per run: the configured metrics against the run's
 * reference features (src/metrics/registry.ts), their data-derived settings (e.g. the MMD bandwidth), and
 * the real-vs-real floor of every metric (src/metrics/floor.ts, cached by content hash). The trainer
 * (src/train/run.ts) evaluates it at each evaluation point and records `floors` and `metricSettings` in the
 * result.
 *
 * @module
 */
import type { Dataset } from "../data/dataset.ts";
import type { MetricFloor, RunConfig } from "./types.ts";
import type { FeatureSpace } from "../metrics/features/registry.ts";
import { type PreparedMetrics, prepareMetrics } from "../metrics/registry.ts";
import { metricFloors } from "../metrics/floor.ts";

/** What a run records about its metrics besides the values. */
export interface RunMetrics {
  /** The metrics prepared against the reference features. */
  prepared: PreparedMetrics;
  /** Floors per metric key (absent when eval.floorResamples is 0 or absent). */
  floors?: Record<string, MetricFloor>;
  /** The result fields: `floors` and `metricSettings`, each only when non-empty. */
  resultFields(): { floors?: Record<string, MetricFloor>; metricSettings?: PreparedMetrics["settings"] };
}

/**
 * Prepare the run's metrics against `realFeatures` (the reference set drawn with `referenceSeed`) and
 * compute (or load from `<cacheDir>/floors/`) their floors. Throws a UsageError for metrics the dataset
 * cannot support, before any training.
 */
export async function prepareRunMetrics(args: {
  /** The run (eval.metrics, samples, referenceSamples, floorResamples). */
  config: RunConfig;
  dataset: Dataset;
  datasetOptions: Record<string, unknown>;
  features: FeatureSpace;
  realFeatures: Float32Array;
  referenceSeed: number;
  cacheDir?: string;
}): Promise<RunMetrics> {
  const { config, dataset, features } = args;
  const ev = config.eval;
  const prepared = prepareMetrics(ev.metrics, args.realFeatures, features.dim, {
    featureSpace: features.id,
    logDensity: dataset.logDensity,
    dataset: dataset.id,
  });
  const resamples = ev.floorResamples ?? 0;
  const floors = resamples > 0
    ? await metricFloors({
      dataset,
      datasetOptions: args.datasetOptions,
      features,
      prepared,
      metrics: [...prepared.metrics],
      n: ev.samples,
      referenceN: ev.referenceSamples,
      referenceSeed: args.referenceSeed,
      resamples,
      cacheDir: args.cacheDir,
    })
    : undefined;
  return {
    prepared,
    floors,
    resultFields() {
      return {
        ...(floors ? { floors } : {}),
        ...(Object.keys(prepared.settings).length > 0 ? { metricSettings: prepared.settings } : {}),
      };
    },
  };
}
