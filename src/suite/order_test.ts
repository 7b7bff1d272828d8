import assert from "node:assert/strict";
import { seedMajor } from "./order.ts";

const run = (row: string, seed: number) => ({ row, config: { seed } });

Deno.test("seedMajor: every row's seed 0, then every row's seed 1, ...; plan order within a seed", () => {
  // The plan order of a suite: rows outer, seeds inner (src/suite/expand.ts).
  const plan = [run("vanilla", 3), run("vanilla", 1), run("uw", 3), run("uw", 1), run("pcgrad", 3)];
  assert.deepEqual(seedMajor(plan).map((r) => `${r.row}/${r.config.seed}`), [
    "vanilla/3",
    "uw/3",
    "pcgrad/3",
    "vanilla/1",
    "uw/1",
  ]);
  assert.deepEqual(seedMajor([]), []);
  // A permutation: nothing lost or repeated.
  assert.deepEqual(new Set(seedMajor(plan)), new Set(plan));
});
