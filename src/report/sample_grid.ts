/**
 * PNG grids of image samples for reports (fast-png encoder; no filters, fixed zlib settings, no timestamps,
 * so equal inputs give byte-identical files).
 *
 * Layout: `cols` columns (default ⌈√n⌉), ⌈n / cols⌉ rows; each cell is an h×w image upscaled by the integer
 * `scale` (nearest neighbour), cells separated and surrounded by `pad` pixels of `padValue`. Values in
 * [-1, 1] map to 8 bits by round((x + 1) / 2 · 255) after clamping; non-finite values become 0 (black) so a
 * diverged sample is visible rather than an error. One channel gives a greyscale PNG, three an RGB PNG.
 *
 * @module
 */
import { encode } from "fast-png";
import { badValue, throwIfProblems } from "../runtime/errors.ts";

/** Options of {@link sampleGridPng}. */
export interface SampleGridOptions {
  /** Number of columns (default ⌈√n⌉). */
  cols?: number;
  /** Pixels between cells and around the grid (default 1). */
  pad?: number;
  /** Integer nearest-neighbour upscaling of each image (default 1). */
  scale?: number;
  /** 8-bit value of the padding (default 255, white). */
  padValue?: number;
}

/** Map x ∈ [-1, 1] to a byte. */
export function toByte(x: number): number {
  if (!Number.isFinite(x)) return 0;
  const v = Math.round((Math.min(1, Math.max(-1, x)) + 1) * 127.5);
  return v;
}

/**
 * Encode n images (`images` is [n, h, w, c] row-major float32 in [-1, 1], c = 1 or 3) as one PNG grid.
 */
export function sampleGridPng(
  images: Float32Array,
  n: number,
  h: number,
  w: number,
  c: number,
  opts: SampleGridOptions = {},
): Uint8Array {
  const cols = opts.cols ?? Math.max(1, Math.ceil(Math.sqrt(n)));
  const pad = opts.pad ?? 1, scale = opts.scale ?? 1, padValue = opts.padValue ?? 255;
  const problems: string[] = [];
  const int = (name: string, v: number, lo: number) => {
    if (!(Number.isInteger(v) && v >= lo)) problems.push(badValue(name, v, `an integer >= ${lo}`));
  };
  int("n", n, 1);
  int("h", h, 1);
  int("w", w, 1);
  int("cols", cols, 1);
  int("pad", pad, 0);
  int("scale", scale, 1);
  if (c !== 1 && c !== 3) problems.push(badValue("c", c, "1 | 3"));
  if (!(Number.isInteger(padValue) && padValue >= 0 && padValue <= 255)) {
    problems.push(badValue("padValue", padValue, "an integer in [0, 255]"));
  }
  if (problems.length === 0 && images.length !== n * h * w * c) {
    problems.push(badValue("images.length", images.length, `n·h·w·c = ${n * h * w * c}`));
  }
  throwIfProblems("sampleGridPng", problems);
  const rows = Math.ceil(n / cols);
  const cw = w * scale, ch = h * scale;
  const W = cols * cw + (cols + 1) * pad, H = rows * ch + (rows + 1) * pad;
  const out = new Uint8Array(W * H * c).fill(padValue);
  for (let i = 0; i < n; i++) {
    const top = pad + Math.floor(i / cols) * (ch + pad), left = pad + (i % cols) * (cw + pad);
    for (let y = 0; y < ch; y++) {
      const sy = Math.floor(y / scale);
      for (let x = 0; x < cw; x++) {
        const sx = Math.floor(x / scale);
        const src = ((i * h + sy) * w + sx) * c, dst = ((top + y) * W + left + x) * c;
        for (let k = 0; k < c; k++) out[dst + k] = toByte(images[src + k]);
      }
    }
  }
  return encode({ width: W, height: H, data: out, channels: c, depth: 8 });
}
