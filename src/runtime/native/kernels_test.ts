/**
 * The native kernels against tfjs-cpu (plain JavaScript kernels) on the shapes of the MLP and the U-Net
 * (batch sizes included) and the awkward cases: stride 2, same/valid, 1×1/3×3, every transpose, batched
 * and broadcast matmuls, fused bias + activations.
 *
 * Bound (per element, justified in testing.ts): both sides are float32 sums of the same K products, so
 * |native − cpu| ≤ 2·γ_{K+1}·S + 4u·|cpu|, with S = Σ|terms|: the float64 brute force of testing.ts for
 * the convolutions, and the same kernel run on |inputs| on cpu for the matmuls (float32, so within a factor
 * 1 + γ of exact, folded in); 4u covers the rounding of a final activation on each side.
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../backend.ts";
import { rngFor } from "../rng.ts";
import { nativeCallCounts, nativeConvLibrary, nativeKernelsInstalled, setConvEngine } from "./kernels.ts";
import { loadDnnl } from "./dnnl.ts";
import {
  gamma,
  geometry,
  nativeSkipReason,
  refBackpropFilter,
  refBackpropInput,
  refForward,
  U32,
} from "./testing.ts";

const skip = nativeSkipReason();
if (skip) console.warn(`kernels_test: ${skip}`);
const engines: readonly ("onednn" | "openblas")[] = skip
  ? []
  : loadDnnl()
  ? ["onednn", "openblas"]
  : ["openblas"];

type Inputs = Record<string, tf.Tensor>;
type Run = (ins: Inputs) => tf.Tensor;
/** S from the input values (the float64 brute force of testing.ts), instead of a second cpu run. */
type AbsSum = (values: Record<string, Float32Array>) => Float64Array;

let part = 0;
function normal(shape: number[]): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(rngFor(5, "native-kernels-test", part++).normalArray(n), shape);
}

/**
 * Compare `run` on native (once per convolution engine in `convEngines`) and cpu; `runAbs` computes S
 * (defaults to `run` on |inputs|).
 */
async function check(
  label: string,
  make: () => Inputs,
  run: Run,
  terms: number,
  runAbs: Run | AbsSum = run,
  convEngines: readonly ("onednn" | "openblas")[] = ["openblas"],
) {
  await tf.setBackend("cpu");
  const insCpu = make();
  const ref = run(insCpu).dataSync() as Float32Array;
  const values = Object.fromEntries(
    Object.entries(insCpu).map(([k, v]) => [k, [v.dataSync().slice(), v.shape]]),
  );
  let s: Float32Array | Float64Array;
  if (isAbsSum(runAbs)) {
    s = runAbs(Object.fromEntries(Object.entries(values).map(([k, [v]]) => [k, v as Float32Array])));
  } else {
    const absIns: Inputs = {};
    for (const [k, v] of Object.entries(insCpu)) absIns[k] = tf.abs(v);
    s = (runAbs as Run)(absIns).dataSync() as Float32Array;
    tf.dispose(Object.values(absIns));
  }
  tf.dispose(Object.values(insCpu));
  await tf.setBackend("wasm"); // the native kernels are registered on the wasm backend
  for (const engine of convEngines) {
    const prev = setConvEngine(engine);
    const ins: Inputs = {};
    for (const [k, [v, shape]] of Object.entries(values)) {
      ins[k] = tf.tensor(v as Float32Array, shape as number[]);
    }
    const out = run(ins);
    const got = out.dataSync() as Float32Array;
    tf.dispose([out, ...Object.values(ins)]);
    setConvEngine(prev);
    assert.equal(got.length, ref.length, `${label}: size`);
    const g2 = 2 * gamma(terms + 1) * (1 + gamma(terms + 1));
    for (let i = 0; i < ref.length; i++) {
      const bound = g2 * s[i] + 4 * U32 * Math.abs(ref[i]) + 1e-30;
      if (!(Math.abs(got[i] - ref[i]) <= bound)) {
        assert.fail(
          `${label} (${engine}): element ${i}: native ${got[i]} vs cpu ${ref[i]}, bound ${
            bound.toExponential(2)
          }`,
        );
      }
    }
  }
}

const absSums = new WeakSet<object>();
const absSum = (f: AbsSum): AbsSum => (absSums.add(f), f);
const isAbsSum = (f: unknown): f is AbsSum => typeof f === "function" && absSums.has(f);

const kernel = (name: string, attrs: Record<string, unknown>): Run => (ins) =>
  tf.engine().runKernel(name, ins as unknown as tf.NamedTensorMap, attrs as tf.NamedAttrMap) as tf.Tensor;

