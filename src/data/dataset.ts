/**
 * The interface of a training dataset, and the dataset registry's types.
 *
 * Data are float32 in a fixed range: 2-D toys in their natural coordinates (documented per dataset),
 * images scaled to [-1, 1], NHWC.
 *
 * @module
 */

/**
 * Exact log-density of a dataset's distribution convolved with an isotropic Gaussian of standard deviation
 * `smoothing` (0 = the density itself), at the n rows of `points` (n×d row-major): log p_h(x_i).
 */
export type LogDensity = (points: Float32Array | Float64Array, n: number, smoothing: number) => Float64Array;

/** Where a dataset came from, for the report. */
export interface Provenance {
  /** Where the data come from (a URL, package or generator). */
  source: string;
  /** The data's license. */
  license: string;
  /** Content hash or checksum verified at load time (empty for generated data). */
  checksum: string;
}

/** A loaded dataset. */
export interface Dataset {
  /** Registry id of the dataset. */
  readonly id: string;
  /** 2-D toy points, images, or latents. */
  readonly kind: "toy2d" | "image" | "latent";
  /** Shape of one sample: [2], [H, W, C], or [h, w, c] latents (kind "latent": an image dataset encoded by
   * a latent-diffusion autoencoder, src/latent/latent_data.ts). */
  readonly dataShape: readonly number[];
  /** Training samples, flat row-major [nTrain * prod(dataShape)]. */
  readonly train: Float32Array;
  /** Number of training samples. */
  readonly nTrain: number;
  /** Optional integer class labels of the training samples. */
  readonly trainLabels?: Uint8Array;
  /**
   * `n` real samples for quality metrics, independent of `train`: fresh draws from the true distribution
   * for toys, the held-out split for images (first n, or a seeded subset). Deterministic in (n, seed).
   */
  reference(n: number, seed: number): Float32Array;
  /** Id of the feature space the metrics use for this dataset ("data" for 2-D toys). */
  readonly featureSpace: string;
  /** The exact log-density of the true distribution, when it has a closed form (the `nll` metric). */
  readonly logDensity?: LogDensity;
  /** Source, license and checksums. */
  readonly provenance: Provenance;
}

/** Context for loading. */
export interface DatasetLoadContext {
  /** Directory for cached preprocessed tensors (under .cache/ by default). */
  cacheDir: string;
}

/** A registered dataset loader. */
export interface DatasetFactory<O = Record<string, unknown>> {
  /** Stable registry id. */
  readonly id: string;
  /** One line on the dataset. */
  readonly description: string;
  /** Default options. */
  readonly defaults: O;
  /** True when loaded datasets carry an exact `logDensity` (checked by suite validation for `nll`). */
  readonly hasLogDensity?: boolean;
  /**
   * The shape of one sample a load with these (validated, defaults-merged) options will have, known
   * without loading (suite validation checks a `latent` autoencoder against it).
   */
  dataShape(options: O): number[];
  /** Problems with options (merged over the defaults), each naming option, value and what is allowed. */
  validate(options: Record<string, unknown>): string[];
  /** Load (or generate) the dataset with resolved options. */
  load(options: O, ctx: DatasetLoadContext): Promise<Dataset>;
}
