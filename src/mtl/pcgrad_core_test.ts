import assert from "node:assert/strict";
import { pcgrad, pcgradCoefficients, pcgradOrders } from "./pcgrad_core.ts";
import { gramMatrix } from "./nash_solver.ts";
import { Rng, rngFor } from "../runtime/rng.ts";

import referenceJson from "../../fixtures/mtl/reference.json" with { type: "json" };

const reference = referenceJson as {
  pcgrad: { k: number; grads: number[][]; orders: number[][]; update: number[] }[];
};

function close(a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-12): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (Math.abs(a[i] - b[i]) > tol * Math.max(1, Math.abs(b[i]))) return false;
  }
  return true;
}

Deno.test("pcgrad: two conflicting gradients (hand-derived)", () => {
  // g1 = (1, 0), g2 = (-1, 1): g1.g2 = -1 < 0.
  // g1' = g1 - (-1/2) g2 = (1/2, 1/2); g2' = g2 - (-1/1) g1 = (0, 1). Sum = (1/2, 3/2).
  assert.ok(close(pcgrad([[1, 0], [-1, 1]]), [0.5, 1.5]));
});

Deno.test("pcgrad: no conflict (orthogonal or acute) leaves the sum unchanged", () => {
  assert.ok(close(pcgrad([[1, 0, 0], [0, 2, 0], [0, 0, 3]]), [1, 2, 3]));
  assert.ok(close(pcgrad([[1, 1], [2, 0.5], [0.1, 3]], 7, 3), [3.1, 4.5]));
});

Deno.test("pcgrad: projected gradients no longer conflict with the task they were projected on (k = 2)", () => {
  const rng = new Rng(3);
  for (let trial = 0; trial < 50; trial++) {
    const g1 = Array.from({ length: 6 }, () => rng.normal());
    const g2 = Array.from({ length: 6 }, () => rng.normal());
    const d12 = g1.reduce((s, v, i) => s + v * g2[i], 0);
    const update = pcgrad([g1, g2]);
    if (d12 >= 0) {
      assert.ok(close(update, g1.map((v, i) => v + g2[i])));
    } else {
      // k = 2 is order-independent: g1' . g2 = 0 and g2' . g1 = 0, so update . g1 = |g1|^2 + 0 ... check
      // the closed form g1 + g2 - (d/|g2|^2) g2 - (d/|g1|^2) g1.
      const n1 = g1.reduce((s, v) => s + v * v, 0);
      const n2 = g2.reduce((s, v) => s + v * v, 0);
      assert.ok(close(update, g1.map((v, i) => v + g2[i] - (d12 / n2) * g2[i] - (d12 / n1) * v), 1e-10));
    }
  }
});

Deno.test("pcgrad: matches the numpy reference with explicit orders (fixtures/mtl)", () => {
  for (const c of reference.pcgrad) {
    const orders = c.orders.map((o) => Int32Array.from(o));
    const { weights } = pcgradCoefficients(gramMatrix(c.grads), c.k, orders);
    const P = c.grads[0].length;
    const update = new Float64Array(P);
    for (let m = 0; m < c.k; m++) for (let p = 0; p < P; p++) update[p] += weights[m] * c.grads[m][p];
    assert.ok(close(update, c.update, 1e-10), `k=${c.k}`);
  }
});

Deno.test("pcgrad: vector form and Gram-coefficient form agree, order from rngFor(seed, 'pcgrad:order', step)", () => {
  const rng = new Rng(11);
  for (let trial = 0; trial < 30; trial++) {
    const k = 2 + (trial % 5);
    const grads = Array.from({ length: k }, () => Array.from({ length: 9 }, () => rng.normal()));
    const direct = pcgrad(grads, 123, trial);
    const orders = pcgradOrders(k, rngFor(123, "pcgrad:order", trial));
    const { weights } = pcgradCoefficients(gramMatrix(grads), k, orders);
    const viaGram = new Float64Array(9);
    for (let m = 0; m < k; m++) for (let p = 0; p < 9; p++) viaGram[p] += weights[m] * grads[m][p];
    assert.ok(close(direct, viaGram, 1e-10));
  }
});

Deno.test("pcgrad: orders are permutations of the other tasks; order matters for k = 3", () => {
  const orders = pcgradOrders(5, new Rng(1));
  for (let i = 0; i < 5; i++) {
    assert.deepEqual([...orders[i]].sort(), [0, 1, 2, 3, 4].filter((j) => j !== i));
  }
  // g1 conflicts with both g2 and g3; projecting on g2 first or g3 first gives different g1'.
  const grads = [[1, 0], [-1, 1], [-1, -2]];
  const a = pcgradCoefficients(gramMatrix(grads), 3, [
    Int32Array.from([1, 2]),
    Int32Array.from([0, 2]),
    Int32Array.from([0, 1]),
  ]);
  const b = pcgradCoefficients(gramMatrix(grads), 3, [
    Int32Array.from([2, 1]),
    Int32Array.from([0, 2]),
    Int32Array.from([0, 1]),
  ]);
  assert.notDeepEqual(a.weights, b.weights);
  assert.equal(a.conflictingPairs, 3); // g1.g2 = -1, g1.g3 = -1, g2.g3 = 1 - 2 = -1
});
