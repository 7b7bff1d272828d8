/**
 * One step of DDPM ancestral sampling (Ho et al. 2020, Eq. 6-7 and Algorithm 2), written through the
 * predicted x̂_0 so that it also applies to respaced schedules (Nichol & Dhariwal 2021):
 *
 *   β = 1 - ᾱ/ᾱ_prev,
 *   μ̃ = (√ᾱ_prev β / (1 - ᾱ)) x̂_0 + (√(ᾱ/ᾱ_prev) (1 - ᾱ_prev) / (1 - ᾱ)) x_t        (Eq. 7)
 *   x_prev = μ̃ + σ z,  σ² = β̃ = β (1 - ᾱ_prev)/(1 - ᾱ) ("posterior", iDDPM fixed-small) or σ² = β
 *   ("beta", fixed-large), and no noise at the last step.
 * Without clipping x̂_0 this equals Algorithm 2's 1/√α (x_t - β/√(1-ᾱ) ε̂) + σ z.
 *
 * @module
 */

/** Coefficients of one ancestral step: x_prev = cX0 · x̂_0 + cXt · x_t + sigma · z. */
export interface DdpmStepCoefficients {
  cX0: number;
  cXt: number;
  sigma: number;
}

/** DDPM step coefficients from ᾱ at the current and previous sampled timestep. */
export function ddpmCoefficients(
  alphaBar: number,
  alphaBarPrev: number,
  variance: "posterior" | "beta",
  last: boolean,
): DdpmStepCoefficients {
  const beta = 1 - alphaBar / alphaBarPrev;
  const cX0 = Math.sqrt(alphaBarPrev) * beta / (1 - alphaBar);
  const cXt = Math.sqrt(alphaBar / alphaBarPrev) * (1 - alphaBarPrev) / (1 - alphaBar);
  const v = variance === "posterior" ? beta * (1 - alphaBarPrev) / (1 - alphaBar) : beta;
  return { cX0, cXt, sigma: last ? 0 : Math.sqrt(v) };
}
