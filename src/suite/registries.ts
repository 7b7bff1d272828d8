/**
 * The registries a suite is validated against, gathered behind one small interface so that validation and
 * expansion can be tested with synthetic registries and the real ones are wired in one place.
 *
 * @module
 */
import { DATASETS } from "../data/registry.ts";
import { MODELS } from "../models/registry.ts";

/** What validation needs from a registered component: defaults and an option validator. */
export interface OptionedEntry {
  readonly defaults: unknown;
  validate(options: Record<string, unknown>): string[];
}

/** The id spaces a suite refers to. */
export interface SuiteRegistries {
  datasets: ReadonlyMap<string, OptionedEntry>;
  models: ReadonlyMap<string, OptionedEntry>;
  methods: ReadonlyMap<string, OptionedEntry>;
  /** Clustering objective ids (options-free); must include "none" for the baseline. */
  objectives: ReadonlySet<string>;
  /** Metric ids usable in `eval.metrics`. */
  metrics: ReadonlySet<string>;
}

/** An entry without options, for ids whose registry has not landed yet. */
const OPTIONLESS: OptionedEntry = {
  defaults: {},
  validate(options) {
    return Object.keys(options).map((k) => `${k}: unknown option (this component takes no options yet)`);
  },
};

/**
 * Method ids of the MTL registry contract (src/mtl/registry.ts). Used until that registry lands; then
 * replaced by its METHODS map.
 */
const CONTRACT_METHODS = ["vanilla", "uw", "pcgrad", "nashmtl"];
/** Objective ids of the clustering contract (src/clustering/registry.ts). */
const CONTRACT_OBJECTIVES = ["none", "timestep", "snr", "gradient"];
/** Metric ids of the metrics contract (src/metrics/registry.ts). */
const CONTRACT_METRICS = ["fd", "swd", "kid", "precision", "recall"];

/** The project's registries. */
export function defaultRegistries(): SuiteRegistries {
  return {
    datasets: DATASETS,
    models: MODELS,
    methods: new Map(CONTRACT_METHODS.map((id) => [id, OPTIONLESS])),
    objectives: new Set(CONTRACT_OBJECTIVES),
    metrics: new Set(CONTRACT_METRICS),
  };
}
