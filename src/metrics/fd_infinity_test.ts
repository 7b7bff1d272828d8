import assert from "node:assert/strict";
import { defaultFdSizes, fdInfinity, fdInfinitySubset, fitLine } from "./fd_infinity.ts";
import { frechetDistance, gaussianStats } from "./frechet.ts";
import { rngFor } from "../runtime/rng.ts";

Deno.test("fitLine: exact line and a hand-computed least-squares fit", () => {
  assert.deepEqual(fitLine([0, 1, 2], [1, 3, 5]), { intercept: 1, slope: 2 });
  // (0,0), (1,1), (2,1): slope = Sxy/Sxx = 1/2, intercept = 2/3 − 1/2 = 1/6.
  const f = fitLine([0, 1, 2], [0, 1, 1]);
  assert.ok(Math.abs(f.slope - 0.5) < 1e-15 && Math.abs(f.intercept - 1 / 6) < 1e-15);
});

Deno.test("defaultFdSizes: 15 evenly spaced sizes from N/10 to N", () => {
  const s = defaultFdSizes(50000);
  assert.equal(s.length, 15);
  assert.equal(s[0], 5000);
  assert.equal(s[14], 50000);
  assert.equal(s[1], 5000 + Math.round(45000 / 14));
});

Deno.test("FD∞: every N gets its own shuffle (as score_infinity.py), not nested prefixes of one", () => {
  const rng = rngFor(4, "test");
  const d = 3, n = 400;
  const gen = Float64Array.from({ length: n * d }, () => rng.normal());
  const ref = gaussianStats(Float64Array.from({ length: 500 * d }, () => rng.normal()), 500, d);
  const quiet = { log: () => {} };
  const sizes = [40, 100, 250];
  const r = fdInfinity(gen, d, ref, { seed: 5, sizes, frechet: quiet });
  // Brute force: FD_N of the rows of a fresh seeded permutation per N.
  for (const [i, m] of sizes.entries()) {
    const perm = rngFor(5, "fd-infinity", m).permutation(n);
    const sub = new Float64Array(m * d);
    for (let a = 0; a < m; a++) for (let j = 0; j < d; j++) sub[a * d + j] = gen[perm[a] * d + j];
    assert.equal(r.points[i].fd, frechetDistance(gaussianStats(sub, m, d), ref, quiet));
  }
  // The subsets are not prefixes of each other (one shuffle would make rows 0..39 of N = 100 those of 40).
  const s40 = fdInfinitySubset(n, 40, 5), s100 = fdInfinitySubset(n, 100, 5);
  assert.notDeepEqual(Array.from(s100.subarray(0, 40)), Array.from(s40));
  // A subset of one N does not depend on which other N are requested.
  const r2 = fdInfinity(gen, d, ref, { seed: 5, sizes: [100, 300], frechet: quiet });
  assert.equal(r2.points[0].fd, r.points[1].fd);
});

Deno.test("FD∞: points are FD_N of reshuffled subsets; the extrapolation removes most of the 1/N bias", () => {
  const rng = rngFor(11, "test");
  const d = 6, n = 3000;
  const gen = Float64Array.from({ length: n * d }, () => rng.normal());
  // Exact reference: N(0, I). E[FD_N] > 0 is pure small-sample bias; FD∞ should be near 0.
  const ref = { mu: new Float64Array(d), sigma: new Float64Array(d * d), n: 0 };
  for (let i = 0; i < d; i++) ref.sigma[i * d + i] = 1;
  const quiet = { log: () => {} };
  const r = fdInfinity(gen, d, ref, { seed: 2, frechet: quiet });
  assert.equal(r.points.length, 15);
  assert.equal(r.points[14].n, n);
  // The largest N uses all samples, so it equals the plain FD.
  assert.ok(Math.abs(r.points[14].fd - frechetDistance(gaussianStats(gen, n, d), ref, quiet)) < 1e-12);
  assert.ok(r.slope > 0, `slope ${r.slope}`);
  assert.ok(
    Math.abs(r.fdInf) < r.points[0].fd / 3,
    `FD∞ ${r.fdInf} vs FD_${r.points[0].n} ${r.points[0].fd}`,
  );
  assert.throws(() => fdInfinity(gen, d, ref, { sizes: [100, 100] }), /2 distinct/);
  assert.throws(() => fdInfinity(gen, d, ref, { sizes: [1, 100] }), /FD∞ sample size: got 1/);
});
