import assert from "node:assert/strict";
import { drainClaimQueue } from "./claim_queue.ts";

Deno.test("drainClaimQueue: busy items wait, then count as done elsewhere or are tried again", async () => {
  // a: done here at once; b: busy, then finished by another process; c: busy once, then free (its holder
  // died), so it is tried again and done here.
  const attempts: string[] = [];
  const elsewhere: string[] = [];
  let cBusy = true;
  await drainClaimQueue(["a", "b", "c"], {
    jobs: 2,
    pollMs: 1,
    attempt(x) {
      attempts.push(x);
      if (x === "b") return Promise.resolve("busy");
      if (x === "c" && cBusy) {
        cBusy = false;
        return Promise.resolve("busy");
      }
      return Promise.resolve("done");
    },
    doneElsewhere: (x) => Promise.resolve(x === "b"),
    onDoneElsewhere: (x) => void elsewhere.push(x),
  });
  assert.deepEqual(attempts.sort(), ["a", "b", "c", "c"]);
  assert.deepEqual(elsewhere, ["b"]);
  // No items: no worker, nothing called.
  await drainClaimQueue([], {
    jobs: 4,
    pollMs: 1,
    attempt: () => Promise.reject(new Error("not called")),
    doneElsewhere: () => Promise.reject(new Error("not called")),
    onDoneElsewhere: () => assert.fail("not called"),
  });
});
