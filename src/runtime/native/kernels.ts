/**
 * The `native` backend's kernel layer: tfjs-backend-wasm with its GEMM and convolution kernels replaced by
 * native ones called through Deno FFI, on the wasm backend's own heap (zero copy: inputs and outputs are
 * Float32Array views of `wasm.HEAPU8.buffer` at each tensor's offset, re-taken on every call because an
 * allocation can grow the heap and detach older views).
 *
 * | kernel | native implementation |
 * |---|---|
 * | `BatchMatMul`, `_FusedMatMul` | OpenBLAS `cblas_sgemm` (transposes in the call; a broadcast right operand folds the batch into M; bias + activation in one pass after) |
 * | `Conv2D`, `FusedConv2D` | oneDNN forward convolution (bias fused), else OpenBLAS tap GEMMs / im2col (src/runtime/native/gemm_conv.ts) + sger for the bias |
 * | `Conv2DBackpropFilter` | oneDNN backward-weights (1×1: OpenBLAS, one GEMM), else OpenBLAS |
 * | `Conv2DBackpropInput` | oneDNN backward-data (1×1: OpenBLAS, one GEMM), else OpenBLAS |
 *
 * Cases outside these (non-float32, NCHW, PReLU activation, a bias that is not per-channel, general batch
 * broadcasting) go to the kernel that was registered before (antbench's wasm patch or the stock kernel).
 * Every kernel is checked against tfjs-cpu in kernels_test.ts. Registered by {@link installNativeKernels}
 * (called by initBackend("native")) and removed again by {@link uninstallNativeKernels} (initBackend("wasm")).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { backend_util, util } from "@tensorflow/tfjs-core";
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from "@tensorflow/tfjs-core";
import type { OpenBlas } from "./openblas.ts";
import type { Dnnl } from "./dnnl.ts";
import {
  convAlgorithm,
  convBackpropFilter,
  convBackpropInput,
  convForward,
  type ConvGeometry,
} from "./gemm_conv.ts";

/** The kernels {@link installNativeKernels} replaces on the wasm backend. */
export const NATIVE_KERNELS = [
  "BatchMatMul",
  "_FusedMatMul",
  "Conv2D",
  "FusedConv2D",
  "Conv2DBackpropFilter",
  "Conv2DBackpropInput",
] as const;

/** Which library runs the convolutions: "auto" (oneDNN when loaded, 1×1 gradients on OpenBLAS), oneDNN, or OpenBLAS. */
export type ConvEngine = "auto" | "onednn" | "openblas";

interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array | Int32Array | Uint8Array;
}

type Args = { inputs: Record<string, TensorInfo>; attrs: NamedAttrMap; backend: unknown };

interface State {
  blas: OpenBlas;
  dnnl: Dnnl | null;
  conv: ConvEngine;
  previous: Map<string, KernelConfig>;
}

let state: State | null = null;
const calls = new Map<string, number>();

/** How often each kernel ran natively (not through its fallback) in this thread; for tests. */
export function nativeCallCounts(): Record<string, number> {
  return Object.fromEntries(calls);
}

function count(name: string): void {
  calls.set(name, (calls.get(name) ?? 0) + 1);
}

/** Whether the native kernels are registered now. */
export function nativeKernelsInstalled(): boolean {
  return state !== null;
}

/** The convolution library in use (null when the native kernels are not installed). */
export function nativeConvLibrary(): "onednn" | "openblas" | null {
  if (!state) return null;
  return state.dnnl && state.conv !== "openblas" ? "onednn" : "openblas";
}

/** Switch the convolution library (tests, benchmarks); returns the previous setting. */
export function setConvEngine(conv: ConvEngine): ConvEngine {
  if (!state) throw new Error("setConvEngine: the native kernels are not installed");
  if (conv === "onednn" && !state.dnnl) throw new Error("setConvEngine: oneDNN is not loaded");
  const prev = state.conv;
  state.conv = conv;
  return prev;
}

