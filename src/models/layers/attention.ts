/**
 * Multi-head self-attention over the spatial positions of a feature map, as ADM's AttentionBlock
 * (Dhariwal & Nichol 2021, §3; Vaswani et al. 2017, Eq. 1): with N = H·W positions and d = C / heads,
 * Attention(Q, K, V) = softmax(Q Kᵀ / √d) V per head, followed by an output projection and a residual:
 * out = x + proj(attention(GroupNorm(x))). Q, K, V are 1x1 projections (matmuls on [B·N, C]).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { groupNormAct } from "./fused_norm.ts";
import { dense } from "./linear.ts";

/** Parameters of one attention block (projection weights [C, C], biases [C]). */
export interface AttentionParams {
  normGamma: tf.Variable;
  normBeta: tf.Variable;
  wq: tf.Variable;
  bq: tf.Variable;
  wk: tf.Variable;
  bk: tf.Variable;
  wv: tf.Variable;
  bv: tf.Variable;
  wo: tf.Variable;
  bo: tf.Variable;
}

/** Self-attention block on x [B, H, W, C]. */
export function selfAttention(
  x: tf.Tensor4D,
  p: AttentionParams,
  heads: number,
  groups: number,
): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  const n = h * w, d = c / heads;
  const flat = tf.reshape(groupNormAct(x, p.normGamma, p.normBeta, groups, { silu: false }), [
    b * n,
    c,
  ]) as tf.Tensor2D;
  const proj = (wt: tf.Variable, bias: tf.Variable): tf.Tensor3D => {
    const y = dense(flat, wt, bias);
    if (heads === 1) return tf.reshape(y, [b, n, d]);
    return tf.reshape(tf.transpose(tf.reshape(y, [b, n, heads, d]), [0, 2, 1, 3]), [b * heads, n, d]);
  };
  const q = proj(p.wq, p.bq), k = proj(p.wk, p.bk), v = proj(p.wv, p.bv);
  const weights = tf.softmax(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(d)));
  let out: tf.Tensor = tf.matMul(weights, v);
  if (heads > 1) out = tf.transpose(tf.reshape(out, [b, heads, n, d]), [0, 2, 1, 3]);
  const y = dense(tf.reshape(out, [b * n, c]) as tf.Tensor2D, p.wo, p.bo);
  return tf.add(x, tf.reshape(y, [b, h, w, c])) as tf.Tensor4D;
}
