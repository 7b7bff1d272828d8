import assert from "node:assert/strict";
import { gramMatrix, nashMtlWeights, nashResidual, solveNash } from "./nash_solver.ts";
import { Rng } from "../runtime/rng.ts";

import referenceJson from "../../fixtures/mtl/reference.json" with { type: "json" };

const reference = referenceJson as { nash: { name: string; k: number; gram: number[]; alpha: number[] }[] };

function normalised(gram: ArrayLike<number>): Float64Array {
  let s = 0;
  for (let i = 0; i < gram.length; i++) s += gram[i] * gram[i];
  return Float64Array.from(gram, (v) => v / Math.sqrt(s));
}

Deno.test("nash: orthogonal gradients give alpha_i = sqrt(||M||_F) / ||g_i|| (closed form)", () => {
  const grads = [[3, 0, 0], [0, 0.5, 0], [0, 0, 2]];
  const alpha = nashMtlWeights(grads);
  // M = diag(9, 0.25, 4), ||M||_F = sqrt(81 + 0.0625 + 16); alpha_i^2 n_i^2 / nf = 1.
  const nf = Math.sqrt(81 + 0.0625 + 16);
  const expected = [3, 0.5, 2].map((n) => Math.sqrt(nf) / n);
  for (let i = 0; i < 3; i++) assert.ok(Math.abs(alpha[i] - expected[i]) < 1e-10 * expected[i]);
});

Deno.test("nash: two identical gradients share one weight, alpha = 1/sqrt(2 Mh_11) (hand-derived)", () => {
  // M = [[a, a], [a, a]], Mh = M / (2a): alpha_1 = alpha_2 = x with x * (2x * 1/2) = 1 -> x = 1.
  const sol = solveNash([4, 4, 4, 4], 2);
  assert.ok(sol.converged);
  assert.ok(Math.abs(sol.alpha[0] - 1) < 1e-10 && Math.abs(sol.alpha[1] - 1) < 1e-10);
});

Deno.test("nash: two conflicting gradients (hand-derived 2x2 system)", () => {
  // g1 = (1, 0), g2 = (-1/2, 1): M = [[1, -1/2], [-1/2, 5/4]].
  const M = [1, -0.5, -0.5, 1.25];
  const sol = solveNash(M, 2);
  assert.ok(sol.converged);
  // Check the defining equations on the unnormalised system: alpha_i (M alpha)_i = ||M||_F.
  const nf = Math.sqrt(1 + 0.25 + 0.25 + 1.5625);
  const a = sol.alpha;
  assert.ok(Math.abs(a[0] * (M[0] * a[0] + M[1] * a[1]) - nf) < 1e-9);
  assert.ok(Math.abs(a[1] * (M[2] * a[0] + M[3] * a[1]) - nf) < 1e-9);
  // Both weights positive, and the weaker-but-conflicting task is not zeroed.
  assert.ok(a[0] > 0 && a[1] > 0);
});

Deno.test("nash: matches the scipy reference (fixtures/mtl) incl. cond 1e10 and rank-deficient M", () => {
  assert.equal(reference.nash.length, 10);
  for (const c of reference.nash) {
    const sol = solveNash(c.gram, c.k);
    assert.ok(sol.converged, `${c.name}: ${sol.reason}`);
    assert.ok(sol.residual < 1e-6, `${c.name}: residual ${sol.residual}`);
    for (let i = 0; i < c.k; i++) {
      assert.ok(
        Math.abs(sol.alpha[i] - c.alpha[i]) < 1e-6 * Math.max(1, c.alpha[i]),
        `${c.name} alpha[${i}]`,
      );
    }
  }
});

Deno.test("nash: residual below 1e-6 on 200 random Gram matrices, well and ill conditioned", () => {
  const rng = new Rng(42);
  let worst = 0;
  for (let trial = 0; trial < 200; trial++) {
    const k = 2 + (trial % 7);
    const P = trial % 3 === 0 ? k - 1 + (trial % 2) : 3 * k; // some rank-deficient (P < k) cases
    const scale = Array.from({ length: k }, () => Math.exp(4 * rng.normal()));
    const grads = Array.from(
      { length: k },
      (_, i) => Array.from({ length: P }, () => rng.normal() * scale[i]),
    );
    const gram = gramMatrix(grads);
    const sol = solveNash(gram, k);
    if (!sol.converged) {
      // Allowed only when no solution exists; random Gaussian rows with P >= 1 may admit a positive
      // null combination when P < k, which the solver must then report (never silently).
      assert.ok(P < k, `trial ${trial}: ${sol.reason}`);
      assert.match(sol.reason!, /no Nash solution/);
      continue;
    }
    assert.deepEqual(sol.excluded, []);
    worst = Math.max(worst, nashResidual(normalised(gram), sol.alpha, k));
  }
  assert.ok(worst < 1e-6, `worst residual ${worst}`);
});

Deno.test("nash: exactly opposite gradients have no solution and fail loudly, never equal weights", () => {
  const sol = solveNash(gramMatrix([[1, 2], [-1, -2]]), 2);
  assert.equal(sol.converged, false);
  assert.match(sol.reason!, /no Nash solution/);
  assert.throws(() => nashMtlWeights([[1, 2], [-1, -2]]), /no Nash solution/);
});

Deno.test("nash: a zero-gradient task is excluded with alpha = 0; the rest solve their own system", () => {
  const sol = solveNash(gramMatrix([[1, 0], [0, 0], [0, 2]]), 3);
  assert.ok(sol.converged);
  assert.deepEqual(sol.excluded, [1]);
  assert.equal(sol.alpha[1], 0);
  // Active tasks: M = diag(1, 4), ||M||_F over the full matrix = sqrt(17).
  assert.ok(Math.abs(sol.alpha[0] - Math.sqrt(Math.sqrt(17))) < 1e-9);
  assert.ok(Math.abs(sol.alpha[2] - Math.sqrt(Math.sqrt(17)) / 2) < 1e-9);
  assert.equal(solveNash([0, 0, 0, 0], 2).converged, false);
  assert.equal(solveNash([NaN, 0, 0, 1], 2).converged, false);
});

Deno.test("nash: weights are invariant to a common gradient scale (official normalisation)", () => {
  const grads = [[1, 2, 0.5], [-0.3, 1, 2], [0.2, -1, 1]];
  const a = nashMtlWeights(grads);
  const b = nashMtlWeights(grads.map((g) => g.map((v) => v * 1e-3)));
  for (let i = 0; i < 3; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-8 * a[i]);
});