function fallback(name: string, args: Args): TensorInfo | TensorInfo[] {
  const k = state?.previous.get(name) ?? tf.getKernel(name, "wasm");
  if (!k) throw new Error(`native: no fallback kernel for ${name}`);
  return k.kernelFunc(args as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
}

const heap = (b: WasmBackendLike, t: TensorInfo) => b.typedArrayFromHeap(t) as Float32Array;
const isF32 = (...ts: (TensorInfo | undefined)[]) =>
  ts.every((t) => t === undefined || t.dtype === "float32");
const isEmpty = (...ts: TensorInfo[]) => ts.some((t) => util.sizeFromShape(t.shape) === 0);

type Activation = "linear" | "relu" | "relu6" | "leakyrelu" | "sigmoid" | "elu";
const ACTIVATIONS = new Set(["linear", "relu", "relu6", "leakyrelu", "sigmoid", "elu"]);

/** Add a bias (per last-axis channel, or elementwise) and apply the activation, in place. */
function epilogue(y: Float32Array, n: number, bias: Float32Array | null, act: Activation, alpha: number) {
  const full = bias !== null && bias.length === y.length;
  for (let i = 0; i < y.length; i++) {
    let v = y[i];
    if (bias) v += full ? bias[i] : bias[i % n];
    if (act === "relu") v = v > 0 ? v : 0;
    else if (act === "relu6") v = v > 0 ? (v < 6 ? v : 6) : 0;
    else if (act === "leakyrelu") v = v < 0 ? alpha * v : v;
    else if (act === "sigmoid") v = 1 / (1 + Math.exp(-v));
    else if (act === "elu") v = v >= 0 ? v : Math.exp(v) - 1;
    y[i] = v;
  }
}

interface MatMulPlan {
  m: number;
  n: number;
  k: number;
  /** Batch sizes of a and b (one of them 1, or equal). */
  sa: number;
  sb: number;
  shape: number[];
}

/** Shapes of a batched matmul; null when the case is not handled natively (dtype, general broadcasting). */
function planMatMul(a: TensorInfo, b: TensorInfo, ta: boolean, tb: boolean): MatMulPlan | null {
  const ra = a.shape.length, rb = b.shape.length;
  if (ra < 2 || rb < 2 || !isF32(a, b)) return null;
  const m = ta ? a.shape[ra - 1] : a.shape[ra - 2], k = ta ? a.shape[ra - 2] : a.shape[ra - 1];
  const n = tb ? b.shape[rb - 2] : b.shape[rb - 1];
  const batchA = a.shape.slice(0, -2), batchB = b.shape.slice(0, -2);
  const sa = util.sizeFromShape(batchA), sb = util.sizeFromShape(batchB);
  let batch: number[];
  if (util.arraysEqual(batchA, batchB)) batch = batchA;
  else if (sb === 1 && batchB.length <= batchA.length) batch = batchA;
  else if (sa === 1 && batchA.length <= batchB.length) batch = batchB;
  else return null;
  return { m, n, k, sa, sb, shape: [...batch, m, n] };
}

/** Run a planned matmul on the heap into a new output. */
function runMatMul(
  b: WasmBackendLike,
  a: TensorInfo,
  bm: TensorInfo,
  ta: boolean,
  tb: boolean,
  p: MatMulPlan,
) {
  const { m, n, k, sa, sb } = p;
  const out = b.makeOutput(p.shape, "float32");
  count("MatMul");
  if (m * n === 0) return out;
  const av = heap(b, a), bv = heap(b, bm), cv = heap(b, out);
  if (k === 0) {
    cv.fill(0);
    return out;
  }
  const lda = ta ? m : k, ldb = tb ? k : n, batch = Math.max(sa, sb);
  if (sb === 1 && !ta) {
    // b is shared and a's rows are contiguous: the batch folds into one GEMM with batch·m rows.
    state!.blas.sgemm(false, tb, batch * m, n, k, 1, av, lda, bv, ldb, 0, cv, n);
    return out;
  }
  for (let i = 0; i < batch; i++) {
    const ao = sa === 1 ? 0 : i * m * k, bo = sb === 1 ? 0 : i * k * n;
    state!.blas.sgemm(
      ta,
      tb,
      m,
      n,
      k,
      1,
      av.subarray(ao),
      lda,
      bv.subarray(bo),
      ldb,
      0,
      cv.subarray(i * m * n),
      n,
    );
  }
  return out;
}

function batchMatMul(args: Args): TensorInfo | TensorInfo[] {
  const { a, b } = args.inputs;
  const ta = !!args.attrs.transposeA, tb = !!args.attrs.transposeB;
  const plan = planMatMul(a, b, ta, tb);
  if (!plan) return fallback("BatchMatMul", args);
  return runMatMul(args.backend as WasmBackendLike, a, b, ta, tb, plan);
}

function fusedMatMul(args: Args): TensorInfo | TensorInfo[] {
  const { a, b, bias, preluActivationWeights } = args.inputs;
  const ta = !!args.attrs.transposeA, tb = !!args.attrs.transposeB;
  const act = ((args.attrs.activation as string | undefined) ?? "linear") as Activation;
  const plan = planMatMul(a, b, ta, tb);
  const biasSize = bias ? util.sizeFromShape(bias.shape) : 0;
  const biasOk = !bias || (isF32(bias) &&
    (biasSize === plan?.n || (plan !== null && util.arraysEqual(bias.shape, plan.shape))));
  if (!plan || preluActivationWeights || !ACTIVATIONS.has(act) || !biasOk) {
    return fallback("_FusedMatMul", args);
  }
  const backend = args.backend as WasmBackendLike;
  const out = runMatMul(backend, a, b, ta, tb, plan);
  const alpha = (args.attrs.leakyreluAlpha as number | undefined) ?? 0.2;
  const yv = heap(backend, out), bv = bias ? heap(backend, bias) : null;
  if (bv && bv.length === plan.n) {
    state!.blas.addRowBias(yv, yv.length / plan.n, plan.n, bv);
    if (act !== "linear") epilogue(yv, plan.n, null, act, alpha);
  } else if (bv || act !== "linear") {
    epilogue(yv, plan.n, bv, act, alpha);
  }
  return out;
}

function geometryOf(info: backend_util.Conv2DInfo): ConvGeometry {
  return {
    n: info.batchSize,
    h: info.inHeight,
    w: info.inWidth,
    c: info.inChannels,
    co: info.outChannels,
    kh: info.filterHeight,
    kw: info.filterWidth,
    sh: info.strideHeight,
    sw: info.strideWidth,
    dh: info.dilationHeight,
    dw: info.dilationWidth,
    top: info.padInfo.top,
    left: info.padInfo.left,
    bottom: info.padInfo.bottom,
    right: info.padInfo.right,
    oh: info.outHeight,
    ow: info.outWidth,
  };
}

interface ConvAttrs {
  strides: number | [number, number];
  pad: "valid" | "same" | number | backend_util.ExplicitPadding;
  dataFormat?: string;
  dilations?: number | [number, number];
  dimRoundingMode?: "floor" | "round" | "ceil";
  filterShape?: [number, number, number, number];
  inputShape?: [number, number, number, number];
  activation?: string;
  leakyreluAlpha?: number;
}

function convInfo(xShape: number[], filterShape: number[], a: ConvAttrs): backend_util.Conv2DInfo | null {
  if (a.dataFormat !== undefined && a.dataFormat !== "NHWC" && a.dataFormat !== "channelsLast") return null;
  if (xShape.length !== 4 || filterShape.length !== 4) return null;
  return backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    a.strides,
    a.dilations ?? 1,
    a.pad,
    a.dimRoundingMode,
  );
}

