/**
 * The native convolutions (OpenBLAS tap GEMMs / im2col, and oneDNN) against float64 brute force, element by
 * element within the float32 bound γ_{K+1}·Σ|terms| (see testing.ts), for the geometries the models use
 * and the awkward ones (stride 2 with cropping, asymmetric and explicit padding, dilation, one channel).
 */
import assert from "node:assert/strict";
import { rngFor } from "../rng.ts";
import {
  backpropInputAsForward,
  convAlgorithm,
  convBackpropFilter,
  convBackpropInput,
  convForward,
  setConvChunkFloats,
} from "./gemm_conv.ts";
import { dnnlLoadFailure, loadDnnl } from "./dnnl.ts";
import { loadOpenBlas } from "./openblas.ts";
import {
  boundRatio,
  geometry,
  nativeSkipReason,
  refBackpropFilter,
  refBackpropInput,
  refForward,
} from "./testing.ts";

const skip = nativeSkipReason();
if (skip) console.warn(`gemm_conv_test: ${skip}`);
const dnnlSkip = skip ?? (loadDnnl() ? null : `SKIPPED (oneDNN absent: ${dnnlLoadFailure()})`);
if (dnnlSkip && !skip) console.warn(`gemm_conv_test: oneDNN cases ${dnnlSkip}`);

type Case = [
  string,
  [number, number, number, number],
  [number, number, number, number],
  number | [number, number],
  "same" | "valid" | [[number, number], [number, number], [number, number], [number, number]],
  number?,
];
const CASES: Case[] = [
  ["U-Net 3x3 s1 same 28x28 C16->16", [2, 28, 28, 16], [3, 3, 16, 16], 1, "same"],
  ["U-Net 3x3 s1 same 7x7 C64->32", [3, 7, 7, 64], [3, 3, 64, 32], 1, "same"],
  ["U-Net input conv C1->16", [2, 8, 8, 1], [3, 3, 1, 16], 1, "same"],
  ["U-Net output conv C16->1", [2, 8, 8, 16], [3, 3, 16, 1], 1, "same"],
  ["1x1 skip C48->16", [2, 6, 6, 48], [1, 1, 48, 16], 1, "valid"],
  ["3x3 s1 valid", [2, 6, 5, 3], [3, 3, 3, 4], 1, "valid"],
  ["3x3 s2 same", [2, 8, 8, 3], [3, 3, 3, 5], 2, "same"],
  ["3x3 s2 valid (crop)", [1, 8, 9, 2], [3, 3, 2, 3], 2, "valid"],
  ["2x2 s2 valid", [2, 6, 6, 3], [2, 2, 3, 5], 2, "valid"],
  ["4x4 s1 same (asymmetric pad)", [1, 7, 6, 2], [4, 4, 2, 3], 1, "same"],
  ["5x5 explicit pad", [1, 7, 6, 2], [5, 5, 2, 3], 1, [[0, 0], [1, 2], [2, 1], [0, 0]]],
  ["3x3 s(1,2) same", [2, 5, 9, 2], [3, 3, 2, 2], [1, 2], "same"],
  ["3x3 dilation 2 same", [2, 9, 8, 3], [3, 3, 3, 2], 1, "same", 2],
];

function normal(n: number, part: number): Float32Array {
  return rngFor(3, "gemm-conv-test", part).normalArray(n);
}

const impls = [
  { name: "openblas", skip, blas: true, chunk: 1 << 24 },
  // One image per chunk: the chunked grid, im2col and accumulated-dW paths.
  { name: "openblas, chunked", skip, blas: true, chunk: 1 },
  { name: "onednn", skip: dnnlSkip, blas: false, chunk: 1 << 24 },
];

for (const impl of impls) {
  Deno.test({
    name: `native conv (${impl.name}): forward, dW and dX within the float32 bound of brute force`,
    ignore: impl.skip !== null,
    fn() {
      const blas = loadOpenBlas()!, dnnl = impl.blas ? null : loadDnnl()!;
      const prevChunk = setConvChunkFloats(impl.chunk);
      let part = 0;
      for (const [name, xs, ws, strides, pad, dil] of CASES) {
        const g = geometry(xs, ws, strides, pad as "same", dil ?? 1);
        const x = normal(g.n * g.h * g.w * g.c, part++), w = normal(g.kh * g.kw * g.c * g.co, part++);
        const dy = normal(g.n * g.oh * g.ow * g.co, part++);
        const y = new Float32Array(g.n * g.oh * g.ow * g.co).fill(NaN);
        const dw = new Float32Array(w.length).fill(NaN), dx = new Float32Array(x.length).fill(NaN);
        if (dnnl) {
          dnnl.convForward(g, x, w, null, y);
          dnnl.convBackpropFilter(g, x, dy, dw);
          dnnl.convBackpropInput(g, dy, w, dx);
        } else {
          convForward(blas, g, x, w, y);
          convBackpropFilter(blas, g, x, dy, dw);
          convBackpropInput(blas, g, dy, w, dx);
        }
        const label = `${name} (${convAlgorithm(g)})`;
        for (
          const [what, got, ref] of [
            ["y", y, refForward(g, x, w)],
            ["dW", dw, refBackpropFilter(g, x, dy)],
            ["dX", dx, refBackpropInput(g, dy, w)],
          ] as const
        ) {
          const r = boundRatio(got, ref);
          assert.ok(r <= 1, `${label} ${what}: error ${r.toFixed(3)}x the float32 bound`);
        }
      }
      setConvChunkFloats(prevChunk);
    },
  });
}

Deno.test({
  name: "oneDNN fused bias: y = conv(x, W) + b",
  ignore: dnnlSkip !== null,
  fn() {
    const dnnl = loadDnnl()!;
    const g = geometry([2, 6, 6, 4], [3, 3, 4, 8], 1, "same");
    const x = normal(2 * 36 * 4, 90), w = normal(9 * 4 * 8, 91), b = normal(8, 92);
    const y = new Float32Array(2 * 36 * 8);
    dnnl.convForward(g, x, w, b, y);
    const ref = refForward(g, x, w);
    for (let i = 0; i < ref.value.length; i++) ref.value[i] += b[i % 8];
    assert.ok(boundRatio(y, { ...ref, abs: ref.abs.map((a, i) => a + Math.abs(b[i % 8])) }) <= 1);
  },
});

Deno.test("dX as a forward convolution: geometry of the transposed problem", () => {
  const g = geometry([1, 7, 6, 2], [4, 4, 2, 3], 1, "same"); // pads top 1, bottom 2, left 1, right 2
  const f = backpropInputAsForward(g)!;
  assert.deepEqual([f.top, f.bottom, f.left, f.right], [2, 1, 2, 1]);
  assert.deepEqual([f.h, f.w, f.c, f.co, f.oh, f.ow], [g.oh, g.ow, g.co, g.c, g.h, g.w]);
  assert.equal(backpropInputAsForward(geometry([1, 8, 8, 1], [3, 3, 1, 1], 2, "same")), null);
});
