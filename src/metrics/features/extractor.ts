/**
 * The feature-extractor interface of the image metrics: a frozen network mapping images (NHWC float32 in
 * [-1, 1], the dataset convention) to feature vectors on which FD, KID and precision/recall are computed.
 *
 * @module
 */

/** A frozen feature extractor. */
export interface FeatureExtractor {
  /** Feature-space id used in metric names, e.g. "mnist-cnn" → "fd-mnist-cnn"; "inception" for Inception-v3. */
  readonly id: string;
  /** Dataset the extractor was trained for ("" when generic, e.g. Inception). */
  readonly dataset: string;
  /** Feature dimension d. */
  readonly dim: number;
  /** Accepted input image shapes [H, W, C]. */
  readonly inputShapes: readonly (readonly [number, number, number])[];
  /** Content hash of the weights ("sha256:<hex>"). */
  readonly weightsHash: string;
  /**
   * n images (NHWC, [-1, 1]) → n×dim row-major features. The image shape is inferred from the size (one of
   * `inputShapes`; square images for Inception) unless `shape` [H, W, C] is given. Asynchronous: the
   * features are read from the backend with `await data()` (one read per forward batch).
   */
  extract(images: Float32Array, n: number, shape?: [number, number, number]): Promise<Float32Array>;
  /** Release the weights. */
  dispose(): void;
}

/** Shape of n images in a flat array, checked against the accepted shapes; throws RangeError. */
export function inferImageShape(
  length: number,
  n: number,
  accepted: readonly (readonly [number, number, number])[],
  who: string,
): [number, number, number] {
  if (!Number.isInteger(n) || n < 0 || (n === 0 ? length !== 0 : length % n !== 0)) {
    throw new RangeError(`${who}: ${length} values do not split into ${n} images`);
  }
  const per = n === 0 ? 0 : length / n;
  const shape = accepted.find((s) => s[0] * s[1] * s[2] === per);
  if (!shape && n > 0) {
    throw new RangeError(
      `${who}: images of ${per} values; accepted shapes: ${accepted.map((s) => s.join("x")).join(", ")}`,
    );
  }
  return shape ? [shape[0], shape[1], shape[2]] : [...accepted[0]] as [number, number, number];
}
