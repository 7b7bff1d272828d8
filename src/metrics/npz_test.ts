import assert from "node:assert/strict";
import { crc32, formatNpz, parseNpz, readFidStats, readNpz, writeFidStats } from "./npz.ts";
import { npyArray } from "./npy.ts";
import { UsageError } from "../runtime/errors.ts";

const FIX = new URL("../../fixtures/metrics/", import.meta.url).pathname;

Deno.test("crc32 of the standard check string", () => {
  assert.equal(crc32(new TextEncoder().encode("123456789")), 0xcbf43926);
});

Deno.test("readFidStats: np.savez (stored) and np.savez_compressed (deflated) files", async () => {
  const a = await readFidStats(FIX + "stats_a_deflated.npz");
  const b = await readFidStats(FIX + "stats_b_stored.npz");
  assert.equal(a.mu.length, 32);
  assert.equal(a.sigma.length, 32 * 32);
  assert.equal(b.mu.length, 32);
  assert.equal(a.n, 0);
  const expected = JSON.parse(await Deno.readTextFile(FIX + "expected.json"));
  assert.equal(a.mu[0], expected.d32.mu_a_first3[0]);
  assert.equal(a.sigma[1], expected.d32.sigma_a_00_01_1515[1]);
});

Deno.test("npz: bad files get clear errors (shape, mismatched d, missing key, bzip2, not a zip)", async () => {
  const rejects = async (file: string, re: RegExp) =>
    await assert.rejects(readFidStats(FIX + file), (e) => e instanceof UsageError && re.test(e.message));
  await rejects("bad_sigma_shape.npz", /"sigma" must be square/);
  await rejects("mismatched_d.npz", /mismatched d: "mu" has d = 3 but "sigma" is 4 x 4/);
  await rejects("no_sigma.npz", /expected arrays "mu" and "sigma".*found: mu/);
  await rejects("bzip2_entry.npz", /compression method 12/);
  await rejects("feats_a_f4.npy", /not a valid \.npz/);
});

Deno.test("writeFidStats round trip (stored and deflated), and numpy loads our archive", async () => {
  const dir = await Deno.makeTempDir();
  const stats = { mu: Float64Array.from([1, 2]), sigma: Float64Array.from([2, 0.5, 0.5, 1]), n: 1000 };
  for (const compress of [false, true]) {
    const p = `${dir}/s${compress}.npz`;
    await writeFidStats(p, stats, { compress });
    assert.deepEqual(await readFidStats(p), stats);
  }
  const arrays = parseNpz(formatNpz({ x: npyArray(new Float32Array([1, 2, 3]), [3]) }, { compress: true }));
  assert.deepEqual([...arrays.get("x")!.data], [1, 2, 3]);
  assert.equal((await readNpz(`${dir}/strue.npz`)).size, 3);
  const py = new Deno.Command("python3", {
    args: [
      "-c",
      `import numpy as np; f=np.load("${dir}/strue.npz"); print(f["mu"].tolist(), f["sigma"].shape, float(f["n"]))`,
    ],
    stdout: "piped",
    stderr: "piped",
  });
  try {
    const out = await py.output();
    if (out.code === 0) assert.equal(new TextDecoder().decode(out.stdout).trim(), "[1.0, 2.0] (2, 2) 1000.0");
  } catch {
    // python3 missing: round trip above still checks the format.
  }
  await Deno.remove(dir, { recursive: true });
});
