import assert from "node:assert/strict";
import { makeSchedule } from "./schedule.ts";
import {
  learnedLogVariance,
  respacedVarianceTables,
  scheduleVarianceTables,
  varianceTables,
} from "./learned_variance.ts";
import { ddpmCoefficients } from "./sampler_ddpm.ts";
import { respacedTimesteps } from "./respacing.ts";

const close = (a: number, b: number, tol = 1e-12) =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

Deno.test("variance tables: β̃, the clipped log at t = 0, and the learned range's ends", () => {
  // Hand values: β = (0.1, 0.2, 0.5): ᾱ = (0.9, 0.72, 0.36).
  const v = varianceTables([0.1, 0.2, 0.5]);
  close(v.alphaBar[2], 0.36);
  const post1 = 0.2 * (1 - 0.9) / (1 - 0.72), post2 = 0.5 * (1 - 0.72) / (1 - 0.36);
  close(v.posteriorLogVarClipped[1], Math.log(post1));
  close(v.posteriorLogVarClipped[2], Math.log(post2));
  close(v.posteriorLogVarClipped[0], Math.log(post1), 1e-15); // β̃_0 = 0 is clipped to β̃_1
  close(v.posteriorMeanCoef1[1], 0.2 * Math.sqrt(0.9) / (1 - 0.72));
  close(v.posteriorMeanCoef2[1], (1 - 0.9) * Math.sqrt(0.8) / (1 - 0.72));
  close(v.posteriorMeanCoef1[0], 1); // x_{-1} = x_0: the posterior mean at t = 0 is x̂_0
  close(v.posteriorMeanCoef2[0], 0);
  close(v.sqrtRecipm1AlphaBar[2], Math.sqrt(1 / 0.36 - 1));
  // v = −1: fixed small (β̃); v = +1: fixed large (β); v = 0: their geometric mean.
  close(learnedLogVariance(v, 2, -1), Math.log(post2));
  close(learnedLogVariance(v, 2, 1), Math.log(0.5));
  close(learnedLogVariance(v, 2, 0), 0.5 * (Math.log(post2) + Math.log(0.5)));
  assert.throws(() => varianceTables([0.1, 0]), /beta_1/);
});

Deno.test("variance tables of a schedule: ᾱ as the schedule's; posterior coefficients as the DDPM sampler's", () => {
  const sch = makeSchedule("cosine", 100);
  const v = scheduleVarianceTables(sch);
  for (const t of [1, 17, 50, 99]) {
    close(v.alphaBar[t], sch.alphaBar[t], 1e-15);
    const c = ddpmCoefficients(sch.alphaBar[t], sch.alphaBar[t - 1], "posterior", false);
    close(v.posteriorMeanCoef1[t], c.cX0, 1e-10);
    close(v.posteriorMeanCoef2[t], c.cXt, 1e-10);
    close(Math.exp(v.posteriorLogVarClipped[t]), c.sigma ** 2, 1e-10);
  }
});

Deno.test("respaced tables: β_i = 1 − ᾱ_τi/ᾱ_τ(i−1) (SpacedDiffusion); all timesteps give the schedule back", () => {
  const sch = makeSchedule("linear", 1000);
  const taus = respacedTimesteps(1000, 250);
  const r = respacedVarianceTables(sch, taus);
  assert.equal(r.T, 250);
  for (const i of [0, 1, 100, 249]) {
    const prev = i === 0 ? 1 : sch.alphaBar[taus[i - 1]];
    close(r.betas[i], 1 - sch.alphaBar[taus[i]] / prev);
    close(r.alphaBar[i], sch.alphaBar[taus[i]], 1e-10);
    // "beta" variance of the DDPM sampler on the respaced pair is the upper end of the learned range.
    if (i > 0) {
      close(Math.exp(r.logBeta[i]), ddpmCoefficients(sch.alphaBar[taus[i]], prev, "beta", false).sigma ** 2);
    }
  }
  const full = respacedVarianceTables(sch, respacedTimesteps(1000, 1000));
  for (const t of [0, 1, 500, 999]) close(full.betas[t], sch.betas[t], 1e-9);
  assert.throws(() => respacedVarianceTables(sch, [5, 3]), /ascend/);
});
