/**
 * 2-D convolutions (NHWC activations, HWIO filters) and both gradients as OpenBLAS sgemm calls on plain
 * Float32Arrays: the fallback convolution path of the native backend when oneDNN is absent
 * (src/runtime/native/dnnl.ts), and the reference it is tested against.
 *
 * Three formulations, chosen from the geometry:
 * - pointwise (1×1, stride 1, no padding): the activations are already the GEMM operand, y = X·W,
 *   dW = Xᵀ·dY, dX = dY·Wᵀ, with no copy at all;
 * - stride 1 ("tap GEMMs"): x is copied once onto a zero-padded grid whose rows are W + max(left, right)
 *   pixels wide and whose images are H + max(top, bottom) rows apart (neighbouring rows and images share
 *   their zero borders). On that grid the input pixel of output r under filter tap (i, j) is simply row
 *   r + i·d_h·W_g + j·d_w, so each tap is one GEMM on a shifted view with leading dimension C (no im2col):
 *   Y_g += X_g[shift(i,j)]·W[i,j] and dW[i,j] = X_g[shift(i,j)]ᵀ·dY_g; the few grid rows that are not
 *   outputs are cropped (forward) or held at zero (dW). dX is the forward convolution of dY with the
 *   flipped, transposed filter and the complementary padding ((K − 1)·d − pad);
 * - any stride: im2col over a chunk of images, one GEMM, and col2im (scatter-add) for dX.
 * Measured on the U-Net's shapes (lab/native/bench_kernels.ts): tap GEMMs beat im2col + one GEMM because the
 * copies, not the flops, dominate at C = 16–64.
 *
 * Summation order is fixed by the geometry alone, so results are bit-reproducible at a fixed thread count.
 *
 * @module
 */
import type { OpenBlas } from "./openblas.ts";

/** Geometry of a 2-D convolution y[n,p,q,o] = Σ x[n, p·s_h + i·d_h − top, q·s_w + j·d_w − left, c]·W[i,j,c,o]. */
export interface ConvGeometry {
  n: number;
  h: number;
  w: number;
  c: number;
  co: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  dh: number;
  dw: number;
  top: number;
  left: number;
  bottom: number;
  right: number;
  oh: number;
  ow: number;
}

/** Largest scratch buffer (floats) one chunk may use; bigger problems are processed a few images at a time. */
let chunkFloats = 1 << 24;

/** Change the chunk size (tests exercise the multi-chunk paths with a small one); returns the previous. */
export function setConvChunkFloats(n: number): number {
  const prev = chunkFloats;
  chunkFloats = n;
  return prev;
}

const scratch = new Map<string, Float32Array>();

/** A reusable scratch array of at least `size` floats (contents undefined). */
function buffer(name: string, size: number): Float32Array {
  let b = scratch.get(name);
  if (!b || b.length < size) {
    b = new Float32Array(Math.max(size, Math.ceil((b?.length ?? 0) * 1.25)));
    scratch.set(name, b);
  }
  return b;
}

/** Free the scratch buffers (they are re-created on demand). */
export function releaseConvScratch(): void {
  scratch.clear();
}

/** Which formulation {@link convForward} and friends use for `g`. */
export function convAlgorithm(g: ConvGeometry): "pointwise" | "taps" | "im2col" {
  const noPad = g.top === 0 && g.left === 0 && g.bottom === 0 && g.right === 0;
  if (g.kh === 1 && g.kw === 1 && g.sh === 1 && g.sw === 1 && noPad) return "pointwise";
  if (g.sh === 1 && g.sw === 1) return "taps";
  return "im2col";
}

/** The geometry of dX as a forward convolution of dY (stride 1 only), or null when a padding is negative. */
export function backpropInputAsForward(g: ConvGeometry): ConvGeometry | null {
  const top = (g.kh - 1) * g.dh - g.top, bottom = (g.kh - 1) * g.dh - g.bottom;
  const left = (g.kw - 1) * g.dw - g.left, right = (g.kw - 1) * g.dw - g.right;
  if (g.sh !== 1 || g.sw !== 1 || Math.min(top, bottom, left, right) < 0) return null;
  return { ...g, h: g.oh, w: g.ow, c: g.co, co: g.c, top, left, bottom, right, oh: g.h, ow: g.w };
}

/** W'[i,j,o,c] = W[KH−1−i, KW−1−j, c, o]: the filter of dX as a forward convolution. */
export function flipTransposeFilter(
  w: Float32Array,
  kh: number,
  kw: number,
  c: number,
  co: number,
): Float32Array {
  const out = new Float32Array(w.length);
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const src = ((kh - 1 - i) * kw + (kw - 1 - j)) * c * co, dst = (i * kw + j) * co * c;
      for (let ci = 0; ci < c; ci++) {
        for (let o = 0; o < co; o++) out[dst + o * c + ci] = w[src + ci * co + o];
      }
    }
  }
  return out;
}

