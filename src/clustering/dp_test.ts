import assert from "node:assert/strict";
import { checkTk, type Interval, intervalDp, intervalProblems, partitionCost } from "./dp.ts";
import { l1MedianCost } from "./l1_median.ts";
import { Rng } from "../runtime/rng.ts";
import { UsageError } from "../runtime/errors.ts";

/** Every partition of 0..T-1 into k contiguous non-empty intervals (brute force). */
function* allPartitions(T: number, k: number): Generator<Interval[]> {
  // Choose k-1 cut positions c (interval ends) in 0..T-2, increasing.
  const cuts: number[] = [];
  function* rec(from: number): Generator<Interval[]> {
    if (cuts.length === k - 1) {
      const iv: Interval[] = [];
      let l = 0;
      for (const c of cuts) {
        iv.push([l, c]);
        l = c + 1;
      }
      iv.push([l, T - 1]);
      yield iv;
      return;
    }
    for (let c = from; c <= T - 2; c++) {
      cuts.push(c);
      yield* rec(c + 1);
      cuts.pop();
    }
  }
  yield* rec(0);
}

function randomCostTable(rng: Rng, T: number, integers: boolean): (l: number, r: number) => number {
  const table = new Float64Array(T * T);
  for (let i = 0; i < table.length; i++) {
    table[i] = integers ? rng.int(0, 4) : rng.normal();
  }
  return (l, r) => {
    assert.ok(0 <= l && l <= r && r < T, `cost called on a bad interval [${l}, ${r}]`);
    return table[l * T + r];
  };
}

function sumSquaredWidths(p: Interval[]): number {
  return p.reduce((s, [l, r]) => s + (r - l + 1) ** 2, 0);
}

function assertPartition(intervals: Interval[], T: number, k: number): void {
  assert.equal(intervals.length, k);
  assert.deepEqual(intervalProblems(intervals, T), []);
}

Deno.test("dp: optimal on every random cost table for T <= 9, all k (brute force over all partitions)", () => {
  const rng = new Rng(12345);
  let cases = 0;
  for (let T = 1; T <= 9; T++) {
    for (let k = 1; k <= T; k++) {
      for (let rep = 0; rep < 6; rep++) {
        const cost = randomCostTable(rng, T, rep % 2 === 1); // odd reps: small integers, many ties
        // Brute force: the minimal cost, and among exactly-optimal partitions the smallest Σ width²
        // (the documented tie-break; integer tables have many exact ties).
        let best = Infinity;
        let bestQ = Infinity;
        for (const p of allPartitions(T, k)) {
          const c = partitionCost(cost, p);
          const q = sumSquaredWidths(p);
          if (c < best || (c === best && q < bestQ)) [best, bestQ] = [c, q];
        }
        const res = intervalDp(cost, T, k);
        assertPartition(res.intervals, T, k);
        assert.ok(Math.abs(res.cost - best) <= 1e-12, `T=${T} k=${k}: dp ${res.cost} vs brute ${best}`);
        if (rep % 2 === 1) assert.equal(sumSquaredWidths(res.intervals), bestQ, `T=${T} k=${k} tie-break`);
        // The reported cost is the cost of the reported partition.
        assert.ok(Math.abs(partitionCost(cost, res.intervals) - res.cost) <= 1e-12);
        cases++;
      }
    }
  }
  assert.equal(cases, 6 * 45);
});

Deno.test("dp: singleton first interval is allowed (official code's L >= j quirk not copied)", () => {
  // Cheap only when t = 0 is alone: the optimum is [0,0], [1,3].
  const cost = (l: number, r: number) => (l === 0 && r === 0) || (l === 1 && r === 3) ? 0 : 10;
  assert.deepEqual(intervalDp(cost, 4, 2), { intervals: [[0, 0], [1, 3]], cost: 0 });
  // k = T gives all singletons; k = 1 the whole range.
  assert.deepEqual(intervalDp(() => 1, 4, 4).intervals, [[0, 0], [1, 1], [2, 2], [3, 3]]);
  assert.deepEqual(intervalDp(() => 1, 4, 1), { intervals: [[0, 3]], cost: 1 });
});

Deno.test("dp: zero-cost optima are kept (no masking of zeros) and negative costs work", () => {
  const zero = intervalDp(() => 0, 5, 3);
  assert.equal(zero.cost, 0);
  // Every partition ties; the tie-break picks widths {1, 2, 2} (smallest Σ w²), earliest ends first.
  assert.deepEqual(zero.intervals, [[0, 0], [1, 2], [3, 4]]);
  // Cost -width favours nothing in particular: every partition costs -T; ties go to the smallest L.
  assert.equal(intervalDp((l, r) => -(r - l + 1), 6, 3).cost, -6);
});

