/**
 * Group normalisation (Wu & He 2018, Eq. 1-3 with S_i = the C/G channels of one group over all positions):
 * y = (x - μ_g) / √(σ²_g + ε) · γ + β, with μ_g, σ²_g the mean and biased variance of each sample's group,
 * NHWC. ε = 1e-5 (PyTorch's default, as in ADM's GroupNorm32). Built from differentiable reshape / mean /
 * rsqrt ops available on every tfjs backend.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";

/** GroupNorm of x [B, H, W, C] with `groups` groups (C % groups == 0), per-channel γ, β [C]. */
export function groupNorm(
  x: tf.Tensor4D,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  groups: number,
  eps = 1e-5,
): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  if (c % groups !== 0) {
    throw new RangeError(`groupNorm: ${c} channels are not divisible into ${groups} groups`);
  }
  return tf.tidy(() => {
    const g = tf.reshape(x, [b, h * w, groups, c / groups]);
    const mean = tf.mean(g, [1, 3], true);
    const centred = tf.sub(g, mean);
    const variance = tf.mean(tf.square(centred), [1, 3], true);
    const normed = tf.reshape(tf.mul(centred, tf.rsqrt(tf.add(variance, eps))), [b, h, w, c]);
    return tf.add(tf.mul(normed, gamma), beta) as tf.Tensor4D;
  });
}

/** SiLU / swish: x · σ(x) (Elfwing et al. 2018; Ramachandran et al. 2017). */
export function silu<T extends tf.Tensor>(x: T): T {
  return tf.mul(x, tf.sigmoid(x));
}
