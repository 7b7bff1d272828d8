/**
 * The registries a suite is validated against, gathered behind one small interface so that validation and
 * expansion can be tested with synthetic registries and the real ones are wired in one place.
 *
 * @module
 */
import { DATASETS } from "../data/registry.ts";
import { MODELS } from "../models/registry.ts";
import { METHODS } from "../mtl/registry.ts";
import { OBJECTIVES } from "../clustering/registry.ts";
import { DENSITY_METRIC_IDS, METRICS } from "../metrics/registry.ts";
import type { Component } from "../train/types.ts";
import { autoencoderProblem } from "../latent/registry.ts";

/** What validation needs from a registered component: defaults and an option validator. */
export interface OptionedEntry {
  /** Default options. */
  readonly defaults: unknown;
  /** Problems with options merged over the defaults. */
  validate(options: Record<string, unknown>): string[];
}

/** The id spaces a suite refers to. */
export interface SuiteRegistries {
  /** Datasets by id. */
  datasets: ReadonlyMap<string, OptionedEntry>;
  /** Models by id. */
  models: ReadonlyMap<string, OptionedEntry>;
  /** Methods by id. */
  methods: ReadonlyMap<string, OptionedEntry>;
  /** Clustering objective ids (options-free); must include "none" for the baseline. */
  objectives: ReadonlySet<string>;
  /** Metric ids usable in `eval.metrics`. */
  metrics: ReadonlySet<string>;
  /** Why metric `metric` cannot be computed on dataset `dataset` (null when it can); absent: always can. */
  metricSupport?: (metric: string, dataset: string) => string | null;
  /**
   * Why the autoencoder `latent` cannot encode dataset `dataset` (with its options; null when it can);
   * absent: no autoencoders (a suite with `latent` is invalid).
   */
  latentSupport?: (latent: string, dataset: Component) => string | null;
}

/** An entry without options, for ids whose registry has not landed yet. */
const OPTIONLESS: OptionedEntry = {
  defaults: {},
  validate(options) {
    return Object.keys(options).map((k) => `${k}: unknown option (this component takes no options yet)`);
  },
};

/**
 * Method ids promised by the MTL contract. Any that src/mtl/registry.ts does not register yet are accepted
 * without options, so suites can name them ahead of time; such runs fail at training with the registry's
 * error (recorded as a failed result). Registered methods always use their factory's defaults and validate().
 */
const CONTRACT_METHODS = ["vanilla", "uw", "pcgrad", "nashmtl"];

/** The project's registries. */
export function defaultRegistries(): SuiteRegistries {
  return {
    datasets: DATASETS,
    models: MODELS,
    methods: new Map<string, OptionedEntry>([
      ...CONTRACT_METHODS.filter((id) => !METHODS.has(id)).map((id) => [id, OPTIONLESS] as const),
      ...METHODS,
    ]),
    objectives: new Set(OBJECTIVES.keys()),
    metrics: new Set(METRICS.keys()),
    metricSupport(metric, dataset) {
      if (!DENSITY_METRIC_IDS.includes(metric) || DATASETS.get(dataset)?.hasLogDensity) return null;
      const ok = [...DATASETS.values()].filter((f) => f.hasLogDensity).map((f) => f.id);
      return `the dataset has no exact density; allowed datasets: ${ok.join(", ")}`;
    },
    latentSupport(latent, dataset) {
      const f = DATASETS.get(dataset.id);
      const shape = f ? f.dataShape({ ...f.defaults as Record<string, unknown>, ...dataset.options }) : null;
      return autoencoderProblem(latent, shape);
    },
  };
}
