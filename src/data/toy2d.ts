/**
 * Generated 2-D toy distributions, each seeded and documented. Samples are drawn with the project's PRNG
 * (src/runtime/rng.ts), so a dataset is a pure function of (id, options, seed).
 *
 * - `swissroll`: u ~ U(0,1), θ = 1.5π(1 + 2u) (as sklearn's make_swiss_roll), point θ(cos θ, sin θ) / 5,
 *   plus isotropic Gaussian noise (σ = options.noise, default 0.05). Range about [-2.8, 2.8]².
 * - `gaussians8`: a uniform mixture of 8 isotropic Gaussians with centres at radius 2 on the compass
 *   directions (angle kπ/4), σ = options.noise (default 0.1).
 * - `moons`: sklearn's make_moons (outer arc (cos θ, sin θ), inner arc (1 - cos θ, 0.5 - sin θ), θ ~ U(0, π),
 *   each arc with probability 1/2), centred by (-0.5, -0.25) and scaled by 1.5, plus noise
 *   (default σ = 0.05, applied before scaling). Range about [-2.3, 2.3] x [-1.6, 1.6].
 * - `checkerboard`: uniform on the 8 dark cells of a 4x4 board over [-2, 2]² (cells (i, j) with i + j even,
 *   counting from the lower-left corner); no noise option.
 *
 * gaussians8 and checkerboard also carry their exact log-density (src/data/toy2d_density.ts), for the
 * `nll` metric.
 *
 * The training set is `n` points from the stream (options.seed, "toy2d:<id>:train"); `reference(n, seed)`
 * draws fresh points from the true distribution with the stream (seed, "toy2d:<id>:reference"), independent
 * of the training set, so sample-quality metrics measure the distribution, not memorisation.
 *
 * @module
 */
import type { Dataset, DatasetFactory, LogDensity } from "./dataset.ts";
import { checkerboardLogDensity, gaussians8LogDensity } from "./toy2d_density.ts";
import { type Rng, rngFor } from "../runtime/rng.ts";
import { badValue, unknownOptionProblems } from "../runtime/errors.ts";

/** Options of every 2-D toy. */
export interface Toy2dOptions {
  /** Number of training points. */
  n: number;
  /** Seed of the training set (not the run seed: every run of a suite trains on the same data). */
  seed: number;
  /** Noise standard deviation (ignored by checkerboard). */
  noise: number;
  [key: string]: unknown;
}

type Sampler = (rng: Rng, noise: number, out: Float32Array, i: number) => void;

const SAMPLERS: Record<
  string,
  { sample: Sampler; noise: number; description: string; logDensity?: (noise: number) => LogDensity }
> = {
  swissroll: {
    noise: 0.05,
    description: "2-D swiss roll, θ = 1.5π(1+2u), point θ(cos θ, sin θ)/5 + N(0, σ²)",
    sample(rng, noise, out, i) {
      const th = 1.5 * Math.PI * (1 + 2 * rng.uniform());
      out[2 * i] = th * Math.cos(th) / 5 + noise * rng.normal();
      out[2 * i + 1] = th * Math.sin(th) / 5 + noise * rng.normal();
    },
  },
  gaussians8: {
    noise: 0.1,
    description: "mixture of 8 Gaussians at radius 2 on the compass directions",
    logDensity: gaussians8LogDensity,
    sample(rng, noise, out, i) {
      const k = rng.int(0, 8);
      out[2 * i] = 2 * Math.cos(k * Math.PI / 4) + noise * rng.normal();
      out[2 * i + 1] = 2 * Math.sin(k * Math.PI / 4) + noise * rng.normal();
    },
  },
  moons: {
    noise: 0.05,
    description: "two interleaving half circles (sklearn make_moons), centred and scaled by 1.5",
    sample(rng, noise, out, i) {
      const th = Math.PI * rng.uniform();
      const upper = rng.uniform() < 0.5;
      const x = upper ? Math.cos(th) : 1 - Math.cos(th);
      const y = upper ? Math.sin(th) : 0.5 - Math.sin(th);
      out[2 * i] = 1.5 * (x - 0.5 + noise * rng.normal());
      out[2 * i + 1] = 1.5 * (y - 0.25 + noise * rng.normal());
    },
  },
  checkerboard: {
    noise: 0,
    description: "uniform on the 8 dark cells of a 4x4 checkerboard over [-2, 2]²",
    logDensity: () => checkerboardLogDensity,
    sample(rng, _noise, out, i) {
      const cell = rng.int(0, 8); // 8 dark cells: row r = 0..3, two cells per row
      const r = cell >> 1;
      const c = 2 * (cell & 1) + (r & 1 ? 1 : 0); // columns with r + c even
      out[2 * i] = -2 + c + rng.uniform();
      out[2 * i + 1] = -2 + r + rng.uniform();
    },
  },
};

/** Ids of the 2-D toys. */
export const TOY2D_IDS = Object.keys(SAMPLERS);

/** Draw `n` points of toy `id` from `rng`. */
export function sampleToy2d(id: string, n: number, rng: Rng, noise?: number): Float32Array {
  const s = SAMPLERS[id];
  if (!s) throw new RangeError(`unknown 2-D toy ${JSON.stringify(id)}; allowed: ${TOY2D_IDS.join(", ")}`);
  const out = new Float32Array(2 * n);
  const sigma = noise ?? s.noise;
  for (let i = 0; i < n; i++) s.sample(rng, sigma, out, i);
  return out;
}

function makeFactory(id: string): DatasetFactory<Toy2dOptions> {
  const s = SAMPLERS[id];
  const defaults: Toy2dOptions = { n: 8192, seed: 0, noise: s.noise };
  return {
    id,
    description: s.description,
    defaults,
    dataShape: () => [2],
    hasLogDensity: s.logDensity !== undefined,
    validate(o) {
      const problems: string[] = unknownOptionProblems(o, defaults);
      if (!(Number.isInteger(o.n) && (o.n as number) >= 2 && (o.n as number) <= 10_000_000)) {
        problems.push(badValue("n", o.n, "an integer in [2, 10000000]"));
      }
      if (!(Number.isSafeInteger(o.seed) && (o.seed as number) >= 0)) {
        problems.push(badValue("seed", o.seed, "a non-negative integer"));
      }
      if (!(typeof o.noise === "number" && o.noise >= 0 && o.noise <= 10)) {
        problems.push(badValue("noise", o.noise, "a number in [0, 10]"));
      }
      return problems;
    },
    load(o): Promise<Dataset> {
      const train = sampleToy2d(id, o.n, rngFor(o.seed, `toy2d:${id}:train`), o.noise);
      return Promise.resolve({
        id,
        kind: "toy2d",
        dataShape: [2],
        train,
        nTrain: o.n,
        reference: (n: number, seed: number) =>
          sampleToy2d(id, n, rngFor(seed, `toy2d:${id}:reference`), o.noise),
        featureSpace: "data",
        ...(s.logDensity ? { logDensity: s.logDensity(o.noise) } : {}),
        provenance: { source: `generated: ${s.description}`, license: "n/a (generated)", checksum: "" },
      });
    },
  };
}

/** The 2-D toy dataset factories. */
export const TOY2D_FACTORIES: readonly DatasetFactory<Toy2dOptions>[] = TOY2D_IDS.map(makeFactory);