interface Grid {
  hg: number;
  wg: number;
  /** Output rows computed on the grid for `nb` images. */
  rows: (nb: number) => number;
  /** Floats of the padded input grid for `nb` images. */
  size: (nb: number) => number;
}

function gridOf(g: ConvGeometry): Grid {
  const hg = g.h + Math.max(g.top, g.bottom), wg = g.w + Math.max(g.left, g.right);
  return {
    hg,
    wg,
    rows: (nb) => ((nb - 1) * hg + g.oh - 1) * wg + g.ow,
    size: (nb) => (nb * hg + Math.min(g.top, g.bottom) + 1) * wg * g.c,
  };
}

/** Copy images [n0, n0 + nb) of x onto the zero-padded grid. */
function fillGrid(g: ConvGeometry, gr: Grid, x: Float32Array, n0: number, nb: number): Float32Array {
  const size = gr.size(nb), out = buffer("grid", size);
  out.fill(0, 0, size);
  const row = g.w * g.c;
  for (let n = 0; n < nb; n++) {
    for (let h = 0; h < g.h; h++) {
      const src = ((n0 + n) * g.h + h) * row;
      out.set(x.subarray(src, src + row), ((n * gr.hg + g.top + h) * gr.wg + g.left) * g.c);
    }
  }
  return out;
}

function imagesPerChunk(perImage: number, n: number): number {
  return Math.max(1, Math.min(n, Math.floor(chunkFloats / Math.max(1, perImage))));
}

/** y = conv(x, w) (y is overwritten). */
export function convForward(
  blas: OpenBlas,
  g: ConvGeometry,
  x: Float32Array,
  w: Float32Array,
  y: Float32Array,
) {
  const alg = convAlgorithm(g);
  if (alg === "pointwise") {
    blas.sgemm(false, false, g.n * g.h * g.w, g.co, g.c, 1, x, g.c, w, g.co, 0, y, g.co);
    return;
  }
  if (alg === "im2col") return im2colForward(blas, g, x, w, y);
  const gr = gridOf(g);
  const nb = imagesPerChunk(gr.size(1) + gr.hg * gr.wg * g.co, g.n);
  for (let n0 = 0; n0 < g.n; n0 += nb) {
    const m = Math.min(nb, g.n - n0);
    const xg = fillGrid(g, gr, x, n0, m);
    const rows = gr.rows(m), yg = buffer("out", rows * g.co);
    for (let i = 0; i < g.kh; i++) {
      for (let j = 0; j < g.kw; j++) {
        const shift = (i * g.dh * gr.wg + j * g.dw) * g.c, tap = (i * g.kw + j) * g.c * g.co;
        const beta = i === 0 && j === 0 ? 0 : 1;
        blas.sgemm(
          false,
          false,
          rows,
          g.co,
          g.c,
          1,
          xg.subarray(shift),
          g.c,
          w.subarray(tap),
          g.co,
          beta,
          yg,
          g.co,
        );
      }
    }
    const row = g.ow * g.co;
    for (let n = 0; n < m; n++) {
      for (let p = 0; p < g.oh; p++) {
        const src = (n * gr.hg + p) * gr.wg * g.co;
        y.set(yg.subarray(src, src + row), ((n0 + n) * g.oh + p) * row);
      }
    }
  }
}

/** dw = ∂/∂W of Σ y·dy (dw is overwritten). */
export function convBackpropFilter(
  blas: OpenBlas,
  g: ConvGeometry,
  x: Float32Array,
  dy: Float32Array,
  dw: Float32Array,
) {
  const alg = convAlgorithm(g);
  if (alg === "pointwise") {
    blas.sgemm(true, false, g.c, g.co, g.n * g.h * g.w, 1, x, g.c, dy, g.co, 0, dw, g.co);
    return;
  }
  if (alg === "im2col") return im2colBackpropFilter(blas, g, x, dy, dw);
  const gr = gridOf(g);
  const nb = imagesPerChunk(gr.size(1) + gr.hg * gr.wg * g.co, g.n);
  for (let n0 = 0; n0 < g.n; n0 += nb) {
    const m = Math.min(nb, g.n - n0);
    const xg = fillGrid(g, gr, x, n0, m);
    const rows = gr.rows(m), dyg = buffer("out", rows * g.co);
    dyg.fill(0, 0, rows * g.co);
    const row = g.ow * g.co;
    for (let n = 0; n < m; n++) {
      for (let p = 0; p < g.oh; p++) {
        const src = ((n0 + n) * g.oh + p) * row;
        dyg.set(dy.subarray(src, src + row), (n * gr.hg + p) * gr.wg * g.co);
      }
    }
    const beta = n0 === 0 ? 0 : 1;
    for (let i = 0; i < g.kh; i++) {
      for (let j = 0; j < g.kw; j++) {
        const shift = (i * g.dh * gr.wg + j * g.dw) * g.c, tap = (i * g.kw + j) * g.c * g.co;
        blas.sgemm(
          true,
          false,
          g.c,
          g.co,
          rows,
          1,
          xg.subarray(shift),
          g.c,
          dyg,
          g.co,
          beta,
          dw.subarray(tap),
          g.co,
        );
      }
    }
  }
}

