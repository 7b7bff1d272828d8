import assert from "node:assert/strict";
import { gramMatrix, nashMtlWeights, nashResidual, solveNash } from "./nash_solver.ts";
import { Rng } from "../runtime/rng.ts";

import referenceJson from "../../fixtures/mtl/reference.json" with { type: "json" };

interface NashCase {
  name: string;
  k: number;
  gram: number[];
  alpha: number[];
  normalizer: number;
  ccp_scipy: { alpha?: number[]; status?: string; max_rel_diff?: number };
  ccp_ecos?: { alpha: number[]; statuses: string[] };
}
const reference = referenceJson as unknown as { nash: NashCase[] };

/** ‖Σ_i α_i g_i‖² = αᵀ M α. */
function updateSqNorm(gram: ArrayLike<number>, alpha: ArrayLike<number>, k: number): number {
  let s = 0;
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) s += alpha[i] * gram[i * k + j] * alpha[j];
  return s;
}

Deno.test("nash: orthogonal gradients give alpha_i = 1 / ||g_i|| (closed form of alpha_i (M alpha)_i = 1)", () => {
  const grads = [[3, 0, 0], [0, 0.5, 0], [0, 0, 2]];
  const alpha = nashMtlWeights(grads);
  // M = diag(9, 0.25, 4): alpha_i^2 ||g_i||^2 = 1, whatever ||M||_F is.
  const expected = [1 / 3, 2, 1 / 2];
  for (let i = 0; i < 3; i++) {
    assert.ok(Math.abs(alpha[i] - expected[i]) < 1e-10 * expected[i], `alpha[${i}]`);
  }
});

Deno.test("nash: two identical gradients g share one weight 1 / (sqrt(2) ||g||) (hand-derived)", () => {
  // M = [[4, 4], [4, 4]] (||g|| = 2): alpha_1 = alpha_2 = x with x (4x + 4x) = 1 -> x = 1 / sqrt(8).
  const sol = solveNash([4, 4, 4, 4], 2);
  assert.ok(sol.converged);
  const x = 1 / Math.sqrt(8);
  assert.ok(Math.abs(sol.alpha[0] - x) < 1e-12 && Math.abs(sol.alpha[1] - x) < 1e-12);
});

Deno.test("nash: two conflicting gradients (hand-derived 2x2 system on the raw Gram matrix)", () => {
  // g1 = (1, 0), g2 = (-1/2, 1): M = [[1, -1/2], [-1/2, 5/4]]. Eliminating: a1 (a1 - a2/2) = 1 and
  // a2 (5 a2/4 - a1/2) = 1. With a1 = (a2/2 + sqrt(a2^2/4 + 4)) / 2 the second equation is one-dimensional;
  // bisection on it (an independent route) gives the reference.
  const M = [1, -0.5, -0.5, 1.25];
  const sol = solveNash(M, 2);
  assert.ok(sol.converged);
  const a1Of = (a2: number) => (a2 / 2 + Math.sqrt(a2 * a2 / 4 + 4)) / 2;
  const f = (a2: number) => a2 * (1.25 * a2 - a1Of(a2) / 2) - 1;
  let lo = 1e-6, hi = 100;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (f(mid) > 0) hi = mid;
    else lo = mid;
  }
  const a2 = (lo + hi) / 2;
  assert.ok(Math.abs(sol.alpha[1] - a2) < 1e-12 * a2, `${sol.alpha[1]} vs ${a2}`);
  assert.ok(Math.abs(sol.alpha[0] - a1Of(a2)) < 1e-12 * a1Of(a2));
  // The defining equations hold on the unnormalised system.
  const a = sol.alpha;
  assert.ok(Math.abs(a[0] * (M[0] * a[0] + M[1] * a[1]) - 1) < 1e-12);
  assert.ok(Math.abs(a[1] * (M[2] * a[0] + M[3] * a[1]) - 1) < 1e-12);
});

