/**
 * Gradient helpers shared by the multi-task methods: the gradient of a scalar objective for a list of
 * variables (in the variables' order), and flattening of per-variable gradients into one vector.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
// tfjs-core as loaded by Deno registers no gradients; this side-effect import does (idempotent).
import "../runtime/gradients.ts";

/**
 * Value and gradient of `f` with respect to `variables`, gradients returned in the order of `variables`.
 * A variable that `f` does not touch gets a zero gradient.
 */
export function valueAndGrads(
  f: () => tf.Scalar,
  variables: readonly tf.Variable[],
): { value: tf.Scalar; grads: tf.Tensor[] } {
  const { value, grads } = tf.variableGrads(f, variables as tf.Variable[]);
  const out = variables.map((v) => grads[v.name] ?? tf.zerosLike(v));
  return { value, grads: out };
}

/** Concatenate per-variable gradients into one flat vector (shape [P]). Does not dispose the inputs. */
export function flatten(grads: readonly tf.Tensor[]): tf.Tensor1D {
  return tf.tidy(() => tf.concat(grads.map((g) => tf.reshape(g, [-1])), 0) as tf.Tensor1D);
}