type Pad = "same" | "valid";
type Shape4 = [number, number, number, number];
// [label, x shape, filter shape, stride, pad]: the U-Net's convolutions (its batch of 64 at 7×7,
// smaller batches at 28×28 to keep the tfjs-cpu reference quick), its 1×1 skips and the input/output convs,
// plus stride 2 and valid padding.
const CONVS: [string, number[], number[], number, Pad][] = [
  ["U-Net 28x28 C32->32", [2, 28, 28, 32], [3, 3, 32, 32], 1, "same"],
  ["U-Net 28x28 C48->16", [2, 28, 28, 48], [3, 3, 48, 16], 1, "same"],
  ["U-Net 14x14 C64->32", [4, 14, 14, 64], [3, 3, 64, 32], 1, "same"],
  ["U-Net 7x7 C32->32 b64", [64, 7, 7, 32], [3, 3, 32, 32], 1, "same"],
  ["U-Net in conv C1->16", [8, 28, 28, 1], [3, 3, 1, 16], 1, "same"],
  ["U-Net out conv C16->1", [4, 28, 28, 16], [3, 3, 16, 1], 1, "same"],
  ["U-Net 1x1 skip C48->16", [4, 28, 28, 48], [1, 1, 48, 16], 1, "valid"],
  ["3x3 stride 2 same", [4, 14, 14, 16], [3, 3, 16, 32], 2, "same"],
  ["3x3 stride 2 valid", [4, 15, 13, 8], [3, 3, 8, 8], 2, "valid"],
  ["3x3 stride 1 valid", [4, 9, 9, 8], [3, 3, 8, 4], 1, "valid"],
  ["1x1 stride 2", [4, 8, 8, 8], [1, 1, 8, 4], 2, "valid"],
];

Deno.test({
  name: `native: Conv2D, FusedConv2D and both gradients match tfjs-cpu on the model shapes (${
    engines.join(", ")
  })`,
  ignore: skip !== null,
  fn: async () => {
    await initBackend("native");
    assert.ok(nativeKernelsInstalled());
    const before = nativeCallCounts();
    for (const [label, xs, ws, stride, pad] of CONVS) {
      const [n, h, w, c] = xs, [kh, kw, , co] = ws;
      const conv = { strides: stride, pad, dataFormat: "NHWC", dilations: 1 };
      const g = geometry(xs as Shape4, ws as Shape4, stride, pad);
      const abs = (a: Float32Array) => a.map(Math.abs);
      await check(
        `${label} Conv2D`,
        () => ({ x: normal(xs), filter: normal(ws) }),
        kernel("Conv2D", conv),
        kh * kw * c,
        absSum((v) => refForward(g, abs(v.x), abs(v.filter)).value),
        engines,
      );
      const { oh, ow } = g;
      await check(
        `${label} Conv2DBackpropFilter`,
        () => ({ x: normal(xs), dy: normal([n, oh, ow, co]) }),
        kernel("Conv2DBackpropFilter", { ...conv, filterShape: ws }),
        n * oh * ow,
        absSum((v) => refBackpropFilter(g, abs(v.x), abs(v.dy)).value),
        engines,
      );
      await check(
        `${label} Conv2DBackpropInput`,
        () => ({ dy: normal([n, oh, ow, co]), filter: normal(ws) }),
        kernel("Conv2DBackpropInput", { ...conv, inputShape: [n, h, w, c] }),
        kh * kw * co,
        absSum((v) => refBackpropInput(g, abs(v.dy), abs(v.filter)).value),
        engines,
      );
    }
    for (const activation of ["linear", "relu", "sigmoid", "elu"]) {
      const xs = [8, 14, 14, 32], ws = [3, 3, 32, 16];
      const attrs = { strides: 1, pad: "same", dataFormat: "NHWC", dilations: 1 };
      await check(
        `FusedConv2D bias + ${activation}`,
        () => ({ x: normal(xs), filter: normal(ws), bias: normal([16]) }),
        kernel("FusedConv2D", { ...attrs, activation }),
        9 * 32 + 1,
        kernel("FusedConv2D", { ...attrs, activation: "linear" }),
        engines,
      );
    }
    const after = nativeCallCounts();
    for (const lib of engines) {
      for (const k of ["Conv2D", "FusedConv2D", "Conv2DBackpropFilter", "Conv2DBackpropInput"]) {
        assert.ok((after[`${k}:${lib}`] ?? 0) > (before[`${k}:${lib}`] ?? 0), `${k} never ran on ${lib}`);
      }
    }
  },
});

