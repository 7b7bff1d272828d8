import assert from "node:assert/strict";
import { areaResize, areaWeights, centerSquare } from "./resize.ts";

function weights(n: number, m: number): [number, number][][] {
  const w = areaWeights(n, m);
  const out: [number, number][][] = [];
  for (let j = 0; j < m; j++) {
    const r: [number, number][] = [];
    for (let p = w.start[j]; p < w.start[j + 1]; p++) {
      r.push([w.index[p], Math.round(w.weight[p] * 1e12) / 1e12]);
    }
    out.push(r);
  }
  return out;
}

Deno.test("areaWeights: hand-derived coverage for 3->2, 4->2 and 2->4", () => {
  // 3 -> 2: output 0 covers [0, 1.5): all of pixel 0 and half of pixel 1, normalised by 1.5.
  assert.deepEqual(weights(3, 2), [
    [[0, 2 / 3], [1, 1 / 3]].map(([i, w]) => [i, Math.round(w * 1e12) / 1e12]),
    [
      [1, Math.round(1e12 / 3) / 1e12],
      [2, Math.round(2e12 / 3) / 1e12],
    ],
  ]);
  assert.deepEqual(weights(4, 2), [[[0, 0.5], [1, 0.5]], [[2, 0.5], [3, 0.5]]]);
  assert.deepEqual(weights(2, 4), [[[0, 1]], [[0, 1]], [[1, 1]], [[1, 1]]]);
});

Deno.test("areaResize: 4x4 -> 2x2 is the rounded block mean; 3x3 -> 2x2 by hand", () => {
  const src = Uint8Array.from({ length: 16 }, (_, i) => i);
  // Blocks {0,1,4,5} = 2.5, {2,3,6,7} = 4.5, {8,9,12,13} = 10.5, {10,11,14,15} = 12.5; round half up.
  assert.deepEqual([...areaResize(src, 4, 4, 1, 2, 2)], [3, 5, 11, 13]);
  // Every row [0, 30, 90]: (0 + 30/2)/1.5 = 10, (30/2 + 90)/1.5 = 70.
  const r = Uint8Array.from([0, 30, 90, 0, 30, 90, 0, 30, 90]);
  assert.deepEqual([...areaResize(r, 3, 3, 1, 2, 2)], [10, 70, 10, 70]);
  // Two channels are resampled independently; a window selects the crop.
  const two = Uint8Array.from([1, 100, 3, 100, 5, 200, 7, 200]); // 2x2x2
  assert.deepEqual([...areaResize(two, 2, 2, 2, 1, 1)], [4, 150]);
  assert.deepEqual([...areaResize(two, 2, 2, 2, 1, 1, { y0: 1, x0: 0, height: 1, width: 2 })], [6, 200]);
  // Enlarging 1x2 -> 2x4 replicates.
  assert.deepEqual([...areaResize(Uint8Array.from([9, 200]), 1, 2, 1, 2, 4)], [
    9,
    9,
    200,
    200,
    9,
    9,
    200,
    200,
  ]);
});

Deno.test("centerSquare rounds the offset down", () => {
  assert.deepEqual(centerSquare(5, 8), [0, 1, 5]);
  assert.deepEqual(centerSquare(9, 4), [2, 0, 4]);
  assert.deepEqual(centerSquare(6, 6), [0, 0, 6]);
});