/** dx = ∂/∂x of Σ y·dy (dx is overwritten). */
export function convBackpropInput(
  blas: OpenBlas,
  g: ConvGeometry,
  dy: Float32Array,
  w: Float32Array,
  dx: Float32Array,
) {
  const alg = convAlgorithm(g);
  if (alg === "pointwise") {
    blas.sgemm(false, true, g.n * g.h * g.w, g.c, g.co, 1, dy, g.co, w, g.co, 0, dx, g.c);
    return;
  }
  const fwd = backpropInputAsForward(g);
  if (fwd !== null) {
    return convForward(blas, fwd, dy, flipTransposeFilter(w, g.kh, g.kw, g.c, g.co), dx);
  }
  im2colBackpropInput(blas, g, dy, w, dx);
}

/** Visit the (column offset, input offset or −1 for padding) of every im2col entry block of C floats. */
function forEachPatch(g: ConvGeometry, n0: number, nb: number, visit: (col: number, src: number) => void) {
  const kk = g.kh * g.kw * g.c;
  let r = 0;
  for (let n = n0; n < n0 + nb; n++) {
    for (let p = 0; p < g.oh; p++) {
      for (let q = 0; q < g.ow; q++, r++) {
        for (let i = 0; i < g.kh; i++) {
          const h = p * g.sh + i * g.dh - g.top;
          for (let j = 0; j < g.kw; j++) {
            const wi = q * g.sw + j * g.dw - g.left;
            const inside = h >= 0 && h < g.h && wi >= 0 && wi < g.w;
            visit(r * kk + (i * g.kw + j) * g.c, inside ? ((n * g.h + h) * g.w + wi) * g.c : -1);
          }
        }
      }
    }
  }
}

function im2col(g: ConvGeometry, x: Float32Array, n0: number, nb: number): Float32Array {
  const rows = nb * g.oh * g.ow, kk = g.kh * g.kw * g.c, col = buffer("col", rows * kk);
  forEachPatch(g, n0, nb, (dst, src) => {
    if (src < 0) col.fill(0, dst, dst + g.c);
    else col.set(x.subarray(src, src + g.c), dst);
  });
  return col;
}

function im2colForward(blas: OpenBlas, g: ConvGeometry, x: Float32Array, w: Float32Array, y: Float32Array) {
  const kk = g.kh * g.kw * g.c, per = g.oh * g.ow;
  const nb = imagesPerChunk(per * kk, g.n);
  for (let n0 = 0; n0 < g.n; n0 += nb) {
    const m = Math.min(nb, g.n - n0);
    const col = im2col(g, x, n0, m);
    blas.sgemm(false, false, m * per, g.co, kk, 1, col, kk, w, g.co, 0, y.subarray(n0 * per * g.co), g.co);
  }
}

function im2colBackpropFilter(
  blas: OpenBlas,
  g: ConvGeometry,
  x: Float32Array,
  dy: Float32Array,
  dw: Float32Array,
) {
  const kk = g.kh * g.kw * g.c, per = g.oh * g.ow;
  const nb = imagesPerChunk(per * kk, g.n);
  for (let n0 = 0; n0 < g.n; n0 += nb) {
    const m = Math.min(nb, g.n - n0);
    const col = im2col(g, x, n0, m);
    blas.sgemm(
      true,
      false,
      kk,
      g.co,
      m * per,
      1,
      col,
      kk,
      dy.subarray(n0 * per * g.co),
      g.co,
      n0 === 0 ? 0 : 1,
      dw,
      g.co,
    );
  }
}

function im2colBackpropInput(
  blas: OpenBlas,
  g: ConvGeometry,
  dy: Float32Array,
  w: Float32Array,
  dx: Float32Array,
) {
  const kk = g.kh * g.kw * g.c, per = g.oh * g.ow;
  const nb = imagesPerChunk(per * kk, g.n);
  dx.fill(0);
  for (let n0 = 0; n0 < g.n; n0 += nb) {
    const m = Math.min(nb, g.n - n0);
    const col = buffer("col", m * per * kk);
    blas.sgemm(false, true, m * per, kk, g.co, 1, dy.subarray(n0 * per * g.co), g.co, w, g.co, 0, col, kk);
    forEachPatch(g, n0, m, (src, dst) => {
      if (dst < 0) return;
      for (let c = 0; c < g.c; c++) dx[dst + c] += col[src + c];
    });
  }
}
