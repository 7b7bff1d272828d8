/**
 * The one seeded PRNG family of antbench.
 *
 * Every random stream of a run (data order, timesteps, noise, weight init, sampler noise, PCGrad's task
 * order, KID subsets, ...) is an {@link Rng} built from {@link deriveSeed}`(runSeed, purpose, step?)`, so a
 * stream never depends on how many numbers another stream consumed, and nothing reads a global generator.
 *
 * Generator: xoshiro128** (Blackman & Vigna, 2018), 128-bit state seeded through SplitMix32, giving uint32
 * outputs; floats use 53 bits from two outputs. Normals use the Box-Muller transform in float64.
 * Noise tensors are generated here in JavaScript and uploaded, so they are identical on every backend and
 * never go through tfjs's seeded ops (where seed 0 means "unseeded").
 *
 * @module
 */

/** 32-bit FNV-1a over the UTF-16 code units of a string, then a final avalanche. */
function hashString(s: string, h = 0x811c9dc5): number {
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** The finaliser of MurmurHash3 (fmix32): a bijective avalanche on uint32. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Derive the seed of one random stream from the run seed, a purpose label and optional integer parts
 * (e.g. the step). The result is a uint32 in [1, 2^32 - 1]: never 0, so it is also safe to hand to tfjs
 * APIs that treat 0 as "no seed".
 */
export function deriveSeed(runSeed: number, purpose: string, ...parts: number[]): number {
  if (!Number.isSafeInteger(runSeed)) {
    throw new RangeError(`seed must be a safe integer, got ${runSeed}`);
  }
  let h = fmix32((runSeed >>> 0) ^ 0x9e3779b9);
  // High bits of seeds above 2^32 still matter.
  h = fmix32(h ^ Math.floor(runSeed / 0x100000000));
  h = fmix32(hashString(purpose, h));
  for (const p of parts) {
    if (!Number.isSafeInteger(p)) throw new RangeError(`seed part must be a safe integer, got ${p}`);
    h = fmix32(h ^ (p >>> 0));
    h = fmix32(h ^ Math.floor(p / 0x100000000));
  }
  return h === 0 ? 1 : h;
}

/** SplitMix32 step, used only to expand a 32-bit seed into xoshiro128** state. */
function splitmix32(state: Uint32Array): number {
  state[0] = (state[0] + 0x9e3779b9) >>> 0;
  let z = state[0];
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

/** A deterministic random stream (xoshiro128**). Create one per purpose with {@link rngFor}. */
export class Rng {
  readonly #s = new Uint32Array(4);
  #spareNormal: number | null = null;

  /** A generator seeded with a 32-bit integer. */
  constructor(seed: number) {
    const sm = new Uint32Array([seed >>> 0]);
    for (let i = 0; i < 4; i++) this.#s[i] = splitmix32(sm);
    if ((this.#s[0] | this.#s[1] | this.#s[2] | this.#s[3]) === 0) this.#s[0] = 1;
  }

  /** Next uint32. */
  nextUint32(): number {
    const s = this.#s;
    const x = Math.imul(s[1], 5);
    const result = Math.imul((x << 7) | (x >>> 25), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = ((s[3] << 11) | (s[3] >>> 21)) >>> 0;
    return result;
  }

  /** Uniform float64 in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform integer in [lo, hi) (hi exclusive), unbiased by rejection. */
  int(lo: number, hi: number): number {
    const n = hi - lo;
    if (!(n > 0) || !Number.isSafeInteger(n) || n > 0x100000000) {
      throw new RangeError(`Rng.int: empty or too large range [${lo}, ${hi})`);
    }
    if (n === 1) return lo;
    const limit = 0x100000000 - (0x100000000 % n);
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return lo + (x % n);
  }

  /** Standard normal (Box-Muller, both outputs used). */
  normal(): number {
    if (this.#spareNormal !== null) {
      const v = this.#spareNormal;
      this.#spareNormal = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.#spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Fill a Float32Array with N(mean, std^2) samples. */
  normalArray(n: number, mean = 0, std = 1): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = mean + std * this.normal();
    return out;
  }

  /** Fisher-Yates shuffle in place; returns the array. */
  shuffle<T>(a: T[] | Int32Array | Uint32Array): typeof a {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(0, i + 1);
      const tmp = a[i];
      a[i] = a[j];
      a[j] = tmp;
    }
    return a;
  }

  /** A random permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    this.shuffle(p);
    return p;
  }
}

/** The stream for (run seed, purpose, ...parts). */
export function rngFor(runSeed: number, purpose: string, ...parts: number[]): Rng {
  return new Rng(deriveSeed(runSeed, purpose, ...parts));
}
