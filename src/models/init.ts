/**
 * Seeded weight initialisers. Weights are generated in JavaScript from the run's "init" stream
 * (src/runtime/rng.ts), so initial weights are identical on every backend.
 *
 * @module
 */
import type { Rng } from "../runtime/rng.ts";

/**
 * Glorot/Xavier uniform (Glorot & Bengio 2010, Eq. 16): U(-a, a), a = √(6 / (fanIn + fanOut)) · gain.
 */
export function glorotUniform(rng: Rng, size: number, fanIn: number, fanOut: number, gain = 1): Float32Array {
  const a = gain * Math.sqrt(6 / (fanIn + fanOut));
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = (2 * rng.uniform() - 1) * a;
  return out;
}

/**
 * PyTorch's default for Linear/Conv (Kaiming uniform with a = √5): U(-1/√fanIn, 1/√fanIn).
 * Used where we mirror PyTorch-style models.
 */
export function fanInUniform(rng: Rng, size: number, fanIn: number): Float32Array {
  const a = 1 / Math.sqrt(fanIn);
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = (2 * rng.uniform() - 1) * a;
  return out;
}
