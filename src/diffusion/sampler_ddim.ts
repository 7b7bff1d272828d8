/**
 * One step of DDIM sampling (Song et al. 2021, "Denoising Diffusion Implicit Models", Eq. 12 and 16):
 *
 *   x_prev = √ᾱ_prev x̂_0 + √(1 - ᾱ_prev - σ²) ε̂ + σ z,
 *   σ = η √((1 - ᾱ_prev)/(1 - ᾱ)) √(1 - ᾱ/ᾱ_prev).
 * η = 0 is the deterministic DDIM sampler; η = 1 has DDPM's posterior variance.
 *
 * @module
 */

/** Coefficients of one DDIM step: x_prev = cX0 · x̂_0 + cEps · ε̂ + sigma · z. */
export interface DdimStepCoefficients {
  cX0: number;
  cEps: number;
  sigma: number;
}

/** DDIM step coefficients from ᾱ at the current and previous sampled timestep. */
export function ddimCoefficients(alphaBar: number, alphaBarPrev: number, eta: number): DdimStepCoefficients {
  const sigma = eta * Math.sqrt((1 - alphaBarPrev) / (1 - alphaBar)) * Math.sqrt(1 - alphaBar / alphaBarPrev);
  return {
    cX0: Math.sqrt(alphaBarPrev),
    cEps: Math.sqrt(Math.max(0, 1 - alphaBarPrev - sigma * sigma)),
    sigma,
  };
}