/**
 * Whether oneDNN runs this convolution kernel: always with conv "onednn", never with "openblas"; with "auto"
 * everything except the gradients of pointwise (1×1, stride 1, unpadded) convolutions, which are single
 * zero-copy GEMMs on the activations that OpenBLAS ran 1.5–3× faster than oneDNN's reorders + kernel
 * (lab/native/bench_kernels.ts).
 */
function useDnnl(kind: "forward" | "backprop", g: ConvGeometry): boolean {
  const s = state!;
  if (s.dnnl === null || s.conv === "openblas") return false;
  if (s.conv === "onednn") return true;
  return !(kind === "backprop" && convAlgorithm(g) === "pointwise");
}

function conv2d(name: "Conv2D" | "FusedConv2D", args: Args): TensorInfo | TensorInfo[] {
  const { x, filter, bias, preluActivationWeights } = args.inputs;
  const a = args.attrs as unknown as ConvAttrs;
  const act = (a.activation ?? "linear") as Activation;
  const info = convInfo(x.shape, filter.shape, a);
  const co = filter.shape[3];
  if (
    !info || !isF32(x, filter, bias) || preluActivationWeights || !ACTIVATIONS.has(act) ||
    (bias && util.sizeFromShape(bias.shape) !== co) || isEmpty(x, filter)
  ) {
    return fallback(name, args);
  }
  const backend = args.backend as WasmBackendLike, g = geometryOf(info);
  const out = backend.makeOutput([g.n, g.oh, g.ow, g.co], "float32");
  const xv = heap(backend, x), wv = heap(backend, filter), yv = heap(backend, out);
  const bv = bias ? heap(backend, bias) : null;
  const dnnl = useDnnl("forward", g);
  count(`${name}:${dnnl ? "onednn" : "openblas"}`);
  if (dnnl) {
    state!.dnnl!.convForward(g, xv, wv, bv, yv);
    if (act !== "linear") epilogue(yv, co, null, act, a.leakyreluAlpha ?? 0.2);
  } else {
    convForward(state!.blas, g, xv, wv, yv);
    if (bv) state!.blas.addRowBias(yv, g.n * g.oh * g.ow, co, bv);
    if (act !== "linear") epilogue(yv, co, null, act, a.leakyreluAlpha ?? 0.2);
  }
  return out;
}