// [label, a shape, b shape, transposeA, transposeB]: the MLP (batch 256, widths 2/32 → 128 → 128 → 2) and
// its gradients (Aᵀ·dY, dY·Bᵀ), the U-Net's attention (batch·heads 64, 7×7 = 49 tokens, 32 channels) and
// time embedding, and broadcast / batched forms.
const MATMULS: [string, number[], number[], boolean, boolean][] = [
  ["MLP x·Wx", [256, 2], [2, 128], false, false],
  ["MLP emb·Wt", [256, 32], [32, 128], false, false],
  ["MLP hidden", [256, 128], [128, 128], false, false],
  ["MLP out", [256, 128], [128, 2], false, false],
  ["MLP dW = hᵀ·dy", [256, 128], [256, 128], true, false],
  ["MLP dx = dy·Wᵀ", [256, 2], [128, 2], false, true],
  ["MLP both transposed", [128, 256], [2, 128], true, true],
  ["attention q·kᵀ", [64, 49, 32], [64, 49, 32], false, true],
  ["attention p·v", [64, 49, 49], [64, 49, 32], false, false],
  ["attention dq", [64, 49, 49], [64, 49, 32], true, false],
  ["time embedding", [64, 16], [16, 64], false, false],
  ["broadcast right operand", [3, 5, 7], [1, 7, 4], false, false],
  ["broadcast left operand", [1, 5, 7], [3, 7, 4], false, false],
  ["broadcast right, transposeA", [3, 7, 5], [7, 4], true, false],
];

Deno.test({
  name:
    "native: BatchMatMul and _FusedMatMul match tfjs-cpu on the MLP and attention shapes, every transpose",
  ignore: skip !== null,
  fn: async () => {
    await initBackend("native");
    const before = nativeCallCounts().MatMul ?? 0;
    for (const [label, as, bs, ta, tb] of MATMULS) {
      const k = ta ? as[as.length - 2] : as[as.length - 1];
      await check(
        label,
        () => ({ a: normal(as), b: normal(bs) }),
        kernel("BatchMatMul", { transposeA: ta, transposeB: tb }),
        k,
      );
    }
    for (const activation of ["linear", "relu", "relu6", "leakyrelu", "sigmoid", "elu"]) {
      const attrs = { transposeA: false, transposeB: true, activation, leakyreluAlpha: 0.1 };
      await check(
        `_FusedMatMul bias + ${activation}`,
        () => ({ a: normal([1, 64, 48]), b: normal([1, 32, 48]), bias: normal([32]) }),
        kernel("_FusedMatMul", attrs),
        49,
        kernel("_FusedMatMul", { ...attrs, activation: "linear" }),
      );
    }
    assert.ok((nativeCallCounts().MatMul ?? 0) >= before + MATMULS.length + 6, "a matmul fell back to wasm");
  },
});

Deno.test({
  name: "native: gradients through the registered kernels match cpu (conv net and MLP, autodiff)",
  ignore: skip !== null,
  fn: async () => {
    const f = (x: tf.Tensor4D, w1: tf.Tensor4D, w2: tf.Tensor4D, b: tf.Tensor1D, m: tf.Tensor2D) => {
      const h = tf.fused.conv2d({ x, filter: w1, strides: 1, pad: "same", bias: b, activation: "relu" });
      const g = tf.conv2d(h, w2, 2, "same");
      return tf.sum(tf.matMul(tf.reshape(g, [x.shape[0], -1]), m));
    };
    const shapes = [[4, 8, 8, 3], [3, 3, 3, 8], [3, 3, 8, 4], [8], [64, 5]];
    const vals = shapes.map((s, i) => rngFor(9, "native-grad", i).normalArray(s.reduce((a, b) => a * b, 1)));
    const grads = async (backend: string) => {
      await tf.setBackend(backend);
      return tf.tidy(() => {
        const ts = shapes.map((s, i) => tf.tensor(vals[i], s));
        return tf.grads(f as unknown as (...a: tf.Tensor[]) => tf.Tensor)(ts).map((g) =>
          g.dataSync() as Float32Array
        );
      });
    };
    await initBackend("native");
    const ref = await grads("cpu"), got = await grads("wasm");
    ref.forEach((r, i) => {
      const scale = Math.max(1, ...r.map(Math.abs));
      const err = Math.max(...r.map((v, j) => Math.abs(v - got[i][j])));
      assert.ok(err <= 1e-5 * scale, `gradient ${i}: max error ${err} vs scale ${scale}`);
    });
  },
});

Deno.test({
  name: "initBackend: native installs the kernels over wasm; wasm removes them again",
  ignore: skip !== null,
  fn: async () => {
    const info = await initBackend("native");
    assert.equal(info.name, "native");
    assert.equal(tf.getBackend(), "wasm");
    assert.ok(info.native !== null && info.native.threads === 1);
    assert.equal(info.native!.conv, nativeConvLibrary());
    assert.ok(info.patchedKernels.includes("BatchMatMul") && info.patchedKernels.includes("Conv2D"));
    const wasm = await initBackend("wasm");
    assert.equal(wasm.native, null);
    assert.equal(nativeKernelsInstalled(), false);
    const before = nativeCallCounts().MatMul ?? 0;
    tf.tidy(() => tf.matMul(tf.ones([4, 4]), tf.ones([4, 4])).dataSync());
    assert.equal(nativeCallCounts().MatMul ?? 0, before, "pure wasm ran a native kernel");
  },
});