Deno.test("dp: timestep cost matches the closed form floor(w^2/4) per interval and the balanced split", () => {
  // Σ_{t in w consecutive integers} |t - median| = floor(w²/4), convex in w, so the optimum is the
  // near-equal split: rem = T mod k intervals of width q+1 and k - rem of width q (q = floor(T/k)).
  const f = (w: number) => Math.floor((w * w) / 4);
  for (let T = 1; T <= 48; T++) {
    const cost = l1MedianCost(Float64Array.from({ length: T }, (_, t) => t));
    for (let l = 0; l < T; l++) for (let r = l; r < T; r++) assert.equal(cost(l, r), f(r - l + 1));
    for (let k = 1; k <= T; k++) {
      const q = Math.floor(T / k);
      const rem = T % k;
      const res = intervalDp(cost, T, k);
      assertPartition(res.intervals, T, k);
      assert.equal(res.cost, rem * f(q + 1) + (k - rem) * f(q), `T=${T} k=${k}`);
      for (const [l, r] of res.intervals) assert.ok(r - l + 1 === q || r - l + 1 === q + 1);
    }
  }
});

Deno.test("dp: T = 1000, k = 5 timestep optimum is the exact uniform split with cost 50000", () => {
  const cost = l1MedianCost(Float64Array.from({ length: 1000 }, (_, t) => t));
  assert.deepEqual(intervalDp(cost, 1000, 5), {
    intervals: [[0, 199], [200, 399], [400, 599], [600, 799], [800, 999]],
    cost: 50000,
  });
  // The optimum is tied: widths 199, 200, 200, 200, 201 also cost 9900 + 3·10000 + 10100 = 50000, so the
  // uniform split is the DP's answer only through the balanced tie-break.
  assert.equal(partitionCost(cost, [[0, 198], [199, 398], [399, 598], [599, 798], [799, 999]]), 50000);
});

Deno.test("dp: L1-median cost is non-increasing in k (random monotone sequences)", () => {
  const rng = new Rng(7);
  for (let rep = 0; rep < 20; rep++) {
    const T = 5 + rng.int(0, 60);
    const v = new Float64Array(T);
    for (let i = 1; i < T; i++) v[i] = v[i - 1] - Math.exp(2 * rng.normal()); // decreasing, heavy-tailed gaps
    const cost = l1MedianCost(v);
    let prev = Infinity;
    for (let k = 1; k <= T; k++) {
      const c = intervalDp(cost, T, k).cost;
      assert.ok(c <= prev + 1e-9, `T=${T} k=${k}: ${c} > ${prev}`);
      prev = c;
    }
    assert.ok(Math.abs(prev) < 1e-9, "k = T costs 0 (all singletons)");
  }
});

Deno.test("dp: L1-median cost equals a direct sort-and-sum on random monotone sequences", () => {
  const rng = new Rng(99);
  for (let rep = 0; rep < 10; rep++) {
    const T = 1 + rng.int(0, 30);
    const v = new Float64Array(T);
    for (let i = 1; i < T; i++) v[i] = v[i - 1] + (rep % 2 ? -1 : 1) * rng.int(0, 3) * rng.uniform();
    const cost = l1MedianCost(v);
    for (let l = 0; l < T; l++) {
      for (let r = l; r < T; r++) {
        const seg = Array.from(v.subarray(l, r + 1)).sort((a, b) => a - b);
        const med = seg[Math.floor((seg.length - 1) / 2)];
        const direct = seg.reduce((s, x) => s + Math.abs(x - med), 0);
        assert.ok(Math.abs(cost(l, r) - direct) <= 1e-9 * (1 + direct));
      }
    }
  }
  assert.throws(() => l1MedianCost([0, 2, 1]), /monotone/);
});

Deno.test("dp: bad T and k are UsageErrors naming the value", () => {
  assert.throws(() => checkTk(0, 1), (e) => e instanceof UsageError && /T: got 0/.test(e.message));
  assert.throws(() => checkTk(10.5, 1), /T: got 10.5/);
  assert.throws(
    () => intervalDp(() => 0, 10, 0),
    (e) => e instanceof UsageError && /k: got 0/.test(e.message),
  );
  assert.throws(() => intervalDp(() => 0, 10, 11), /k: got 11; allowed: an integer in \[1, T = 10\]/);
  assert.throws(() => intervalDp(() => 0, 10, 2.5), /k: got 2.5/);
  assert.throws(() => intervalDp(() => NaN, 4, 2), RangeError);
});

Deno.test("dp: intervalProblems reports gaps, overlaps and wrong ends", () => {
  assert.deepEqual(intervalProblems([[0, 4], [5, 9]], 10), []);
  assert.match(intervalProblems([[0, 4], [6, 9]], 10)[0], /intervals\[1\]\[0\]: got 6; allowed: 5/);
  assert.match(intervalProblems([[0, 4], [5, 8]], 10)[0], /got 8; allowed: 9/);
  assert.match(intervalProblems([[1, 9]], 10)[0], /got 1; allowed: 0/);
  assert.match(intervalProblems([], 10)[0], /non-empty/);
  assert.match(intervalProblems([[0, 4], [5, 3], [4, 9]], 10).join("\n"), /l <= r/);
});
