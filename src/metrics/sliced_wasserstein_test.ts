import assert from "node:assert/strict";
import { randomDirections, slicedWasserstein, wasserstein2Squared1d } from "./sliced_wasserstein.ts";
import { rngFor } from "../runtime/rng.ts";

/** Brute-force W₂² between equal-size 1-D samples: minimum over all matchings (permutations). */
function bruteW2(a: number[], b: number[]): number {
  let best = Infinity;
  const perm = b.map((_, i) => i);
  const rec = (k: number) => {
    if (k === perm.length) {
      const cost = a.reduce((s, x, i) => s + (x - b[perm[i]]) ** 2, 0) / a.length;
      best = Math.min(best, cost);
      return;
    }
    for (let i = k; i < perm.length; i++) {
      [perm[k], perm[i]] = [perm[i], perm[k]];
      rec(k + 1);
      [perm[k], perm[i]] = [perm[i], perm[k]];
    }
  };
  rec(0);
  return best;
}

Deno.test("1-D W2 by sorting equals the brute-force optimal matching", () => {
  const rng = rngFor(1, "test");
  for (let trial = 0; trial < 5; trial++) {
    const a = Array.from({ length: 6 }, () => rng.normal());
    const b = Array.from({ length: 6 }, () => rng.normal() * 2 + 0.3);
    assert.ok(Math.abs(wasserstein2Squared1d(a, b) - bruteW2(a, b)) < 1e-12);
  }
  assert.throws(() => wasserstein2Squared1d([1, 2], [1]), /same non-zero size/);
});

Deno.test("SW2 in d = 1 is the exact W2 (directions are ±1)", () => {
  const a = [0, 1, 5], b = [2, -1, 3];
  // sorted: (-1,0), (1,2), (3,5) -> squared gaps 1, 1, 4 -> W2² = 2.
  const sw = slicedWasserstein(Float64Array.from(a), Float64Array.from(b), 1, { projections: 7, seed: 3 });
  assert.ok(Math.abs(sw - Math.sqrt(2)) < 1e-12);
});

Deno.test("SW2 of a translated sample: W2²(θ) = (θ·v)² per direction (closed form)", () => {
  const rng = rngFor(2, "test");
  const n = 50, d = 3, v = [0.5, -1, 2];
  const x = new Float64Array(n * d);
  for (let i = 0; i < x.length; i++) x[i] = rng.normal();
  const y = x.map((val, i) => val + v[i % d]);
  const dirs = randomDirections(64, d, 9);
  let expected = 0;
  for (let l = 0; l < 64; l++) {
    expected += (dirs[l * d] * v[0] + dirs[l * d + 1] * v[1] + dirs[l * d + 2] * v[2]) ** 2;
  }
  expected = Math.sqrt(expected / 64);
  assert.ok(Math.abs(slicedWasserstein(x, y, d, { directions: dirs }) - expected) < 1e-12);
  // The seeded default equals passing the seeded directions explicitly; SW(X, X) = 0.
  assert.equal(
    slicedWasserstein(x, y, d, { projections: 64, seed: 9 }),
    slicedWasserstein(x, y, d, { directions: dirs }),
  );
  assert.equal(slicedWasserstein(x, x, d), 0);
  // E_θ (θ·v)² = ‖v‖²/d on the sphere: with many directions SW² ≈ 5.25/3.
  const many = slicedWasserstein(x, y, d, { projections: 4000, seed: 1 });
  assert.ok(Math.abs(many * many - 5.25 / 3) < 0.06, `${many * many}`);
});

Deno.test("randomDirections: unit norm, deterministic in the seed", () => {
  const a = randomDirections(10, 4, 5), b = randomDirections(10, 4, 5), c = randomDirections(10, 4, 6);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  for (let l = 0; l < 10; l++) {
    const nrm = Math.hypot(...a.subarray(l * 4, l * 4 + 4));
    assert.ok(Math.abs(nrm - 1) < 1e-12);
  }
});

Deno.test("SW2 rejects unequal sample sizes", () => {
  assert.throws(
    () => slicedWasserstein(new Float32Array(6), new Float32Array(4), 2),
    /equal, non-zero sample sizes/,
  );
});
