/**
 * The Gaussian terms of the variational bound of a diffusion model (Ho et al. 2020, Eq. 5 and §3.3;
 * Nichol & Dhariwal 2021, "Improved Denoising Diffusion Probabilistic Models", Eq. 4-6), in float64, as
 * the reference code computes them (openai/improved-diffusion `losses.py`, copied unchanged into DiT's and
 * ANT's `diffusion/diffusion_utils.py`):
 *
 * - KL of two diagonal Gaussians, per element, in nats:
 *   KL(N(μ₁, e^{ℓ₁}) ‖ N(μ₂, e^{ℓ₂})) = ½ (−1 + ℓ₂ − ℓ₁ + e^{ℓ₁−ℓ₂} + (μ₁ − μ₂)² e^{−ℓ₂});
 * - the discretised Gaussian log-likelihood of the decoder L_0 = −log p(x_0 | x_1) for data that were
 *   8-bit values scaled to [−1, 1]: the probability of the bin [x − 1/255, x + 1/255], with the edge bins
 *   open (x < −0.999: Φ((x + 1/255 − μ)/σ); x > 0.999: 1 − Φ((x − 1/255 − μ)/σ)), each probability
 *   clamped below at 1e-12 before the log, and Φ the tanh approximation
 *   Φ̃(u) = ½ (1 + tanh(√(2/π) (u + 0.044715 u³))) of the reference (not the exact normal CDF; its error is
 *   below 3.2e-4 everywhere, checked against scipy in the tests).
 *
 * The bin width assumes 256 levels whatever the dataset (the reference does the same; the 17-level 8x8
 * digits have wider true bins, so L_0 there is the likelihood of a finer quantisation than the data's).
 *
 * @module
 */

/** √(2/π). */
const K = Math.sqrt(2 / Math.PI);
/** Cubic coefficient of the tanh approximation of Φ. */
const C3 = 0.044715;
/** Half-width of a pixel bin for 8-bit data in [−1, 1]. */
export const BIN_HALF_WIDTH = 1 / 255;
/** Probabilities are clamped below at this value before the log (as the reference). */
export const PROB_FLOOR = 1e-12;
/** Pixels below −EDGE (above EDGE) use the open lower (upper) edge bin. */
export const EDGE = 0.999;

/** KL(N(mean1, e^logvar1) ‖ N(mean2, e^logvar2)) in nats, per element. */
export function normalKl(mean1: number, logvar1: number, mean2: number, logvar2: number): number {
  const d = mean1 - mean2;
  return 0.5 * (-1 + logvar2 - logvar1 + Math.exp(logvar1 - logvar2) + d * d * Math.exp(-logvar2));
}

/** ∂KL/∂logvar2 of {@link normalKl}: ½ (1 − e^{ℓ₁−ℓ₂} − (μ₁ − μ₂)² e^{−ℓ₂}). */
export function normalKlGradLogvar2(mean1: number, logvar1: number, mean2: number, logvar2: number): number {
  const d = mean1 - mean2;
  return 0.5 * (1 - Math.exp(logvar1 - logvar2) - d * d * Math.exp(-logvar2));
}

/** The reference's tanh approximation Φ̃(u) of the standard normal CDF. */
export function approxStandardNormalCdf(u: number): number {
  return 0.5 * (1 + Math.tanh(K * (u + C3 * u * u * u)));
}

/** dΦ̃/du. */
function approxCdfDerivative(u: number): number {
  const th = Math.tanh(K * (u + C3 * u * u * u));
  return 0.5 * (1 - th * th) * K * (1 + 3 * C3 * u * u);
}

/**
 * log p(x) in nats of a Gaussian N(mean, e^{2 logScale}) discretised to 8-bit bins on [−1, 1] (see the
 * module doc), and its derivative with respect to `logScale` (the mean is not differentiated: the hybrid
 * loss stops its gradient).
 */
export function discretizedGaussianLogLikelihood(
  x: number,
  mean: number,
  logScale: number,
): { logp: number; dLogScale: number } {
  const invStd = Math.exp(-logScale);
  const c = x - mean;
  const plusIn = invStd * (c + BIN_HALF_WIDTH);
  const minIn = invStd * (c - BIN_HALF_WIDTH);
  // d(plusIn)/d(logScale) = −plusIn, likewise for minIn.
  if (x < -EDGE) {
    const cdfPlus = approxStandardNormalCdf(plusIn);
    if (!(cdfPlus > PROB_FLOOR)) return { logp: Math.log(PROB_FLOOR), dLogScale: 0 };
    return { logp: Math.log(cdfPlus), dLogScale: -approxCdfDerivative(plusIn) * plusIn / cdfPlus };
  }
  if (x > EDGE) {
    const tail = 1 - approxStandardNormalCdf(minIn);
    if (!(tail > PROB_FLOOR)) return { logp: Math.log(PROB_FLOOR), dLogScale: 0 };
    return { logp: Math.log(tail), dLogScale: approxCdfDerivative(minIn) * minIn / tail };
  }
  const delta = approxStandardNormalCdf(plusIn) - approxStandardNormalCdf(minIn);
  if (!(delta > PROB_FLOOR)) return { logp: Math.log(PROB_FLOOR), dLogScale: 0 };
  const dDelta = -approxCdfDerivative(plusIn) * plusIn + approxCdfDerivative(minIn) * minIn;
  return { logp: Math.log(delta), dLogScale: dDelta / delta };
}