function backpropFilter(args: Args): TensorInfo | TensorInfo[] {
  const { x, dy } = args.inputs;
  const a = args.attrs as unknown as ConvAttrs;
  const info = convInfo(x.shape, a.filterShape ?? [], { ...a, dilations: 1 });
  if (!info || !isF32(x, dy) || isEmpty(x, dy)) return fallback("Conv2DBackpropFilter", args);
  const backend = args.backend as WasmBackendLike, g = geometryOf(info);
  const out = backend.makeOutput([g.kh, g.kw, g.c, g.co], "float32");
  const xv = heap(backend, x), dyv = heap(backend, dy), dwv = heap(backend, out);
  const dnnl = useDnnl("backprop", g);
  count(`Conv2DBackpropFilter:${dnnl ? "onednn" : "openblas"}`);
  if (dnnl) state!.dnnl!.convBackpropFilter(g, xv, dyv, dwv);
  else convBackpropFilter(state!.blas, g, xv, dyv, dwv);
  return out;
}

function backpropInput(args: Args): TensorInfo | TensorInfo[] {
  const { dy, filter } = args.inputs;
  const a = args.attrs as unknown as ConvAttrs;
  const info = convInfo(a.inputShape ?? [], filter.shape, { ...a, dilations: 1 });
  if (!info || !isF32(dy, filter) || isEmpty(dy, filter)) return fallback("Conv2DBackpropInput", args);
  const backend = args.backend as WasmBackendLike, g = geometryOf(info);
  const out = backend.makeOutput([g.n, g.h, g.w, g.c], "float32");
  const dyv = heap(backend, dy), wv = heap(backend, filter), dxv = heap(backend, out);
  const dnnl = useDnnl("backprop", g);
  count(`Conv2DBackpropInput:${dnnl ? "onednn" : "openblas"}`);
  if (dnnl) state!.dnnl!.convBackpropInput(g, dyv, wv, dxv);
  else convBackpropInput(state!.blas, g, dyv, wv, dxv);
  return out;
}

const KERNELS: Record<typeof NATIVE_KERNELS[number], (args: Args) => TensorInfo | TensorInfo[]> = {
  BatchMatMul: batchMatMul,
  _FusedMatMul: fusedMatMul,
  Conv2D: (args) => conv2d("Conv2D", args),
  FusedConv2D: (args) => conv2d("FusedConv2D", args),
  Conv2DBackpropFilter: backpropFilter,
  Conv2DBackpropInput: backpropInput,
};

/**
 * Register the native kernels on the "wasm" backend over whatever is registered now (call after
 * patchWasmKernels; idempotent). `dnnl` null: OpenBLAS runs the convolutions too. Returns the kernel names.
 */
export function installNativeKernels(blas: OpenBlas, dnnl: Dnnl | null, conv: ConvEngine = "auto"): string[] {
  if (state) {
    state.blas = blas;
    state.dnnl = dnnl;
    state.conv = conv;
    return [...NATIVE_KERNELS];
  }
  const previous = new Map<string, KernelConfig>();
  for (const name of NATIVE_KERNELS) {
    const k = tf.getKernel(name, "wasm");
    if (k) previous.set(name, k);
  }
  state = { blas, dnnl, conv, previous };
  for (const name of NATIVE_KERNELS) {
    if (previous.has(name)) tf.unregisterKernel(name, "wasm");
    tf.registerKernel({
      kernelName: name,
      backendName: "wasm",
      kernelFunc: KERNELS[name] as unknown as KernelFunc,
    });
  }
  return [...NATIVE_KERNELS];
}

/** Restore the kernels registered before {@link installNativeKernels} (no-op when not installed). */
export function uninstallNativeKernels(): void {
  if (!state) return;
  for (const name of NATIVE_KERNELS) {
    tf.unregisterKernel(name, "wasm");
    const prev = state.previous.get(name);
    if (prev) tf.registerKernel(prev);
  }
  state = null;
}