Deno.test("nash: matches the official problem re-solved by scipy and cvxpy+ECOS (fixtures/mtl) to 1e-6 rel", () => {
  assert.equal(reference.nash.length, 10);
  let ecosChecked = 0;
  for (const c of reference.nash) {
    const sol = solveNash(c.gram, c.k);
    assert.ok(sol.converged, `${c.name}: ${sol.reason}`);
    assert.ok(sol.residual < 1e-6, `${c.name}: residual ${sol.residual}`);
    for (let i = 0; i < c.k; i++) {
      // The scipy root of alpha_i (M alpha)_i = 1 (residual < 1e-9).
      const rel = Math.abs(sol.alpha[i] - c.alpha[i]) / c.alpha[i];
      assert.ok(rel < 1e-6, `${c.name} alpha[${i}]: rel diff ${rel}`);
      // The official CCP (official constraints and objective) re-solved with scipy SLSQP, where bounded.
      if (c.ccp_scipy.alpha) {
        const relCcp = Math.abs(sol.alpha[i] - c.ccp_scipy.alpha[i]) / c.ccp_scipy.alpha[i];
        assert.ok(relCcp < 1e-6, `${c.name} alpha[${i}] vs scipy CCP: rel diff ${relCcp}`);
      }
    }
    // The official loop with ECOS (interior point, its own tolerance ~1e-8 absolute on a normalised
    // problem): agreement to 1e-4 relative where every subproblem was solved.
    if (c.ccp_ecos && c.ccp_ecos.statuses.every((s) => s === "optimal")) {
      ecosChecked++;
      for (let i = 0; i < c.k; i++) {
        const rel = Math.abs(sol.alpha[i] - c.ccp_ecos.alpha[i]) / c.ccp_ecos.alpha[i];
        assert.ok(rel < 1e-4, `${c.name} alpha[${i}] vs ECOS: rel diff ${rel}`);
      }
    }
    // Tight official constraints: the update's squared norm is k.
    assert.ok(Math.abs(updateSqNorm(c.gram, sol.alpha, c.k) - c.k) < 1e-6 * c.k, c.name);
  }
  assert.ok(ecosChecked >= 7, `ECOS cross-checks: ${ecosChecked}`);
});

Deno.test("nash: where the official CCP's first subproblem is unbounded, the Nash root still exists", () => {
  const c = reference.nash.find((x) => x.name === "conflicting k=3")!;
  // Recorded by the generator: ECOS reports "unbounded" and the official loop keeps alpha_prev = 1.
  assert.match(c.ccp_scipy.status!, /unbounded/);
  assert.deepEqual(c.ccp_ecos?.alpha, [1, 1, 1]);
  const sol = solveNash(c.gram, c.k);
  assert.ok(sol.converged && sol.residual < 1e-12);
  assert.ok(sol.alpha.every((a) => Math.abs(a - 1) > 0.05)); // not equal weights
});

Deno.test("nash: residual below 1e-6 and ||sum alpha_i g_i||^2 = k on 200 random Gram matrices", () => {
  const rng = new Rng(42);
  let worst = 0;
  let worstNorm = 0;
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
    worst = Math.max(worst, nashResidual(gram, sol.alpha, k));
    const sq = updateSqNorm(gram, sol.alpha, k);
    worstNorm = Math.max(worstNorm, Math.abs(sq - k) / k);
  }
  assert.ok(worst < 1e-6, `worst residual ${worst}`);
  assert.ok(worstNorm < 1e-6, `worst relative error of ||sum alpha_i g_i||^2 = k: ${worstNorm}`);
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
  // Active tasks: M = diag(1, 4): alpha = 1 / ||g_i||.
  assert.ok(Math.abs(sol.alpha[0] - 1) < 1e-12);
  assert.ok(Math.abs(sol.alpha[2] - 0.5) < 1e-12);
  assert.equal(solveNash([0, 0, 0, 0], 2).converged, false);
  assert.equal(solveNash([NaN, 0, 0, 1], 2).converged, false);
});

Deno.test("nash: scaling every gradient by c scales alpha by 1/c (alpha_i (M alpha)_i = 1 is degree -2 in g)", () => {
  const grads = [[1, 2, 0.5], [-0.3, 1, 2], [0.2, -1, 1]];
  const a = nashMtlWeights(grads);
  for (const c of [1e-3, 7, 1e4]) {
    const b = nashMtlWeights(grads.map((g) => g.map((v) => v * c)));
    for (let i = 0; i < 3; i++) assert.ok(Math.abs(b[i] * c - a[i]) < 1e-10 * a[i], `c = ${c}, alpha[${i}]`);
  }
});
