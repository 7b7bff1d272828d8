/**
 * The common Dataset implementation of the image datasets (digits8, mnist, fashion-mnist, folder): integer
 * pixels in [0, maxValue] become float32 in [-1, 1] (x / maxValue · 2 - 1, so 0 → -1 and maxValue → 1), NHWC,
 * with an optional border of background pixels (value -1) on every side.
 *
 * `reference(n, seed)` returns n images of the held-out split: a seeded subset (the first n entries of a
 * permutation drawn from the stream (seed, "reference:<id>")), so it is deterministic in (n, seed) and
 * never overlaps the training split.
 *
 * @module
 */
import type { Dataset, Provenance } from "./dataset.ts";
import { deriveSeed, Rng } from "../runtime/rng.ts";
import { badValue, UsageError } from "../runtime/errors.ts";

/** Raw integer images of the two splits of one dataset. */
export interface RawImageSplits {
  id: string;
  /** Size of the stored images (before padding). */
  height: number;
  width: number;
  channels: number;
  /** Largest pixel value (255 for 8-bit images, 16 for the 8x8 digits). */
  maxValue: number;
  train: Uint8Array;
  trainLabels?: Uint8Array;
  heldOut: Uint8Array;
  heldOutLabels?: Uint8Array;
  /** Background pixels added on each side (e.g. 2 to pad 28x28 MNIST to 32x32). */
  pad: number;
  featureSpace: string;
  provenance: Provenance;
}

/** A split converted to floats, with optional labels. */
export interface ImageSplit {
  /** Number of images. */
  n: number;
  /** [n, H, W, C] row-major, values in [-1, 1]. */
  x: Float32Array;
  /** Class label of each image, when the dataset has labels. */
  labels?: Uint8Array;
}

/**
 * Convert n images of h×w×c integer pixels to float32 in [-1, 1], adding `pad` background pixels (-1) on
 * every side.
 */
export function toFloatImages(
  u8: Uint8Array,
  n: number,
  h: number,
  w: number,
  c: number,
  maxValue: number,
  pad = 0,
): Float32Array {
  const H = h + 2 * pad, W = w + 2 * pad;
  const out = new Float32Array(n * H * W * c).fill(-1);
  const scale = 2 / maxValue;
  for (let i = 0; i < n; i++) {
    for (let y = 0; y < h; y++) {
      const src = ((i * h + y) * w) * c;
      const dst = ((i * H + y + pad) * W + pad) * c;
      for (let k = 0; k < w * c; k++) out[dst + k] = u8[src + k] * scale - 1;
    }
  }
  return out;
}

/** Cut the centred toH×toW window out of n images of h×w×c (e.g. 32x32 padded MNIST back to 28x28). */
export function centerCrop(
  x: Float32Array,
  n: number,
  h: number,
  w: number,
  c: number,
  toH: number,
  toW: number,
): Float32Array {
  if (toH > h || toW > w || (h - toH) % 2 !== 0 || (w - toW) % 2 !== 0) {
    throw new RangeError(`centerCrop: cannot cut a centred ${toH}x${toW} window out of ${h}x${w}`);
  }
  const oy = (h - toH) / 2, ox = (w - toW) / 2;
  const out = new Float32Array(n * toH * toW * c);
  for (let i = 0; i < n; i++) {
    for (let y = 0; y < toH; y++) {
      const src = ((i * h + y + oy) * w + ox) * c;
      out.set(x.subarray(src, src + toW * c), ((i * toH + y) * toW) * c);
    }
  }
  return out;
}

/** An image dataset; besides the Dataset contract it exposes the held-out split with its labels. */
export class ImageDataset implements Dataset {
  /** Registry id of the dataset. */
  readonly id: string;
  /** Always "image". */
  readonly kind = "image" as const;
  readonly dataShape: readonly number[];
  readonly train: Float32Array;
  /** Number of training images. */
  readonly nTrain: number;
  readonly trainLabels?: Uint8Array;
  readonly featureSpace: string;
  /** Source, license and checksums. */
  readonly provenance: Provenance;
  /** The held-out split (the reference set of the metrics; the test split where the data has one). */
  readonly heldOut: ImageSplit;

  /** A dataset over decoded splits. */
  constructor(raw: RawImageSplits) {
    const { height: h, width: w, channels: c, maxValue, pad } = raw;
    const per = h * w * c;
    if (raw.train.length % per !== 0 || raw.heldOut.length % per !== 0) {
      throw new RangeError(`${raw.id}: split sizes are not multiples of ${h}x${w}x${c}`);
    }
    this.id = raw.id;
    this.dataShape = [h + 2 * pad, w + 2 * pad, c];
    this.nTrain = raw.train.length / per;
    this.train = toFloatImages(raw.train, this.nTrain, h, w, c, maxValue, pad);
    this.trainLabels = raw.trainLabels;
    const nHeld = raw.heldOut.length / per;
    this.heldOut = {
      n: nHeld,
      x: toFloatImages(raw.heldOut, nHeld, h, w, c, maxValue, pad),
      labels: raw.heldOutLabels,
    };
    this.featureSpace = raw.featureSpace;
    this.provenance = raw.provenance;
  }

  /** Indices into the held-out split of `reference(n, seed)`'s images, in order. */
  referenceIndices(n: number, seed: number): Int32Array {
    const m = this.heldOut.n;
    if (!Number.isInteger(n) || n < 1 || n > m) {
      throw new UsageError(
        badValue(
          `${this.id} reference samples`,
          n,
          `an integer in [1, ${m}] (the size of the held-out split)`,
        ),
      );
    }
    return new Rng(deriveSeed(seed, `reference:${this.id}`)).permutation(m).slice(0, n);
  }

  reference(n: number, seed: number): Float32Array {
    const idx = this.referenceIndices(n, seed);
    const per = this.dataShape[0] * this.dataShape[1] * this.dataShape[2];
    const out = new Float32Array(n * per);
    for (let i = 0; i < n; i++) out.set(this.heldOut.x.subarray(idx[i] * per, (idx[i] + 1) * per), i * per);
    return out;
  }
}
