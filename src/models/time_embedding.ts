/**
 * Sinusoidal timestep embedding of the Transformer (Vaswani et al. 2017, §3.5) as used by DDPM and ADM
 * (Ho et al. 2020, §4; Dhariwal & Nichol 2021): for dim = 2h,
 * emb(t) = [sin(t·ω_0), ..., sin(t·ω_{h-1}), cos(t·ω_0), ..., cos(t·ω_{h-1})], ω_i = maxPeriod^(-i/h).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";

/** Frequencies ω_i = maxPeriod^(-i/h), i = 0..h-1, for an embedding of size `dim` (must be even). */
export function timeFrequencies(dim: number, maxPeriod = 10000): Float32Array {
  if (!Number.isInteger(dim) || dim < 2 || dim % 2 !== 0) {
    throw new RangeError(`time embedding dim must be an even integer >= 2, got ${dim}`);
  }
  const h = dim / 2;
  const f = new Float32Array(h);
  for (let i = 0; i < h; i++) f[i] = Math.exp(-Math.log(maxPeriod) * i / h);
  return f;
}

/** Embed float timesteps `t` [B] into [B, dim]. Not differentiated (t is data, not a parameter). */
export function timestepEmbedding(t: tf.Tensor1D, dim: number, maxPeriod = 10000): tf.Tensor2D {
  const freqs = timeFrequencies(dim, maxPeriod);
  return tf.tidy(() => {
    const args = tf.mul(tf.reshape(t, [-1, 1]), tf.tensor2d(freqs, [1, freqs.length]));
    return tf.concat([tf.sin(args), tf.cos(args)], 1) as tf.Tensor2D;
  });
}
