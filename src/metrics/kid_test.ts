import assert from "node:assert/strict";
import { kernelInceptionDistance, KidSubsetSizeError, mmd2Unbiased } from "./kid.ts";
import { asMatrix, readNpy } from "./npy.ts";
import { rngFor } from "../runtime/rng.ts";

const FIX = new URL("../../fixtures/metrics/", import.meta.url).pathname;
const expected = JSON.parse(await Deno.readTextFile(FIX + "expected.json"));

Deno.test("KID: hand-computed 1-D case", () => {
  // d = 1, X = {0, 1}, Y = {2, 3}: k(a, b) = (ab + 1)³.
  // k(0,1) = 1; k(2,3) = 343; cross: k(0,2) = k(0,3) = 1, k(1,2) = 27, k(1,3) = 64.
  // MMD² = 2·1/2 + 2·343/2 − 2·(1 + 1 + 27 + 64)/4 = 1 + 343 − 46.5 = 297.5.
  const r = kernelInceptionDistance(Float64Array.of(2, 3), Float64Array.of(0, 1), 1, {
    subsets: 1,
    subsetSize: 2,
  });
  assert.equal(r.kid, 297.5);
  assert.equal(r.std, 0);
  assert.equal(r.subsetSize, 2);
});

Deno.test("KID: full-set value equals numpy's unbiased MMD² (rel < 1e-12)", async () => {
  const a = asMatrix(await readNpy(FIX + "feats_a_f4.npy"), "a");
  const b = asMatrix(await readNpy(FIX + "feats_b_f8.npy"), "b");
  const xa = a.data.subarray(0, 120 * 32), xb = b.data.subarray(0, 120 * 32);
  const r = kernelInceptionDistance(xa, xb, 32, { subsets: 1, subsetSize: 1000 });
  assert.ok(Math.abs(r.kid - expected.kid_full_120) / expected.kid_full_120 < 1e-12, `${r.kid}`);
  const same = mmd2Unbiased(
    Float64Array.from(a.data.subarray(0, 120 * 32)),
    Float64Array.from(a.data.subarray(120 * 32, 240 * 32)),
    32,
  );
  assert.ok(Math.abs(same - expected.kid_same_half) / expected.kid_same_half < 1e-12);
});

Deno.test("KID: subsets are seeded; identical distributions give ~0, shifted ones a clearly positive value", () => {
  const rng = rngFor(5, "test");
  const d = 8, n = 400;
  const draw = (shift: number) => Float64Array.from({ length: n * d }, () => rng.normal() + shift);
  const x = draw(0), y = draw(0), z = draw(0.5);
  const opts = { subsets: 20, subsetSize: 100, seed: 3 };
  const same = kernelInceptionDistance(x, y, d, opts);
  assert.deepEqual(kernelInceptionDistance(x, y, d, opts), same);
  assert.notEqual(kernelInceptionDistance(x, y, d, { ...opts, seed: 4 }).kid, same.kid);
  const shifted = kernelInceptionDistance(x, z, d, opts);
  // Unbiased: |KID| of identical distributions is within a few standard errors of 0.
  assert.ok(Math.abs(same.kid) < 4 * same.std / Math.sqrt(20) + 1e-3, `${same.kid} ± ${same.std}`);
  assert.ok(shifted.kid > 10 * Math.abs(same.kid) && shifted.kid > 0.05, `${shifted.kid}`);
  assert.ok(same.std > 0);
  assert.throws(() => kernelInceptionDistance(x.subarray(0, d), y, d), /at least 2 real and 2 generated/);
});

Deno.test("KID: the kernel-table route equals the direct per-subset route bit for bit", () => {
  const rng = rngFor(6, "test");
  const d = 5;
  const x = Float64Array.from({ length: 60 * d }, () => rng.normal());
  const y = Float64Array.from({ length: 50 * d }, () => rng.normal() * 1.1);
  const opts = { subsets: 7, subsetSize: 20, seed: 9 };
  const fast = kernelInceptionDistance(x, y, d, opts);
  // Replay the same subsets through mmd2Unbiased (the direct route).
  const sub = rngFor(9, "kid-subsets");
  const px = new Int32Array(50).map((_, i) => i), py = new Int32Array(60).map((_, i) => i);
  const pick = (p: Int32Array) => {
    for (let i = 0; i < 20; i++) {
      const j = sub.int(i, p.length);
      [p[i], p[j]] = [p[j], p[i]];
    }
    return p.slice(0, 20);
  };
  const vals: number[] = [];
  for (let s = 0; s < 7; s++) {
    const xi = pick(px), yi = pick(py);
    vals.push(mmd2Unbiased(y, x, d, xi, yi));
  }
  assert.equal(fast.kid, vals.reduce((a, b) => a + b, 0) / 7);
});

Deno.test("KID: a subset size >= N is refused by name (every subset would be the same set); default N/2", () => {
  const rng = rngFor(8, "test");
  const x = Float64Array.from({ length: 60 * 2 }, () => rng.normal());
  const y = Float64Array.from({ length: 40 * 2 }, () => rng.normal());
  for (const subsetSize of [40, 41, 1000]) {
    assert.throws(
      () => kernelInceptionDistance(x, y, 2, { subsets: 10, subsetSize }),
      (e) =>
        e instanceof KidSubsetSizeError && e.subsetSize === subsetSize && e.n === 40 &&
        /subset size \d+ >= N = 40/.test(e.message) && /\[2, 39\]/.test(e.message),
    );
  }
  // Default: min(1000, floor(40 / 2)) = 20, so the 100 subsets differ and have a spread.
  const r = kernelInceptionDistance(x, y, 2, { seed: 1 });
  assert.equal(r.subsetSize, 20);
  assert.ok(r.std > 0);
  // 39 is allowed; subsets = 1 gives the explicit full-set value.
  assert.equal(kernelInceptionDistance(x, y, 2, { subsets: 3, subsetSize: 39 }).subsetSize, 39);
  assert.equal(
    kernelInceptionDistance(x.subarray(0, 80), y, 2, { subsets: 1, subsetSize: 40 }).kid,
    mmd2Unbiased(Float64Array.from(y), Float64Array.from(x.subarray(0, 80)), 2),
  );
});
