import assert from "node:assert/strict";
import { parseIdx } from "./idx.ts";
import { UsageError } from "../runtime/errors.ts";

/** Hand-built IDX bytes: big-endian header then values. */
function idx(rank: number, dims: number[], values: number[]): Uint8Array {
  const b = new Uint8Array(4 + 4 * rank + values.length);
  const v = new DataView(b.buffer);
  v.setUint32(0, 0x0800 + rank);
  dims.forEach((d, i) => v.setUint32(4 + 4 * i, d));
  b.set(values, 4 + 4 * rank);
  return b;
}

Deno.test("parseIdx reads a hand-built 2x2x3 image file and a label file", () => {
  const img = parseIdx(idx(3, [2, 2, 3], [0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]), 3, "x");
  assert.deepEqual(img.dims, [2, 2, 3]);
  assert.deepEqual([...img.data], [0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]);
  const lab = parseIdx(idx(1, [3], [7, 0, 9]), 1, "y");
  assert.deepEqual(lab.dims, [3]);
  assert.deepEqual([...lab.data], [7, 0, 9]);
});

Deno.test("parseIdx rejects wrong magic, truncation and trailing bytes with the file name", () => {
  const good = idx(3, [2, 2, 3], new Array(12).fill(1));
  const bad = (bytes: Uint8Array, rank: number, re: RegExp) =>
    assert.throws(
      () => parseIdx(bytes, rank, "/data/f-idx3"),
      (e: Error) => e instanceof UsageError && re.test(e.message),
    );
  bad(
    good,
    1,
    /\/data\/f-idx3: not an unsigned-byte IDX file of rank 1 \(magic 0x00000803, expected 0x00000801\)/,
  );
  bad(
    good.subarray(0, 20),
    3,
    /truncated: header says \[2, 2, 3\] = 12 values \(28 bytes\), file has 20 bytes/,
  );
  bad(good.subarray(0, 6), 3, /truncated IDX file \(6 bytes/);
  bad(new Uint8Array([...good, 0]), 3, /has trailing bytes/);
  // A gzipped file (magic 1f 8b ...) is reported as such.
  bad(new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), 3, /still gzipped/);
});
