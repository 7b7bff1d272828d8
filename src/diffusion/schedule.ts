/**
 * Noise schedules of the discrete-time DDPM forward process, in float64.
 *
 * Notation follows Ho et al., "Denoising Diffusion Probabilistic Models" (2020): β_t, α_t = 1 - β_t,
 * ᾱ_t = Π_{s<=t} α_s, q(x_t | x_0) = N(√ᾱ_t x_0, (1 - ᾱ_t) I) (Eq. 4). Timesteps are 0-indexed,
 * t = 0..T-1, as in the ANT official code (the paper writes 1..T).
 *
 * @module
 */

/** Ids of the supported beta schedules. */
export const SCHEDULE_IDS = ["linear", "cosine", "ldm-linear"] as const;
/** A beta schedule id. */
export type ScheduleId = typeof SCHEDULE_IDS[number];

/** A fully tabulated noise schedule for T steps. All arrays have length T. */
export interface NoiseSchedule {
  /** Schedule id. */
  readonly id: ScheduleId;
  /** Number of timesteps. */
  readonly T: number;
  /** β_t, t = 0..T-1. */
  readonly betas: Float64Array;
  /** α_t = 1 - β_t. */
  readonly alphas: Float64Array;
  /** ᾱ_t. */
  readonly alphaBar: Float64Array;
  /** ᾱ_{t-1}, with ᾱ_{-1} = 1. */
  readonly alphaBarPrev: Float64Array;
  /** SNR(t) = ᾱ_t / (1 - ᾱ_t). */
  readonly snr: Float64Array;
  /** log SNR(t) (natural log). */
  readonly logSnr: Float64Array;
}

/**
 * Linear betas from `start` to `end` inclusive over T steps (Ho et al. 2020, §4: 1e-4 .. 0.02, T = 1000).
 * The endpoints are used as given for any T (no 1000/T rescaling as in iDDPM; a short T therefore has a
 * less noisy final step than T = 1000).
 */
export function linearBetas(T: number, start = 1e-4, end = 0.02): Float64Array {
  checkT(T);
  const b = new Float64Array(T);
  if (T === 1) {
    b[0] = start;
    return b;
  }
  for (let i = 0; i < T; i++) b[i] = start + (end - start) * (i / (T - 1));
  return b;
}

/**
 * Cosine schedule of Nichol & Dhariwal, "Improved Denoising Diffusion Probabilistic Models" (2021), Eq. 17:
 * ᾱ(t) = f(t)/f(0), f(t) = cos²(((t/T + s)/(1 + s)) · π/2), s = 0.008, and
 * β_t = min(1 - ᾱ((t+1)/T)/ᾱ(t/T), maxBeta) with maxBeta = 0.999 (the "squaredcos_cap_v2" of the ANT code).
 */
export function cosineBetas(T: number, s = 0.008, maxBeta = 0.999): Float64Array {
  checkT(T);
  const f = (u: number) => Math.cos(((u + s) / (1 + s)) * Math.PI / 2) ** 2;
  const b = new Float64Array(T);
  for (let i = 0; i < T; i++) {
    b[i] = Math.min(1 - f((i + 1) / T) / f(i / T), maxBeta);
  }
  return b;
}

/**
 * The "linear" schedule of latent diffusion (Rombach et al. 2022; official
 * `ldm/modules/diffusionmodules/util.py` make_beta_schedule("linear")), linear in √β:
 * β_t = (√start + (√end − √start) · t/(T−1))², with LDM's FFHQ / CelebA-HQ endpoints start = 0.0015,
 * end = 0.0195 (configs/latent-diffusion/ffhq-ldm-vq-4.yaml: linear_start, linear_end).
 */
export function ldmLinearBetas(T: number, start = 0.0015, end = 0.0195): Float64Array {
  checkT(T);
  const b = new Float64Array(T);
  const a = Math.sqrt(start), z = Math.sqrt(end);
  for (let i = 0; i < T; i++) b[i] = (T === 1 ? a : a + (z - a) * (i / (T - 1))) ** 2;
  return b;
}

function checkT(T: number): void {
  if (!Number.isInteger(T) || T < 1) {
    throw new RangeError(`T must be an integer >= 1, got ${T}`);
  }
}

/** Tabulate ᾱ, SNR and log-SNR for the given betas. */
export function scheduleFromBetas(id: ScheduleId, betas: Float64Array): NoiseSchedule {
  const T = betas.length;
  const alphas = new Float64Array(T);
  const alphaBar = new Float64Array(T);
  const alphaBarPrev = new Float64Array(T);
  const snr = new Float64Array(T);
  const logSnr = new Float64Array(T);
  let acc = 1;
  for (let t = 0; t < T; t++) {
    if (!(betas[t] > 0 && betas[t] < 1)) {
      throw new RangeError(`beta_${t} = ${betas[t]} is outside (0, 1)`);
    }
    alphaBarPrev[t] = acc;
    alphas[t] = 1 - betas[t];
    acc *= alphas[t];
    alphaBar[t] = acc;
    snr[t] = acc / (1 - acc);
    // log(ᾱ) - log1p(-ᾱ) keeps precision when ᾱ is close to 0 or 1.
    logSnr[t] = Math.log(acc) - Math.log1p(-acc);
  }
  return { id, T, betas, alphas, alphaBar, alphaBarPrev, snr, logSnr };
}

/** Build a named schedule for T steps. */
export function makeSchedule(id: ScheduleId, T: number): NoiseSchedule {
  switch (id) {
    case "linear":
      return scheduleFromBetas(id, linearBetas(T));
    case "cosine":
      return scheduleFromBetas(id, cosineBetas(T));
    case "ldm-linear":
      return scheduleFromBetas(id, ldmLinearBetas(T));
    default:
      throw new RangeError(`schedule: unknown id ${JSON.stringify(id)}; allowed: ${SCHEDULE_IDS.join(", ")}`);
  }
}
