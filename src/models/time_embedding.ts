/**
 * Sinusoidal timestep embedding of the Transformer (Vaswani et al. 2017, §3.5) as used by DDPM and ADM
 * (Ho et al. 2020, §4; Dhariwal & Nichol 2021): for dim = 2h,
 * emb(t) = [sin(t·ω_0), ..., sin(t·ω_{h-1}), cos(t·ω_0), ..., cos(t·ω_{h-1})], ω_i = maxPeriod^(-i/h).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { hostMemoryBackend } from "../runtime/host_memory.ts";

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

/**
 * The embedding of host timesteps, [B · dim] row-major: the argument t·ω_i rounded to float32 as the
 * tensor version computes it, then sin/cos in float64 rounded once to float32.
 */
export function timestepEmbeddingHost(t: ArrayLike<number>, dim: number, maxPeriod = 10000): Float32Array {
  const freqs = timeFrequencies(dim, maxPeriod);
  const h = freqs.length;
  const out = new Float32Array(t.length * dim);
  for (let b = 0; b < t.length; b++) {
    const tb = Math.fround(t[b]);
    for (let i = 0; i < h; i++) {
      const arg = Math.fround(tb * freqs[i]);
      out[b * dim + i] = Math.sin(arg);
      out[b * dim + h + i] = Math.cos(arg);
    }
  }
  return out;
}

/**
 * Embed float timesteps `t` [B] into [B, dim]. Not differentiated (t is data, not a parameter). On
 * host-memory backends (wasm, cpu) it is computed on the host ({@link timestepEmbeddingHost}: no kernel).
 */
export function timestepEmbedding(t: tf.Tensor1D, dim: number, maxPeriod = 10000): tf.Tensor2D {
  const freqs = timeFrequencies(dim, maxPeriod);
  if (hostMemoryBackend()) {
    return tf.tensor2d(timestepEmbeddingHost(t.dataSync(), dim, maxPeriod), [t.shape[0], dim], "float32");
  }
  return tf.tidy(() => {
    const args = tf.mul(tf.reshape(t, [-1, 1]), tf.tensor2d(freqs, [1, freqs.length]));
    return tf.concat([tf.sin(args), tf.cos(args)], 1) as tf.Tensor2D;
  });
}
