/**
 * Deterministic image resampling for the `folder` dataset: an optional centred square crop, then an
 * area ("box", pixel-coverage) filter, separable, in float64.
 *
 * Area filter: output pixel j of a row of length m resampled from length n covers the source interval
 * [j·n/m, (j+1)·n/m); its value is the mean of the source pixels weighted by how much of each pixel lies
 * in that interval. For an integer factor (e.g. 1024 → 256) this is the plain mean of each 4×4 block (the
 * same as PIL's BOX filter and OpenCV's INTER_AREA); when enlarging, it is nearest-neighbour with a
 * coverage-weighted blend where an output pixel straddles two source pixels. Rows are resampled first,
 * then columns; the result is rounded to 8 bits (round half up) once at the end.
 *
 * @module
 */

/** Coverage weights of a 1-D area resample from n to m samples: for each output, (source index, weight). */
export function areaWeights(
  n: number,
  m: number,
): { index: Int32Array; weight: Float64Array; start: Int32Array } {
  const s = n / m;
  const index: number[] = [];
  const weight: number[] = [];
  const start = new Int32Array(m + 1);
  for (let j = 0; j < m; j++) {
    start[j] = index.length;
    const a = j * s, b = (j + 1) * s;
    for (let i = Math.floor(a); i < Math.min(n, Math.ceil(b)); i++) {
      const w = Math.min(b, i + 1) - Math.max(a, i);
      if (w > 1e-12) {
        index.push(i);
        weight.push(w / s);
      }
    }
  }
  start[m] = index.length;
  return { index: Int32Array.from(index), weight: Float64Array.from(weight), start };
}

/** The centred square crop window of an h×w image: [y0, x0, side]. */
export function centerSquare(h: number, w: number): [number, number, number] {
  const side = Math.min(h, w);
  return [Math.floor((h - side) / 2), Math.floor((w - side) / 2), side];
}

/**
 * Resample an h×w×c 8-bit image (window [y0, y0+ch) × [x0, x0+cw)) to outH×outW×c with the area filter;
 * returns 8-bit values.
 */
export function areaResize(
  src: Uint8Array,
  h: number,
  w: number,
  c: number,
  outH: number,
  outW: number,
  window: { y0: number; x0: number; height: number; width: number } = { y0: 0, x0: 0, height: h, width: w },
): Uint8Array {
  const { y0, x0, height: ch, width: cw } = window;
  if (y0 < 0 || x0 < 0 || y0 + ch > h || x0 + cw > w) {
    throw new RangeError("areaResize: window outside the image");
  }
  const wx = areaWeights(cw, outW);
  const wy = areaWeights(ch, outH);
  // Horizontal pass: ch rows × outW × c.
  const tmp = new Float64Array(ch * outW * c);
  for (let y = 0; y < ch; y++) {
    const row = ((y0 + y) * w + x0) * c;
    for (let j = 0; j < outW; j++) {
      for (let k = 0; k < c; k++) {
        let acc = 0;
        for (let p = wx.start[j]; p < wx.start[j + 1]; p++) {
          acc += wx.weight[p] * src[row + wx.index[p] * c + k];
        }
        tmp[(y * outW + j) * c + k] = acc;
      }
    }
  }
  // Vertical pass.
  const out = new Uint8Array(outH * outW * c);
  for (let i = 0; i < outH; i++) {
    for (let j = 0; j < outW * c; j++) {
      let acc = 0;
      for (let p = wy.start[i]; p < wy.start[i + 1]; p++) {
        acc += wy.weight[p] * tmp[wy.index[p] * outW * c + j];
      }
      out[i * outW * c + j] = Math.min(255, Math.max(0, Math.floor(acc + 0.5 + 1e-9)));
    }
  }
  return out;
}
