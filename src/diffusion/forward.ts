/**
 * The forward (noising) process q(x_t | x_0) of DDPM (Ho et al. 2020, Eq. 4):
 * x_t = √ᾱ_t · x_0 + √(1 - ᾱ_t) · ε, ε ~ N(0, I).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { NoiseSchedule } from "./schedule.ts";

/** Per-sample coefficients (√ᾱ_t, √(1-ᾱ_t)) as float32 arrays for timesteps `t`. */
export function noisingCoefficients(
  schedule: NoiseSchedule,
  t: Int32Array,
): { a: Float32Array; s: Float32Array } {
  const a = new Float32Array(t.length);
  const s = new Float32Array(t.length);
  for (let i = 0; i < t.length; i++) {
    const ti = t[i];
    if (!(ti >= 0 && ti < schedule.T)) throw new RangeError(`timestep ${ti} outside 0..${schedule.T - 1}`);
    a[i] = Math.sqrt(schedule.alphaBar[ti]);
    s[i] = Math.sqrt(1 - schedule.alphaBar[ti]);
  }
  return { a, s };
}

/**
 * Sample x_t ~ q(x_t | x_0) given the noise: `x0` and `noise` have shape [B, ...], `t` has length B.
 * Returns a new tensor; the caller owns it.
 */
export function qSample(schedule: NoiseSchedule, x0: tf.Tensor, noise: tf.Tensor, t: Int32Array): tf.Tensor {
  const { a, s } = noisingCoefficients(schedule, t);
  return tf.tidy(() => {
    const bshape = [t.length, ...new Array(x0.rank - 1).fill(1)];
    const at = tf.tensor(a, bshape, "float32");
    const st = tf.tensor(s, bshape, "float32");
    return tf.add(tf.mul(at, x0), tf.mul(st, noise));
  });
}

/**
 * x_t of {@link qSample} computed on the host for flat arrays x0, noise [B · D]: per element
 * fround(fround(a · x0) + fround(s · ε)) with the float32 coefficients of {@link noisingCoefficients},
 * which is exactly the float32 arithmetic of the tensor version (a product of two float32 values is exact
 * in float64, so each fround is one correctly rounded float32 operation).
 */
export function qSampleHost(
  schedule: NoiseSchedule,
  x0: Float32Array,
  noise: Float32Array,
  t: Int32Array,
): Float32Array {
  const { a, s } = noisingCoefficients(schedule, t);
  const B = t.length, D = x0.length / B;
  if (!Number.isInteger(D) || noise.length !== x0.length) {
    throw new RangeError(`qSampleHost: x0 ${x0.length}, noise ${noise.length} for ${B} timesteps`);
  }
  const out = new Float32Array(x0.length);
  for (let b = 0; b < B; b++) {
    const ab = a[b], sb = s[b];
    for (let i = b * D; i < (b + 1) * D; i++) {
      out[i] = Math.fround(Math.fround(ab * x0[i]) + Math.fround(sb * noise[i]));
    }
  }
  return out;
}
