/**
 * Held-out denoising loss per timestep interval ({@link IntervalLossSpec}): the measurement behind the
 * negative-transfer gap (ANT, Go et al. 2023, §3.2; src/analysis/transfer_gap.ts), and a per-interval view
 * of any run's convergence.
 *
 * For interval i = [l, r]: the held-out set x_1..x_n is the run's reference draw with seed 0 (the same
 * images for every run of the dataset); each x_j is used `draws` times, row q = j·draws + d getting
 * t_q ~ U{l..r} (stream rngFor(spec.seed, "interval-loss:t", i), one int per row in order) and ε_q ~ N(0, I)
 * (stream rngFor(spec.seed, "interval-loss:noise", i)). The value is the mean over rows of the per-sample
 * ε-MSE (Ho et al. 2020, Eq. 14, averaged over dimensions as in training). The streams do not involve the
 * run seed, so two runs evaluated with one spec see identical (x_0, t, ε): their difference is the models'
 * alone (common random numbers).
 *
 * @module
 */
import type { Denoiser } from "../models/denoiser.ts";
import type { NoiseSchedule } from "../diffusion/schedule.ts";
import type { IntervalLossSpec } from "./types.ts";
import { epsilonLossHost } from "../diffusion/loss.ts";
import { rngFor } from "../runtime/rng.ts";
import { readConcat } from "../runtime/read.ts";
import { badValue } from "../runtime/errors.ts";

/** Rows per forward batch. */
const BATCH = 250;

/** The evaluation rows of interval `i` of `spec` over the held-out set `heldOut` (n × dim). */
export function intervalLossRows(
  spec: IntervalLossSpec,
  i: number,
  heldOut: Float32Array,
  dim: number,
): { x0: Float32Array; t: Int32Array; noise: Float32Array } {
  const [l, r] = spec.intervals[i];
  const rows = spec.n * spec.draws;
  const x0 = new Float32Array(rows * dim);
  for (let j = 0; j < spec.n; j++) {
    for (let d = 0; d < spec.draws; d++) {
      x0.set(heldOut.subarray(j * dim, (j + 1) * dim), (j * spec.draws + d) * dim);
    }
  }
  const tr = rngFor(spec.seed, "interval-loss:t", i);
  const t = Int32Array.from({ length: rows }, () => tr.int(l, r + 1));
  const noise = rngFor(spec.seed, "interval-loss:noise", i).normalArray(rows * dim);
  return { x0, t, noise };
}

/** Problems with a spec for T timesteps and a held-out split of `available` samples. */
export function intervalLossProblems(spec: IntervalLossSpec, T: number, available?: number): string[] {
  const p: string[] = [];
  if (!Array.isArray(spec.intervals) || spec.intervals.length === 0) {
    p.push(badValue("eval.intervalLoss.intervals", spec.intervals, "a non-empty list of [l, r] intervals"));
  } else {
    spec.intervals.forEach((iv, i) => {
      const ok = Array.isArray(iv) && iv.length === 2 && Number.isInteger(iv[0]) && Number.isInteger(iv[1]) &&
        0 <= iv[0] && iv[0] <= iv[1] && iv[1] < T;
      if (!ok) {
        p.push(badValue(`eval.intervalLoss.intervals[${i}]`, iv, `[l, r] with 0 <= l <= r < T = ${T}`));
      }
    });
  }
  const max = available ?? Number.MAX_SAFE_INTEGER;
  if (!(Number.isInteger(spec.n) && spec.n >= 1 && spec.n <= max)) {
    p.push(badValue("eval.intervalLoss.n", spec.n, `an integer in [1, ${max}] (held-out samples)`));
  }
  if (!(Number.isInteger(spec.draws) && spec.draws >= 1 && spec.draws <= 1000)) {
    p.push(badValue("eval.intervalLoss.draws", spec.draws, "an integer in [1, 1000]"));
  }
  if (!Number.isSafeInteger(spec.seed) || spec.seed < 0) {
    p.push(badValue("eval.intervalLoss.seed", spec.seed, "a non-negative integer"));
  }
  return p;
}

/**
 * The held-out ε-MSE of `model` on every interval of `spec` (see the module doc); `heldOut` holds the
 * spec's n samples (flat n × dim).
 */
export async function evaluateIntervalLoss(
  model: Denoiser,
  schedule: NoiseSchedule,
  spec: IntervalLossSpec,
  heldOut: Float32Array,
): Promise<number[]> {
  const dim = model.dataShape.reduce((a, b) => a * b, 1);
  if (heldOut.length !== spec.n * dim) {
    throw new RangeError(`evaluateIntervalLoss: ${heldOut.length} values for ${spec.n} samples of ${dim}`);
  }
  const out: number[] = [];
  for (let i = 0; i < spec.intervals.length; i++) {
    const { x0, t, noise } = intervalLossRows(spec, i, heldOut, dim);
    const rows = t.length;
    let sum = 0;
    for (let s = 0; s < rows; s += BATCH) {
      const b = Math.min(BATCH, rows - s);
      const loss = epsilonLossHost(
        model,
        schedule,
        x0.subarray(s * dim, (s + b) * dim),
        noise.subarray(s * dim, (s + b) * dim),
        t.subarray(s, s + b),
      );
      try {
        const v = await readConcat([loss]);
        for (let j = 0; j < b; j++) sum += v[j];
      } finally {
        loss.dispose();
      }
    }
    out.push(sum / rows);
  }
  return out;
}
