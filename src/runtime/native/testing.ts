/**
 * Test helpers of the native kernels (test-only): float64 brute-force convolutions that also return, per
 * output element, the sum of the absolute values of its terms, from which the float32 error bound follows.
 *
 * Error bound: a float32 sum of K products, in any order, differs from the exact value by at most
 * γ_{K+1}·Σ|aᵢbᵢ| with γ_m = m·u/(1 − m·u), u = 2⁻²⁴ (Higham, "Accuracy and Stability of Numerical
 * Algorithms", 2nd ed., §3.1, eq. 3.5). Two float32 implementations therefore differ by at most twice that.
 *
 * @module
 */
import { backend_util } from "@tensorflow/tfjs-core";
import type { ConvGeometry } from "./gemm_conv.ts";
import { loadOpenBlas, openblasLoadFailure } from "./openblas.ts";

/** Unit round-off of float32. */
export const U32 = 2 ** -24;

/** γ_m of Higham's bound. */
export function gamma(m: number): number {
  return (m * U32) / (1 - m * U32);
}

/** The conv geometry tfjs computes for these arguments. */
export function geometry(
  xShape: [number, number, number, number],
  filterShape: [number, number, number, number],
  strides: number | [number, number],
  pad: "same" | "valid" | number | backend_util.ExplicitPadding,
  dilations: number | [number, number] = 1,
): ConvGeometry {
  const i = backend_util.computeConv2DInfo(xShape, filterShape, strides, dilations, pad);
  return {
    n: i.batchSize,
    h: i.inHeight,
    w: i.inWidth,
    c: i.inChannels,
    co: i.outChannels,
    kh: i.filterHeight,
    kw: i.filterWidth,
    sh: i.strideHeight,
    sw: i.strideWidth,
    dh: i.dilationHeight,
    dw: i.dilationWidth,
    top: i.padInfo.top,
    left: i.padInfo.left,
    bottom: i.padInfo.bottom,
    right: i.padInfo.right,
    oh: i.outHeight,
    ow: i.outWidth,
  };
}

/** Exact (float64) value and Σ|term| of every output element, and the number of terms K of each. */
export interface Reference {
  value: Float64Array;
  abs: Float64Array;
  terms: number;
}

function visit(g: ConvGeometry, f: (xi: number, wi: number, yi: number) => void): void {
  for (let n = 0; n < g.n; n++) {
    for (let p = 0; p < g.oh; p++) {
      for (let q = 0; q < g.ow; q++) {
        for (let i = 0; i < g.kh; i++) {
          const h = p * g.sh + i * g.dh - g.top;
          if (h < 0 || h >= g.h) continue;
          for (let j = 0; j < g.kw; j++) {
            const w = q * g.sw + j * g.dw - g.left;
            if (w < 0 || w >= g.w) continue;
            for (let c = 0; c < g.c; c++) {
              for (let o = 0; o < g.co; o++) {
                f(
                  ((n * g.h + h) * g.w + w) * g.c + c,
                  ((i * g.kw + j) * g.c + c) * g.co + o,
                  ((n * g.oh + p) * g.ow + q) * g.co + o,
                );
              }
            }
          }
        }
      }
    }
  }
}

/** Brute-force forward convolution. */
export function refForward(g: ConvGeometry, x: Float32Array, w: Float32Array): Reference {
  const size = g.n * g.oh * g.ow * g.co, value = new Float64Array(size), abs = new Float64Array(size);
  visit(g, (xi, wi, yi) => {
    const t = x[xi] * w[wi];
    value[yi] += t;
    abs[yi] += Math.abs(t);
  });
  return { value, abs, terms: g.kh * g.kw * g.c };
}

/** Brute-force filter gradient of Σ y·dy. */
export function refBackpropFilter(g: ConvGeometry, x: Float32Array, dy: Float32Array): Reference {
  const size = g.kh * g.kw * g.c * g.co, value = new Float64Array(size), abs = new Float64Array(size);
  visit(g, (xi, wi, yi) => {
    const t = x[xi] * dy[yi];
    value[wi] += t;
    abs[wi] += Math.abs(t);
  });
  return { value, abs, terms: g.n * g.oh * g.ow };
}

/** Brute-force input gradient of Σ y·dy. */
export function refBackpropInput(g: ConvGeometry, dy: Float32Array, w: Float32Array): Reference {
  const size = g.n * g.h * g.w * g.c, value = new Float64Array(size), abs = new Float64Array(size);
  visit(g, (xi, wi, yi) => {
    const t = dy[yi] * w[wi];
    value[xi] += t;
    abs[xi] += Math.abs(t);
  });
  return { value, abs, terms: g.kh * g.kw * g.co };
}

/**
 * The largest violation ratio max_e |got_e − ref_e| / (γ_{K+1}·Σ|terms|_e + tiny): ≤ 1 means every element
 * is within the float32 bound (a NaN counts as Infinity).
 */
export function boundRatio(got: Float32Array, ref: Reference): number {
  const gm = gamma(ref.terms + 1);
  let worst = 0;
  for (let i = 0; i < ref.value.length; i++) {
    const r = Math.abs(got[i] - ref.value[i]) / (gm * ref.abs[i] + 1e-30);
    if (!(r <= worst)) worst = Number.isNaN(r) ? Infinity : r; // NaN (an unwritten output) fails
  }
  return worst;
}

/** Null when OpenBLAS loads; otherwise the line a skipped native test prints. */
export function nativeSkipReason(): string | null {
  if (loadOpenBlas()) return null;
  return `SKIPPED (native library absent: ${openblasLoadFailure()}; scripts/setup.sh installs libopenblas0-pthread)`;
}
