import assert from "node:assert/strict";
import { capture } from "./testing.ts";
import { prCommand } from "./pr.ts";

const FIX = new URL("../../fixtures/metrics/", import.meta.url).pathname;
const expected = JSON.parse(await Deno.readTextFile(FIX + "expected.json"));

Deno.test("cli pr --json: numpy reference precision/recall (k = 3 default, k = 1)", async () => {
  for (const k of [3, 1]) {
    const extra = k === 3 ? [] : ["--k", "1"];
    const { code, out } = await capture(() =>
      prCommand.run([FIX + "pr_real.npy", FIX + "pr_gen.npy", ...extra, "--json"])
    );
    assert.equal(code, 0);
    const r = JSON.parse(out[0]);
    assert.equal(r.k, k);
    assert.ok(Math.abs(r.precision - expected[`pr_k${k}`].precision) < 1e-12);
    assert.ok(Math.abs(r.recall - expected[`pr_k${k}`].recall) < 1e-12);
  }
  await assert.rejects(prCommand.run([FIX + "pr_real.npy"]), /expected REAL\.npy GEN\.npy/);
});
