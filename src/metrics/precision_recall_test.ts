import assert from "node:assert/strict";
import { kthNeighbourRadii, precisionRecall } from "./precision_recall.ts";
import { asMatrix, readNpy } from "./npy.ts";

const FIX = new URL("../../fixtures/metrics/", import.meta.url).pathname;
const expected = JSON.parse(await Deno.readTextFile(FIX + "expected.json"));

Deno.test("precision/recall: hand-derived 1-D case (k = 1)", () => {
  // Real {0, 1, 2, 10}: NN_1 radii 1, 1, 1, 8 -> balls [-1,1], [0,2], [1,3], [2,18].
  // Generated {0.5, 5, 30}: 0.5 and 5 inside, 30 outside -> precision 2/3.
  // Generated radii: 0.5 -> 4.5, 5 -> 4.5, 30 -> 25: balls [-4,5], [0.5,9.5], [5,55].
  // Real 0, 1, 2, 10 are inside (10 ∈ [5,55]) -> recall 1. Squared 2nd-NN radii of the real set: 4, 1, 4, 81.
  const r = precisionRecall(Float64Array.of(0, 1, 2, 10), Float64Array.of(0.5, 5, 30), 1, { k: 1 });
  assert.deepEqual(r, { precision: 2 / 3, recall: 1, k: 1 });
  assert.deepEqual([...kthNeighbourRadii(Float64Array.of(0, 1, 2, 10), 1, 2)], [4, 1, 4, 81]);
});

Deno.test("precision/recall: match the numpy brute force of the reference algorithm (k = 3 and 1)", async () => {
  const real = asMatrix(await readNpy(FIX + "pr_real.npy"), "real");
  const gen = asMatrix(await readNpy(FIX + "pr_gen.npy"), "gen");
  for (const k of [3, 1]) {
    const r = precisionRecall(real.data, gen.data, 5, { k });
    const e = expected[`pr_k${k}`];
    assert.ok(Math.abs(r.precision - e.precision) < 1e-12 && Math.abs(r.recall - e.recall) < 1e-12, `k=${k}`);
  }
  assert.throws(() => precisionRecall(real.data, gen.data.subarray(0, 15), 5), /no 3-th nearest neighbour/);
});
