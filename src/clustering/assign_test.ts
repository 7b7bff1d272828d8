import assert from "node:assert/strict";
import { clusterOf, sampleTimesteps } from "./assign.ts";
import type { Interval } from "./dp.ts";
import { Rng } from "../runtime/rng.ts";
import { UsageError } from "../runtime/errors.ts";

const IV: Interval[] = [[0, 2], [3, 3], [4, 9]];

Deno.test("assign: clusterOf is the interval index of every t", () => {
  assert.deepEqual(Array.from(clusterOf(IV, 10)), [0, 0, 0, 1, 2, 2, 2, 2, 2, 2]);
  assert.deepEqual(Array.from(clusterOf([[0, 4]], 5)), [0, 0, 0, 0, 0]);
  assert.throws(
    () => clusterOf([[0, 2], [4, 9]], 10),
    (e) => e instanceof UsageError && /allowed: 3/.test(e.message),
  );
  assert.throws(() => clusterOf(IV, 11), UsageError);
});

Deno.test("assign: stratified sampler gives k contiguous chunks of B/k, each inside its interval", () => {
  const rng = new Rng(3);
  const B = 12;
  const { t, cluster } = sampleTimesteps(rng, IV, B, "stratified");
  assert.equal(t.length, B);
  for (let b = 0; b < B; b++) {
    const i = Math.floor(b / 4);
    assert.equal(cluster[b], i);
    assert.ok(t[b] >= IV[i][0] && t[b] <= IV[i][1], `t[${b}] = ${t[b]} outside ${IV[i]}`);
  }
  // Singleton cluster [3, 3]: its chunk is all 3s.
  assert.deepEqual(Array.from(t.subarray(4, 8)), [3, 3, 3, 3]);
});

Deno.test("assign: stratified draws are uniform inside each interval (chi-square over 20k batches)", () => {
  const rng = new Rng(11);
  const counts = new Float64Array(10);
  const n = 20000;
  for (let s = 0; s < n; s++) {
    const { t } = sampleTimesteps(rng, IV, 3, "stratified");
    for (const x of t) counts[x]++;
  }
  // Interval [0,2] gets n draws over 3 values, [3,3] n over 1, [4,9] n over 6.
  let chi2 = 0;
  for (let x = 0; x < 10; x++) {
    const width = x <= 2 ? 3 : x === 3 ? 1 : 6;
    const e = n / width;
    chi2 += (counts[x] - e) ** 2 / e;
  }
  // 7 degrees of freedom (2 + 0 + 5); P(chi2_7 > 24.3) = 0.001.
  assert.ok(chi2 < 24.3, `chi2 = ${chi2}`);
});

Deno.test("assign: uniform sampler covers 0..T-1 uniformly and labels clusters by lookup", () => {
  const rng = new Rng(5);
  const counts = new Float64Array(10);
  const n = 50000;
  const { t, cluster } = sampleTimesteps(rng, IV, n, "uniform");
  const lookup = clusterOf(IV, 10);
  for (let b = 0; b < n; b++) {
    counts[t[b]]++;
    assert.equal(cluster[b], lookup[t[b]]);
  }
  let chi2 = 0;
  for (const c of counts) chi2 += (c - n / 10) ** 2 / (n / 10);
  assert.ok(chi2 < 27.9, `chi2 = ${chi2}`); // 9 dof, P(chi2_9 > 27.9) = 0.001
});

Deno.test("assign: draws are a pure function of the stream (same seed, same batch)", () => {
  const a = sampleTimesteps(new Rng(42), IV, 9, "stratified");
  const b = sampleTimesteps(new Rng(42), IV, 9, "stratified");
  assert.deepEqual(a, b);
  // Documented draw order: one rng.int per sample, in batch order.
  const r = new Rng(42);
  const expected = [0, 0, 0, 3, 3, 3, 4, 4, 4].map((lo, b) => r.int(lo, IV[Math.floor(b / 3)][1] + 1));
  assert.deepEqual(Array.from(a.t), expected);
});

Deno.test("assign: stratified with B % k != 0 is a UsageError that says why", () => {
  assert.throws(
    () => sampleTimesteps(new Rng(1), IV, 10, "stratified"),
    (e) =>
      e instanceof UsageError && /batchSize: got 10/.test(e.message) && /multiple of k = 3/.test(e.message),
  );
  assert.throws(() => sampleTimesteps(new Rng(1), IV, 0, "uniform"), /batchSize: got 0/);
  // deno-lint-ignore no-explicit-any
  assert.throws(() => sampleTimesteps(new Rng(1), IV, 3, "bogus" as any), /sampler: got "bogus"/);
  assert.throws(() => sampleTimesteps(new Rng(1), [[0, 3], [5, 9]], 2, "uniform"), UsageError);
});
