/**
 * Group normalisation (Wu & He 2018, Eq. 1-3 with S_i = the C/G channels of one group over all positions):
 * y = (x - μ_g) / √(σ²_g + ε) · γ + β, with μ_g, σ²_g the mean and biased variance of each sample's group,
 * NHWC. ε = 1e-5 (PyTorch's default, as in ADM's GroupNorm32). Built from differentiable reshape / mean /
 * rsqrt ops available on every tfjs backend.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";

/**
 * GroupNorm of x [B, H, W, C] with `groups` groups (C % groups == 0), per-channel γ, β [C].
 *
 * The backward pass is the closed form (one custom-gradient node instead of ~30 recorded ops, which
 * matters because small-image training is dominated by per-op overhead): with x̂ the normalised input,
 * r = 1/√(σ² + ε) and g = dy·γ, per sample and group
 *   ∂L/∂x = r · (g - mean(g) - x̂ · mean(g · x̂)),  ∂L/∂γ = Σ dy·x̂,  ∂L/∂β = Σ dy
 * (sums over batch and positions). Checked against autodiff of the plain formula in the tests.
 */
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
  const grouped = [b, h * w, groups, c / groups];
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xIn, g, bt] = args as tf.Tensor[];
    const save = args[3] as tf.GradSaveFunc;
    const xg = tf.reshape(xIn, grouped);
    const centred = tf.sub(xg, tf.mean(xg, [1, 3], true));
    const r = tf.rsqrt(tf.add(tf.mean(tf.square(centred), [1, 3], true), eps));
    const xhat = tf.mul(centred, r);
    save([xhat, r, g]);
    const value = tf.add(tf.mul(tf.reshape(xhat, [b, h, w, c]), g), bt);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      const [xh, rr, gm] = saved;
      const xh4 = tf.reshape(xh, [b, h, w, c]);
      const dBeta = tf.sum(dy, [0, 1, 2]);
      const dGamma = tf.sum(tf.mul(dy, xh4), [0, 1, 2]);
      const gdy = tf.reshape(tf.mul(dy, gm), grouped);
      const dx = tf.mul(
        rr,
        tf.sub(tf.sub(gdy, tf.mean(gdy, [1, 3], true)), tf.mul(xh, tf.mean(tf.mul(gdy, xh), [1, 3], true))),
      );
      return [tf.reshape(dx, [b, h, w, c]), dGamma, dBeta];
    };
    return { value, gradFunc };
  });
  return f(x, gamma, beta) as tf.Tensor4D;
}

/** SiLU / swish: x · σ(x) (Elfwing et al. 2018; Ramachandran et al. 2017). */
export function silu<T extends tf.Tensor>(x: T): T {
  return tf.mul(x, tf.sigmoid(x));
}
