import assert from "node:assert/strict";
import { asMatrix, formatNpy, npyArray, parseNpy, readNpy, writeNpy } from "./npy.ts";
import { UsageError } from "../runtime/errors.ts";

const FIX = new URL("../../fixtures/metrics/", import.meta.url).pathname;

Deno.test("readNpy: files written by numpy (float32, float64, v2 header, 0-d, int64, empty)", async () => {
  const a = await readNpy(FIX + "feats_a_f4.npy");
  assert.equal(a.dtype, "<f4");
  assert.deepEqual(a.shape, [400, 32]);
  assert.ok(a.data instanceof Float32Array && a.data.length === 400 * 32);
  const b = await readNpy(FIX + "feats_b_f8.npy");
  assert.equal(b.dtype, "<f8");
  assert.deepEqual(b.shape, [300, 32]);
  // np.arange(6).reshape(2, 3) / 4 saved with format version 2.0.
  const v2 = await readNpy(FIX + "v2_header.npy");
  assert.deepEqual(v2.shape, [2, 3]);
  assert.deepEqual([...v2.data], [0, 0.25, 0.5, 0.75, 1, 1.25]);
  const s = await readNpy(FIX + "scalar_f8.npy");
  assert.deepEqual(s.shape, []);
  assert.deepEqual([...s.data], [2.5]);
  const i = await readNpy(FIX + "int64.npy");
  assert.deepEqual([...i.data], [0, 1, 2, 3]);
  const e = await readNpy(FIX + "empty_rows.npy");
  assert.deepEqual(e.shape, [0, 3]);
  assert.throws(() => asMatrix(e, "empty_rows.npy", 2), /N = 0 rows; at least 2/);
});

Deno.test("readNpy: clear errors for Fortran order, big-endian, wrong magic, truncation, missing file", async () => {
  const rejects = async (path: string, re: RegExp) =>
    await assert.rejects(readNpy(path), (e) => e instanceof UsageError && re.test(e.message));
  await rejects(FIX + "fortran_order.npy", /Fortran-order/);
  await rejects(FIX + "big_endian_f8.npy", /dtype ">f8" is not supported/);
  await rejects(FIX + "expected.json", /missing the .*NUMPY.* magic/);
  await rejects(FIX + "does_not_exist.npy", /cannot read/);
  const good = formatNpy(npyArray(new Float32Array([1, 2, 3]), [3]));
  assert.throws(() => parseNpy(good.subarray(0, good.length - 2), "cut.npy"), /cut\.npy: truncated data/);
  const v9 = good.slice();
  v9[6] = 9;
  assert.throws(() => parseNpy(v9, "v9.npy"), /version 9\.0; allowed/);
});

Deno.test("writeNpy/readNpy round trip; numpy reads what we write", async () => {
  const dir = await Deno.makeTempDir();
  const f32 = npyArray(Float32Array.from([1.5, -2, 3.25, 0, 7, 8]), [3, 2]);
  const f64 = npyArray(Float64Array.from([Math.PI, -1e-300, 1e300]), [3]);
  await writeNpy(`${dir}/a.npy`, f32);
  await writeNpy(`${dir}/b.npy`, f64);
  assert.deepEqual(await readNpy(`${dir}/a.npy`), f32);
  assert.deepEqual(await readNpy(`${dir}/b.npy`), f64);
  const bytes = formatNpy(f32);
  const headerLen = new DataView(bytes.buffer).getUint16(8, true);
  assert.equal((10 + headerLen) % 64, 0, "data aligned to 64 bytes");
  const py = new Deno.Command("python3", {
    args: [
      "-c",
      `import numpy as np; a=np.load("${dir}/a.npy"); b=np.load("${dir}/b.npy"); ` +
      `print(a.dtype, a.shape, a.sum(), b.dtype, repr(b[0]), b[2])`,
    ],
    stdout: "piped",
    stderr: "piped",
  });
  try {
    const out = await py.output();
    if (out.code === 0) {
      assert.equal(
        new TextDecoder().decode(out.stdout).trim(),
        "float32 (3, 2) 17.75 float64 np.float64(3.141592653589793) 1e+300",
      );
    }
  } catch {
    // python3 missing: the numpy-written fixtures above still cover the format.
  }
  await Deno.remove(dir, { recursive: true });
});
