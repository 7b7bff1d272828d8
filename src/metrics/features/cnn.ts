/**
 * The small convolutional classifiers whose penultimate layer is the feature space of the image metrics
 * ("FD-<dataset>-cnn", the "Fréchet LeNet distance" idea of dfaroughy/FID-MNIST, never called FID).
 *
 * Architecture (all-convolutional, no pooling kernels needed): 3×3 "same" convolutions with the given
 * strides and ReLU, flatten, a dense ReLU layer of `hidden` units (the features), and a dense layer to the
 * class logits. Weights are stored as a flat float32 blob with a JSON manifest (see ./weights.ts).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { glorotUniform } from "../../models/init.ts";
import { rngFor } from "../../runtime/rng.ts";

/** Architecture of a feature classifier. */
export interface CnnArch {
  /** Input height, width, channels. */
  input: [number, number, number];
  /** Convolutions in order: output channels and stride (3×3 kernels, "same" padding, ReLU). */
  convs: { filters: number; stride: number }[];
  /** Units of the feature layer (dense + ReLU). */
  hidden: number;
  classes: number;
}

/** A variable's name and shape, in storage order. */
export interface VariableSpec {
  name: string;
  shape: number[];
}

/** Spatial size after the convolutions ("same" padding: ceil(size / stride)). */
export function convOutputSize(arch: CnnArch): [number, number, number] {
  let [h, w] = arch.input;
  for (const c of arch.convs) {
    h = Math.ceil(h / c.stride);
    w = Math.ceil(w / c.stride);
  }
  return [h, w, arch.convs[arch.convs.length - 1]?.filters ?? arch.input[2]];
}

/** The variables of `arch` in storage order: conv{i}/kernel [3,3,in,out], conv{i}/bias, dense, logits. */
export function variableSpecs(arch: CnnArch): VariableSpec[] {
  const specs: VariableSpec[] = [];
  let cin = arch.input[2];
  arch.convs.forEach((c, i) => {
    specs.push({ name: `conv${i}/kernel`, shape: [3, 3, cin, c.filters] });
    specs.push({ name: `conv${i}/bias`, shape: [c.filters] });
    cin = c.filters;
  });
  const [h, w, c] = convOutputSize(arch);
  specs.push({ name: "hidden/kernel", shape: [h * w * c, arch.hidden] });
  specs.push({ name: "hidden/bias", shape: [arch.hidden] });
  specs.push({ name: "logits/kernel", shape: [arch.hidden, arch.classes] });
  specs.push({ name: "logits/bias", shape: [arch.classes] });
  return specs;
}

/** Number of parameters. */
export function paramCount(arch: CnnArch): number {
  return variableSpecs(arch).reduce((s, v) => s + v.shape.reduce((a, b) => a * b, 1), 0);
}

/**
 * Seeded initial weights: Glorot-uniform kernels (Glorot & Bengio 2010, eq. 16) from the stream
 * rngFor(seed, "features-init", layer index), zero biases. Identical on every backend.
 */
export function initialWeights(arch: CnnArch, seed: number): Float32Array[] {
  return variableSpecs(arch).map((v, i) => {
    const size = v.shape.reduce((a, b) => a * b, 1);
    if (v.name.endsWith("/bias")) return new Float32Array(size);
    const rng = rngFor(seed, "features-init", i);
    const fanIn = v.shape.length === 4 ? v.shape[0] * v.shape[1] * v.shape[2] : v.shape[0];
    const fanOut = v.shape.length === 4 ? v.shape[0] * v.shape[1] * v.shape[3] : v.shape[1];
    return glorotUniform(rng, size, fanIn, fanOut);
  });
}

/** Forward pass; returns the features (post-ReLU hidden layer) and the logits. */
export function cnnForward(
  arch: CnnArch,
  vars: tf.Tensor[],
  x: tf.Tensor4D,
): { features: tf.Tensor2D; logits: tf.Tensor2D } {
  let h: tf.Tensor4D = x;
  let k = 0;
  for (const c of arch.convs) {
    const kernel = vars[k++] as tf.Tensor4D, bias = vars[k++];
    h = tf.relu(tf.add(tf.conv2d(h, kernel, c.stride, "same"), bias));
  }
  const flat = tf.reshape(h, [x.shape[0], -1]) as tf.Tensor2D;
  const features = tf.relu(tf.add(tf.matMul(flat, vars[k] as tf.Tensor2D), vars[k + 1])) as tf.Tensor2D;
  const logits = tf.add(tf.matMul(features, vars[k + 2] as tf.Tensor2D), vars[k + 3]) as tf.Tensor2D;
  return { features, logits };
}
