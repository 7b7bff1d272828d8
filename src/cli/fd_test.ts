import assert from "node:assert/strict";
import { capture } from "./testing.ts";
import { fdCommand } from "./fd.ts";
import { UsageError } from "../runtime/errors.ts";

const FIX = new URL("../../fixtures/metrics/", import.meta.url).pathname;
const expected = JSON.parse(await Deno.readTextFile(FIX + "expected.json"));

Deno.test("cli fd --json: one JSON object; .npz/.npz and .npy/.npy agree with pytorch-fid's value", async () => {
  for (
    const [a, b] of [["stats_a_deflated.npz", "stats_b_stored.npz"], ["feats_a_f4.npy", "feats_b_f8.npy"]]
  ) {
    const { code, out } = await capture(() => fdCommand.run([FIX + a, FIX + b, "--json"]));
    assert.equal(code, 0);
    assert.equal(out.length, 1);
    const r = JSON.parse(out[0]);
    assert.ok(Math.abs(r.fd - expected.d32.fd_pytorch_fid) / expected.d32.fd_pytorch_fid < 1e-6);
    assert.equal(r.d, 32);
  }
  const { out } = await capture(() =>
    fdCommand.run([FIX + "feats_a_f4.npy", FIX + "feats_b_f8.npy", "--json"])
  );
  assert.equal(JSON.parse(out[0]).nA, 400);
});

Deno.test("cli fd: --save-stats writes a .npz that gives the same FD; --infinity adds FD∞", async () => {
  const dir = await Deno.makeTempDir();
  await capture(() => fdCommand.run([FIX + "feats_a_f4.npy", "--save-stats", `${dir}/a.npz`]));
  const { out } = await capture(() => fdCommand.run([`${dir}/a.npz`, FIX + "stats_b_stored.npz", "--json"]));
  const r = JSON.parse(out[0]);
  assert.ok(Math.abs(r.fd - expected.d32.fd_pytorch_fid) / expected.d32.fd_pytorch_fid < 1e-6);
  assert.equal(r.nA, 400);
  const inf = await capture(() =>
    fdCommand.run([FIX + "feats_a_f4.npy", FIX + "stats_b_stored.npz", "--infinity", "--json"])
  );
  const ri = JSON.parse(inf.out[0]);
  assert.equal(ri.fdInfPoints.length, 15);
  assert.ok(Number.isFinite(ri.fdInf));
  await Deno.remove(dir, { recursive: true });
});

Deno.test("cli fd: bad input is a UsageError naming the problem", async () => {
  await assert.rejects(fdCommand.run([FIX + "feats_a_f4.npy"]), UsageError);
  await assert.rejects(
    fdCommand.run([FIX + "expected.json", FIX + "feats_a_f4.npy"]),
    /expected a \.npz .* or a \.npy/,
  );
  await assert.rejects(
    fdCommand.run([FIX + "feats_a_f4.npy", FIX + "full_t.npy"]),
    /statistics dimensions differ: first has d = 32, second has d = 64/,
  );
  await assert.rejects(
    fdCommand.run([FIX + "a.npy", FIX + "b.npy", "--method", "svd"]),
    /--method: got "svd"/,
  );
});
