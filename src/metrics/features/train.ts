/**
 * Deterministic training of the feature classifiers (`deno task cli features train <dataset>`): seeded
 * Glorot initialisation (rngFor(seed, "features-init", layer)), seeded data order per epoch
 * (rngFor(seed, "features-order", epoch)), softmax cross-entropy, Adam (Kingma & Ba 2015, Alg. 1) with a
 * cosine learning-rate decay, no augmentation. Same backend + same seed → same weights (tfjs wasm and cpu
 * are deterministic, tfjs-deno-perf.md §6).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { rngFor } from "../../runtime/rng.ts";
import { readConcat, readFlat } from "../../runtime/read.ts";
import { type CnnArch, cnnForward, initialWeights, variableSpecs } from "./cnn.ts";

/** Training recipe of one dataset's classifier. */
export interface FeatureTrainingSpec {
  /** Extractor id (the dataset's feature space). */
  id: string;
  dataset: string;
  arch: CnnArch;
  seed: number;
  epochs: number;
  batchSize: number;
  /** Peak learning rate (cosine-decayed to 0 over all steps). */
  lr: number;
}

/** The recipes, by dataset id. */
export const FEATURE_TRAINING: ReadonlyMap<string, FeatureTrainingSpec> = new Map([
  ["digits8", {
    id: "digits8-cnn",
    dataset: "digits8",
    arch: {
      input: [8, 8, 1],
      convs: [{ filters: 32, stride: 1 }, { filters: 64, stride: 2 }],
      hidden: 64,
      classes: 10,
    },
    seed: 0,
    epochs: 20,
    batchSize: 32,
    lr: 2e-3,
  }],
  ["mnist", {
    id: "mnist-cnn",
    dataset: "mnist",
    arch: {
      input: [28, 28, 1],
      convs: [{ filters: 16, stride: 2 }, { filters: 32, stride: 2 }],
      hidden: 128,
      classes: 10,
    },
    seed: 0,
    epochs: 4,
    batchSize: 64,
    lr: 2e-3,
  }],
  ["fashion-mnist", {
    id: "fashion-mnist-cnn",
    dataset: "fashion-mnist",
    arch: {
      input: [28, 28, 1],
      convs: [{ filters: 16, stride: 2 }, { filters: 32, stride: 2 }],
      hidden: 128,
      classes: 10,
    },
    seed: 0,
    epochs: 3,
    batchSize: 64,
    lr: 2e-3,
  }],
] as [string, FeatureTrainingSpec][]);

/** Progress callback payload. */
export interface TrainProgress {
  epoch: number;
  step: number;
  steps: number;
  loss: number;
}

/**
 * Train a classifier on n images (NHWC matching `spec.arch.input`) with integer labels; resolves to the
 * weights in storage order. The step losses stay on the backend until a progress report needs them (one
 * read of the pending losses then; none without `onProgress`), and the weights are read once at the end.
 */
export async function trainClassifier(
  spec: FeatureTrainingSpec,
  images: Float32Array,
  labels: Uint8Array,
  n: number,
  onProgress?: (p: TrainProgress) => void,
): Promise<Float32Array[]> {
  const { arch, batchSize: B } = spec;
  const per = arch.input[0] * arch.input[1] * arch.input[2];
  if (images.length !== n * per || labels.length < n) throw new RangeError("trainClassifier: size mismatch");
  const specs = variableSpecs(arch);
  const vars = initialWeights(arch, spec.seed).map((v, i) =>
    tf.variable(tf.tensor(v, specs[i].shape), true, specs[i].name)
  );
  const m = vars.map((v) => tf.variable(tf.zerosLike(v), false));
  const s = vars.map((v) => tf.variable(tf.zerosLike(v), false));
  const beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  const stepsPerEpoch = Math.floor(n / B);
  const total = stepsPerEpoch * spec.epochs;
  const xb = new Float32Array(B * per);
  const yb = new Int32Array(B);
  let t = 0;
  for (let epoch = 0; epoch < spec.epochs; epoch++) {
    const order = rngFor(spec.seed, "features-order", epoch).permutation(n);
    let lossSum = 0;
    let pending: tf.Scalar[] = [];
    for (let st = 0; st < stepsPerEpoch; st++) {
      for (let b = 0; b < B; b++) {
        const idx = order[st * B + b];
        xb.set(images.subarray(idx * per, (idx + 1) * per), b * per);
        yb[b] = labels[idx];
      }
      t++;
      const lr = 0.5 * spec.lr * (1 + Math.cos((Math.PI * (t - 1)) / total));
      const loss = tf.tidy(() => {
        const x = tf.tensor4d(xb, [B, ...arch.input]);
        const y = tf.oneHot(tf.tensor1d(yb, "int32"), arch.classes);
        const { value, grads } = tf.variableGrads(() => {
          const { logits } = cnnForward(arch, vars, x);
          return tf.neg(tf.div(tf.sum(tf.mul(y, tf.logSoftmax(logits))), B)) as tf.Scalar;
        }, vars);
        const c1 = 1 - Math.pow(beta1, t), c2 = 1 - Math.pow(beta2, t);
        vars.forEach((v, i) => {
          const g = grads[v.name];
          m[i].assign(tf.add(tf.mul(m[i], beta1), tf.mul(g, 1 - beta1)));
          s[i].assign(tf.add(tf.mul(s[i], beta2), tf.mul(tf.square(g), 1 - beta2)));
          const mhat = tf.div(m[i], c1), shat = tf.div(s[i], c2);
          v.assign(tf.sub(v, tf.mul(tf.div(mhat, tf.add(tf.sqrt(shat), eps)), lr)));
        });
        return value;
      });
      if (!onProgress) {
        loss.dispose();
        continue;
      }
      pending.push(loss);
      if (st % 100 === 99 || st === stepsPerEpoch - 1) {
        const values = await readConcat(pending);
        tf.dispose(pending);
        pending = [];
        for (const l of values) lossSum += l;
        onProgress({ epoch, step: st + 1, steps: stepsPerEpoch, loss: lossSum / (st + 1) });
      }
    }
  }
  const out = await readFlat(vars);
  [...vars, ...m, ...s].forEach((v) => v.dispose());
  return out;
}
