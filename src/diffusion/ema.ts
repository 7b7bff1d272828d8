/**
 * Exponential moving average of the weights, used for sampling (Ho et al. 2020, App. B: decay 0.9999;
 * the ANT code: 0.9999 every step). For short runs the effective decay is warmed up as in TensorFlow's
 * ExponentialMovingAverage with num_updates: d_step = min(decay, (1 + step) / (10 + step)), so early
 * averages are not dominated by the random initialisation.
 *
 * The shadow weights live either on the backend (`device`: one tensor per variable, updated with tfjs ops)
 * or in host arrays (`host`: Float32Arrays, updated by the host optimiser's loop, src/train/optimizer.ts,
 * or by {@link Ema.update}); the two behave identically.
 *
 * @module
 */
import type { Variable } from "../runtime/tensor_types.ts";
import * as tf from "@tensorflow/tfjs-core";
import { readFlat } from "../runtime/read.ts";

/** EMA shadow weights of a list of variables. */
export class Ema {
  /** Decay d of the average. */
  readonly decay: number;
  /** Where the shadow weights live: on the backend or in host arrays. */
  readonly storage: "device" | "host";
  #shadow: tf.Tensor[] = [];
  #host: Float32Array[] = [];

  /**
   * Start the average at the variables' current values. `host` storage reads them synchronously, so it
   * needs a backend with host-memory tensors (wasm, cpu).
   */
  constructor(variables: readonly Variable[], decay: number, storage: "device" | "host" = "device") {
    if (!(decay >= 0 && decay < 1)) throw new RangeError(`EMA decay must be in [0, 1), got ${decay}`);
    this.decay = decay;
    this.storage = storage;
    if (storage === "host") {
      this.#host = variables.map((v) => Float32Array.from(v.dataSync() as Float32Array));
    } else this.#shadow = variables.map((v) => tf.keep(tf.clone(v)));
  }

  /** The decay applied at optimisation step `step` (0-based). */
  effectiveDecay(step: number): number {
    return Math.min(this.decay, (1 + step) / (10 + step));
  }

  /**
   * The host shadow arrays themselves (not copies), for an optimiser that updates them in its own loop;
   * throws for device storage.
   */
  hostShadow(): Float32Array[] {
    if (this.storage !== "host") throw new Error("Ema.hostShadow: the shadow weights are on the device");
    return this.#host;
  }

  /** shadow ← d · shadow + (1 - d) · v. */
  update(variables: readonly Variable[], step: number): void {
    const d = this.effectiveDecay(step);
    if (this.storage === "host") {
      variables.forEach((v, i) => {
        const w = v.dataSync() as Float32Array, e = this.#host[i];
        for (let j = 0; j < e.length; j++) e[j] = d * e[j] + (1 - d) * w[j];
      });
      return;
    }
    const next = tf.tidy(() => variables.map((v, i) => tf.add(tf.mul(d, this.#shadow[i]), tf.mul(1 - d, v))));
    for (const s of this.#shadow) s.dispose();
    this.#shadow = next.map((t) => tf.keep(t));
  }

  /**
   * Run `fn` (e.g. an asynchronous sampler) with the variables temporarily holding the EMA weights, then
   * restore them, also when `fn` fails.
   */
  async withShadow<T>(variables: readonly Variable[], fn: () => T | Promise<T>): Promise<T> {
    const saved = variables.map((v) => tf.keep(tf.clone(v)));
    try {
      variables.forEach((v, i) => {
        if (this.storage === "device") return v.assign(this.#shadow[i]);
        const s = tf.tensor(Float32Array.from(this.#host[i]), v.shape, "float32");
        v.assign(s);
        s.dispose();
      });
      return await fn();
    } finally {
      variables.forEach((v, i) => v.assign(saved[i]));
      for (const s of saved) s.dispose();
    }
  }

  /** Host copies of the shadow weights (device storage: read from the backend in one transfer). */
  async shadowData(): Promise<Float32Array[]> {
    if (this.storage === "host") return this.#host.map((e) => Float32Array.from(e));
    return await readFlat(this.#shadow);
  }

  /** Release the shadow weights. */
  dispose(): void {
    for (const s of this.#shadow) s.dispose();
    this.#shadow = [];
    this.#host = [];
  }
}
