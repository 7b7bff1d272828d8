import assert from "node:assert/strict";
import {
  approxStandardNormalCdf,
  discretizedGaussianLogLikelihood,
  normalKl,
  normalKlGradLogvar2,
  PROB_FLOOR,
} from "./gaussian_nll.ts";

// scipy oracle: fixtures/diffusion/gaussian_nll.py.
const oracle = JSON.parse(
  await Deno.readTextFile(new URL("../../fixtures/diffusion/gaussian_nll.json", import.meta.url)),
) as {
  kl: { m1: number; l1: number; m2: number; l2: number; kl: number; kl_quad: number }[];
  discretized: { x: number; mean: number; logScale: number; logp: number; logp_exact: number }[];
  cdf_max_err: number;
};

Deno.test("normalKl: the closed form, and the KL integrated numerically by scipy", () => {
  assert.equal(oracle.kl.length, 6);
  for (const c of oracle.kl) {
    const ours = normalKl(c.m1, c.l1, c.m2, c.l2);
    assert.ok(Math.abs(ours - c.kl) <= 1e-14 * Math.max(1, c.kl), `${JSON.stringify(c)}: ${ours}`);
    assert.ok(Math.abs(ours - c.kl_quad) <= 1e-9 * Math.max(1, c.kl_quad), `quad ${c.kl_quad} vs ${ours}`);
  }
  // KL(p‖p) = 0; hand value: N(0, 1) vs N(1, e): ½(−1 + 1 − 0 + e^{−1} + e^{−1}) = e^{−1}.
  assert.equal(normalKl(0.3, -2, 0.3, -2), 0);
  assert.ok(Math.abs(normalKl(0, 0, 1, 1) - Math.exp(-1)) < 1e-15);
});

Deno.test("normalKl: ∂/∂logvar2 matches central differences", () => {
  for (const [m1, l1, m2, l2] of [[0.3, -1.2, -0.4, 0.5], [1.5, -6, 1.49, -5.5], [0, -4, 0.2, -9]]) {
    const h = 1e-6;
    const fd = (normalKl(m1, l1, m2, l2 + h) - normalKl(m1, l1, m2, l2 - h)) / (2 * h);
    const g = normalKlGradLogvar2(m1, l1, m2, l2);
    assert.ok(Math.abs(g - fd) <= 1e-6 * Math.max(1, Math.abs(fd)), `${g} vs ${fd}`);
  }
});

Deno.test("discretised Gaussian log-likelihood: the reference formula, within the tanh-CDF error of scipy's exact bins", () => {
  assert.equal(oracle.discretized.length, 210);
  // scipy: the reference's tanh approximation of Φ is off by at most 1.79e-4.
  assert.ok(oracle.cdf_max_err > 1.7e-4 && oracle.cdf_max_err < 1.8e-4);
  let floored = 0;
  for (const c of oracle.discretized) {
    const { logp } = discretizedGaussianLogLikelihood(c.x, c.mean, c.logScale);
    assert.ok(
      Math.abs(logp - c.logp) <= 1e-12 * Math.max(1, Math.abs(c.logp)),
      `${JSON.stringify(c)}: ${logp}`,
    );
    // A bin probability is one or two CDF values: within 2 · max|Φ̃ − Φ| of the exact one.
    const diff = Math.abs(Math.exp(logp) - Math.exp(c.logp_exact));
    assert.ok(diff <= 2 * oracle.cdf_max_err, `${JSON.stringify(c)}: |p − p_exact| = ${diff}`);
    if (logp === Math.log(PROB_FLOOR)) floored++;
  }
  assert.ok(floored > 0 && floored < 60, `cases on the 1e-12 floor: ${floored}`);
});

Deno.test("discretised Gaussian log-likelihood: hand values at the edges and in the middle", () => {
  // Lower edge bin: log Φ̃((−1 + 1/255 − μ)/σ); μ = −1, σ = 1/255 → log Φ̃(1).
  const s = Math.log(1 / 255);
  assert.ok(
    Math.abs(discretizedGaussianLogLikelihood(-1, -1, s).logp - Math.log(approxStandardNormalCdf(1))) < 1e-15,
  );
  // Upper edge bin: log(1 − Φ̃((1 − 1/255 − 1)/σ)) = log(1 − Φ̃(−1)).
  assert.ok(
    Math.abs(discretizedGaussianLogLikelihood(1, 1, s).logp - Math.log(1 - approxStandardNormalCdf(-1))) <
      1e-15,
  );
  // Middle: Φ̃(1) − Φ̃(−1).
  const mid = Math.log(approxStandardNormalCdf(1) - approxStandardNormalCdf(-1));
  assert.ok(Math.abs(discretizedGaussianLogLikelihood(0, 0, s).logp - mid) < 1e-15);
});

Deno.test("discretised Gaussian log-likelihood: ∂/∂logScale matches central differences (all three bins)", () => {
  for (
    const [x, mean, ls] of [[-1, -0.99, -5], [1, 0.995, -4.5], [0.2, 0.21, -5.2], [0, 0.5, -1], [
      -0.5,
      -0.5,
      -3,
    ]]
  ) {
    const f = (l: number) => discretizedGaussianLogLikelihood(x, mean, l).logp;
    const h = 1e-6, fd = (f(ls + h) - f(ls - h)) / (2 * h);
    const g = discretizedGaussianLogLikelihood(x, mean, ls).dLogScale;
    assert.ok(Math.abs(g - fd) <= 1e-5 * Math.max(1, Math.abs(fd)), `(${x}, ${mean}, ${ls}): ${g} vs ${fd}`);
  }
  // On the probability floor the gradient is zero (the clamp's).
  assert.deepEqual(discretizedGaussianLogLikelihood(0, 0.9, -6), {
    logp: Math.log(PROB_FLOOR),
    dLogScale: 0,
  });
});
