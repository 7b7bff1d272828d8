/**
 * Registry of feature extractors by id. The classifier extractors ("digits8-cnn", "mnist-cnn",
 * "fashion-mnist-cnn") load committed weights from fixtures/features/<id>/ (hash-verified); "inception"
 * loads a user-supplied tfjs Inception-v3 (./inception.ts); "data" is the identity (2-D toys).
 *
 * @module
 */
import { UsageError } from "../../runtime/errors.ts";
import type { FeatureExtractor } from "./extractor.ts";
import { cnnExtractor } from "./cnn_extractor.ts";
import { loadFeatureModel } from "./weights.ts";
import { FEATURE_TRAINING } from "./train.ts";
import { loadInceptionExtractor } from "./inception.ts";

/** Directory of the committed classifier weights. */
export const FEATURES_DIR: string = new URL("../../../fixtures/features/", import.meta.url).pathname;

/** Ids of the committed classifier extractors (one per image dataset). */
export const CNN_EXTRACTOR_IDS: readonly string[] = [...FEATURE_TRAINING.values()].map((s) => s.id);

/** Every extractor id. */
export const FEATURE_EXTRACTOR_IDS: readonly string[] = [...CNN_EXTRACTOR_IDS, "inception", "data"];

/** The stored-weights directory of a classifier extractor. */
export function featureModelDir(id: string): string {
  return `${FEATURES_DIR}${id}`;
}

/** The extractor id of a dataset ("mnist" → "mnist-cnn"); UsageError for datasets without one. */
export function extractorIdForDataset(dataset: string): string {
  const spec = FEATURE_TRAINING.get(dataset);
  if (!spec) {
    throw new UsageError(
      `dataset ${JSON.stringify(dataset)} has no feature classifier; allowed: ${
        [...FEATURE_TRAINING.keys()].join(", ")
      }`,
    );
  }
  return spec.id;
}

/** Options of {@link loadFeatureExtractor}. */
export interface LoadExtractorOptions {
  /** Path of the tfjs Inception-v3 model.json ("inception" only). */
  inceptionPath?: string;
  /** Graph-model output node ("inception" only). */
  inceptionOutput?: string;
  /** Weights directory overriding fixtures/features/<id> (classifiers only). */
  dir?: string;
}

/**
 * Load an extractor by id (or by dataset id, which maps to its classifier). tfjs must have a backend
 * (initBackend) before `extract` is called. "data" is not loadable here: use the raw samples.
 */
export async function loadFeatureExtractor(
  id: string,
  opts: LoadExtractorOptions = {},
): Promise<FeatureExtractor> {
  if (FEATURE_TRAINING.has(id)) id = FEATURE_TRAINING.get(id)!.id;
  if (id === "inception") {
    if (!opts.inceptionPath) {
      throw new UsageError(
        "feature extractor inception: needs the path of a tfjs Inception-v3 model.json (pool_3, 2048-d); " +
          "none ships with antbench",
      );
    }
    return await loadInceptionExtractor(opts.inceptionPath, { outputNode: opts.inceptionOutput });
  }
  if (!CNN_EXTRACTOR_IDS.includes(id)) {
    throw new UsageError(
      `feature extractor ${JSON.stringify(id)}: unknown; allowed: ${
        [...CNN_EXTRACTOR_IDS, "inception"].join(", ")
      } ` +
        `(or a dataset id: ${[...FEATURE_TRAINING.keys()].join(", ")}); "data" means the raw samples`,
    );
  }
  const { manifest, values } = await loadFeatureModel(opts.dir ?? featureModelDir(id));
  return cnnExtractor(manifest, values);
}

/** A feature space as the trainer uses it: "data" (identity) or a loaded extractor. */
export interface FeatureSpace {
  /** Feature space id (used in metric names). */
  id: string;
  /** Feature dimension. */
  dim: number;
  /** Content hash of the extractor's weights ("sha256:<hex>"; "" for the raw data). */
  weightsHash: string;
  /** n samples → n×dim features (asynchronous: extractors read from the backend). */
  extract(images: Float32Array, n: number): Promise<Float32Array>;
  /** Release the extractor's weights. */
  dispose(): void;
}

/**
 * The feature space named by a dataset's `featureSpace` ("data" → the raw samples, d = prod(dataShape);
 * otherwise {@link loadFeatureExtractor}).
 */
export async function loadFeatureSpace(
  id: string,
  dataShape: readonly number[],
  opts: LoadExtractorOptions = {},
): Promise<FeatureSpace> {
  if (id === "data") {
    const dim = dataShape.reduce((a, b) => a * b, 1);
    return { id, dim, weightsHash: "", extract: (x) => Promise.resolve(x), dispose: () => {} };
  }
  const ex = await loadFeatureExtractor(id, opts);
  return {
    id: ex.id,
    dim: ex.dim,
    weightsHash: ex.weightsHash,
    extract: (x, n) => ex.extract(x, n),
    dispose: () => ex.dispose(),
  };
}
