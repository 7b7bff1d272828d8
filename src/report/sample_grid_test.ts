import assert from "node:assert/strict";
import { inflateSync } from "node:zlib";
import { sampleGridPng, toByte } from "./sample_grid.ts";
import { UsageError } from "../runtime/errors.ts";

/** Minimal independent PNG reader (node:zlib, filter type 0 only): IHDR fields and raw pixel rows. */
function readPng(
  png: Uint8Array,
): { width: number; height: number; colorType: number; depth: number; px: Uint8Array } {
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let off = 8, width = 0, height = 0, depth = 0, colorType = 0;
  const idat: Uint8Array[] = [];
  while (off < png.length) {
    const len = view.getUint32(off);
    const type = new TextDecoder().decode(png.subarray(off + 4, off + 8));
    const body = png.subarray(off + 8, off + 8 + len);
    if (type === "IHDR") {
      const v = new DataView(body.buffer, body.byteOffset, body.byteLength);
      width = v.getUint32(0);
      height = v.getUint32(4);
      depth = body[8];
      colorType = body[9];
    } else if (type === "IDAT") idat.push(body);
    off += 12 + len;
  }
  const raw = new Uint8Array(inflateSync(new Uint8Array(idat.flatMap((b) => [...b]))));
  const ch = colorType === 2 ? 3 : 1;
  const stride = width * ch;
  const px = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    assert.equal(raw[y * (stride + 1)], 0, "filter type 0");
    px.set(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)), y * stride);
  }
  return { width, height, colorType, depth, px };
}

Deno.test("toByte maps [-1, 1] to 0..255 with clamping; non-finite to 0", () => {
  assert.deepEqual([-1, 0, 1, -2, 3, 0.5, NaN, Infinity].map(toByte), [0, 128, 255, 0, 255, 191, 0, 0]);
});

Deno.test("sampleGridPng: 3 grey 2x2 images in 2 columns, pad 1, scale 2 (hand layout)", () => {
  // image i has the value v_i everywhere except pixel (0,0) = -1.
  const vals = [1, 0, 0.5];
  const imgs = new Float32Array(3 * 4);
  vals.forEach((v, i) => imgs.set([-1, v, v, v], i * 4));
  const png = sampleGridPng(imgs, 3, 2, 2, 1, { cols: 2, pad: 1, scale: 2, padValue: 7 });
  const r = readPng(png);
  // Width 2·4 + 3·1 = 11, height 2·4 + 3·1 = 11, 8-bit greyscale.
  assert.deepEqual([r.width, r.height, r.depth, r.colorType], [11, 11, 8, 0]);
  const at = (y: number, x: number) => r.px[y * 11 + x];
  assert.equal(at(0, 0), 7);
  // Cell 0 at (1,1): top-left 2x2 block is 0 (x = -1), the rest 255.
  assert.deepEqual([at(1, 1), at(1, 2), at(2, 2), at(1, 3), at(4, 4)], [0, 0, 0, 255, 255]);
  assert.equal(at(1, 5), 7); // separator column
  // Cell 1 at (1,6): value 0 -> 128.
  assert.deepEqual([at(1, 6), at(3, 8), at(4, 9)], [0, 128, 128]);
  // Cell 2 at (6,1): 0.5 -> 191; the empty 4th cell is padding.
  assert.deepEqual([at(6, 1), at(9, 4)], [0, 191]);
  assert.deepEqual([at(6, 6), at(9, 9), at(10, 10)], [7, 7, 7]);
});

Deno.test("sampleGridPng: RGB, default layout, byte-identical output for equal input", () => {
  const imgs = new Float32Array(4 * 1 * 1 * 3);
  imgs.set([1, -1, -1, -1, 1, -1, -1, -1, 1, 0, 0, 0]);
  const a = sampleGridPng(imgs, 4, 1, 1, 3);
  const b = sampleGridPng(imgs.slice(), 4, 1, 1, 3);
  assert.deepEqual(a, b);
  const r = readPng(a);
  assert.deepEqual([r.width, r.height, r.colorType], [5, 5, 2]); // 2 cols (⌈√4⌉), pad 1
  const at = (y: number, x: number) => [...r.px.subarray((y * 5 + x) * 3, (y * 5 + x) * 3 + 3)];
  assert.deepEqual([at(1, 1), at(1, 3), at(3, 1), at(3, 3), at(0, 0)], [
    [255, 0, 0],
    [0, 255, 0],
    [0, 0, 255],
    [128, 128, 128],
    [255, 255, 255],
  ]);
});

Deno.test("sampleGridPng rejects bad arguments with the field name", () => {
  assert.throws(
    () => sampleGridPng(new Float32Array(5), 2, 2, 2, 2, { scale: 0 }),
    (e: Error) =>
      e instanceof UsageError && /scale: got 0; allowed: an integer >= 1/.test(e.message) &&
      /c: got 2/.test(e.message),
  );
  assert.throws(
    () => sampleGridPng(new Float32Array(5), 2, 2, 2, 1),
    /images\.length: got 5; allowed: n·h·w·c = 8/,
  );
});
