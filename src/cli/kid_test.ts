import assert from "node:assert/strict";
import { capture } from "./testing.ts";
import { kidCommand } from "./kid.ts";

const FIX = new URL("../../fixtures/metrics/", import.meta.url).pathname;

Deno.test("cli kid --json: one object with kid and std; seeded; dimension mismatch is an error", async () => {
  const args = [
    FIX + "feats_a_f4.npy",
    FIX + "feats_b_f8.npy",
    "--subsets",
    "4",
    "--subset-size",
    "50",
    "--json",
  ];
  const a = await capture(() => kidCommand.run([...args, "--seed", "1"]));
  const b = await capture(() => kidCommand.run([...args, "--seed", "1"]));
  assert.equal(a.out.length, 1);
  const r = JSON.parse(a.out[0]);
  assert.deepEqual(Object.keys(r), ["kid", "std", "subsets", "subsetSize", "nA", "nB", "d"]);
  assert.equal(r.subsetSize, 50);
  assert.ok(r.kid > 0 && r.std > 0);
  assert.deepEqual(a.out, b.out);
  await assert.rejects(kidCommand.run([FIX + "feats_a_f4.npy", FIX + "full_t.npy"]), /dimensions differ/);
  await assert.rejects(kidCommand.run([...args, "--subsets", "0"]), /--subsets: got "0"/);
  // A subset size of at least N (every subset the same set) is refused with the allowed range.
  await assert.rejects(
    kidCommand.run([FIX + "feats_a_f4.npy", FIX + "feats_b_f8.npy", "--subset-size", "100000"]),
    /subset size 100000 >= N = \d+ .*allowed: a subset size in \[2, /,
  );
});
