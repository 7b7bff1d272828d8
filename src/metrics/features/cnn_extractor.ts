/**
 * A {@link FeatureExtractor} backed by a stored feature classifier (./cnn.ts, ./weights.ts).
 *
 * 28×28 classifiers also accept the 32×32 padded variant of their dataset (`size: 32`): the 2-pixel
 * background border is cut off (centre crop) before the network, so both variants share one feature space.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { FeatureExtractor } from "./extractor.ts";
import { inferImageShape } from "./extractor.ts";
import { cnnForward } from "./cnn.ts";
import { centerCrop } from "../../data/image_dataset.ts";
import type { FeatureModelManifest } from "./weights.ts";

/** Images per forward batch. */
const BATCH = 256;

/** Build an extractor from a verified manifest and its weights. */
export function cnnExtractor(manifest: FeatureModelManifest, values: Float32Array[]): FeatureExtractor & {
  /** Class predictions of n images (argmax of the logits). */
  classify(images: Float32Array, n: number): Promise<Int32Array>;
} {
  const arch = manifest.arch;
  const vars = values.map((v, i) => tf.keep(tf.tensor(v, manifest.variables[i].shape)));
  const [H, W, C] = arch.input;
  const shapes: [number, number, number][] = [[H, W, C]];
  if (H === 28 && W === 28) shapes.push([32, 32, C]);
  const run = async (images: Float32Array, n: number, want: "features" | "logits"): Promise<Float32Array> => {
    const [h, w] = inferImageShape(images.length, n, shapes, manifest.id);
    const x = h === H && w === W ? images : centerCrop(images, n, h, w, C, H, W);
    const dim = want === "features" ? arch.hidden : arch.classes;
    const out = new Float32Array(n * dim);
    const per = H * W * C;
    for (let s = 0; s < n; s += BATCH) {
      const b = Math.min(BATCH, n - s);
      const y = tf.tidy(() => {
        const xt = tf.tensor4d(x.subarray(s * per, (s + b) * per), [b, H, W, C]);
        const r = cnnForward(arch, vars, xt);
        return want === "features" ? r.features : r.logits;
      });
      try {
        out.set(await y.data() as Float32Array, s * dim);
      } finally {
        y.dispose();
      }
    }
    return out;
  };
  return {
    id: manifest.id,
    dataset: manifest.dataset,
    dim: arch.hidden,
    inputShapes: shapes,
    weightsHash: manifest.weightsHash,
    extract: (images, n) => run(images, n, "features"),
    async classify(images, n) {
      const logits = await run(images, n, "logits");
      const k = arch.classes;
      const pred = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        let best = 0;
        for (let j = 1; j < k; j++) if (logits[i * k + j] > logits[i * k + best]) best = j;
        pred[i] = best;
      }
      return pred;
    },
    dispose: () => vars.forEach((v) => v.dispose()),
  };
}
