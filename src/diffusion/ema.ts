/**
 * Exponential moving average of the weights, used for sampling (Ho et al. 2020, App. B: decay 0.9999;
 * the ANT code: 0.9999 every step). For short runs the effective decay is warmed up as in TensorFlow's
 * ExponentialMovingAverage with num_updates: d_step = min(decay, (1 + step) / (10 + step)), so early
 * averages are not dominated by the random initialisation.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { readFlat } from "../runtime/read.ts";

/** EMA shadow weights of a list of variables. */
export class Ema {
  readonly decay: number;
  #shadow: tf.Tensor[];

  constructor(variables: readonly tf.Variable[], decay: number) {
    if (!(decay >= 0 && decay < 1)) throw new RangeError(`EMA decay must be in [0, 1), got ${decay}`);
    this.decay = decay;
    this.#shadow = variables.map((v) => tf.keep(tf.clone(v)));
  }

  /** The decay applied at optimisation step `step` (0-based). */
  effectiveDecay(step: number): number {
    return Math.min(this.decay, (1 + step) / (10 + step));
  }

  /** shadow ← d · shadow + (1 - d) · v. */
  update(variables: readonly tf.Variable[], step: number): void {
    const d = this.effectiveDecay(step);
    const next = tf.tidy(() => variables.map((v, i) => tf.add(tf.mul(d, this.#shadow[i]), tf.mul(1 - d, v))));
    for (const s of this.#shadow) s.dispose();
    this.#shadow = next.map((t) => tf.keep(t));
  }

  /**
   * Run `fn` (e.g. an asynchronous sampler) with the variables temporarily holding the EMA weights, then
   * restore them, also when `fn` fails.
   */
  async withShadow<T>(variables: readonly tf.Variable[], fn: () => T | Promise<T>): Promise<T> {
    const saved = variables.map((v) => tf.keep(tf.clone(v)));
    try {
      variables.forEach((v, i) => v.assign(this.#shadow[i]));
      return await fn();
    } finally {
      variables.forEach((v, i) => v.assign(saved[i]));
      for (const s of saved) s.dispose();
    }
  }

  /** Host copies of the shadow weights, read from the backend in one transfer (all weights concatenated). */
  async shadowData(): Promise<Float32Array[]> {
    return await readFlat(this.#shadow);
  }

  dispose(): void {
    for (const s of this.#shadow) s.dispose();
    this.#shadow = [];
  }
}
