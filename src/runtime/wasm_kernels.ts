/**
 * Kernel patches for the tfjs 4.22 wasm backend, so diffusion models train on wasm at XNNPACK speed.
 *
 * Stock tfjs-backend-wasm lacks some gradient kernels (tfjs never falls back to another backend for a
 * missing kernel: it throws `Kernel '...' not registered for backend 'wasm'`) and runs others through slow
 * scalar loops. Each patch below is rewritten in terms of existing wasm kernels (mostly the XNNPACK
 * `Conv2D`, `Transpose` and the non-transposed `BatchMatMul`) or, where no fast formulation exists, as a
 * plain loop over the wasm heap. Every patch is checked against the tfjs cpu backend in
 * `wasm_kernels_test.ts` (forward values and gradients; relative error ≤ 1e-4 of the output's scale).
 *
 * | kernel | stock wasm | patch |
 * |---|---|---|
 * | `Conv2DBackpropFilter`, stride 1 | missing | one NN matmul per filter tap on the padded, flattened image |
 * | `Conv2DBackpropFilter`, stride s | missing | Transpose(x) ⊛ Transpose(dy) with dilation = s, then Transpose |
 * | `Conv2DBackpropInput`, stride 1 | scalar C++ loop | Conv2D of dy with the flipped, transposed filter |
 * | `Conv2DBackpropInput`, stride s > 1 | scalar C++ loop | zero-insert dy (Pad on a 6-D view), then as above |
 * | `BatchMatMul` / `_FusedMatMul` with transposeA/B | ~7× slower than NN | explicit Transpose, then NN |
 * | `BatchMatMul` with batch > 1 | generic loop, ~1 GFLOP/s | one 2-D XNNPACK call per batch item |
 * | `DepthwiseConv2dNativeBackpropInput/Filter` | missing | direct loops on the heap |
 * | `UnsortedSegmentSum` (gradient of `gather`) | missing | direct loop on the heap |
 * | `ResizeNearestNeighborGrad` | ignores halfPixelCenters | adjoint of the forward gather (also on cpu) |
 * | `Slice` / `SplitV` (gradient of `concat`) | one `subarray().set` per row | element loop for short rows |
 * | `Identity` (every tensor the tape saves) | copies the buffer | shares it (reference count, as `Reshape`) |
 *
 * Numbers and the original measurements: /work/shared/research/tfjs-deno-perf.md §3.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { backend_util, slice_util, util } from "@tensorflow/tfjs-core";
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from "@tensorflow/tfjs-core";

/** The parts of tfjs-backend-wasm's BackendWasm the patches use. */
interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
  incRef(dataId: object): void;
  disposeData(dataId: object, force?: boolean): boolean;
  typedArrayFromHeap(info: TensorInfo): Float32Array | Int32Array | Uint8Array;
}

type Inputs = Record<string, TensorInfo>;

/** Names of the kernels {@link patchWasmKernels} (re)registers, in registration order. */
export const WASM_PATCHED_KERNELS: readonly string[] = [
  "Conv2DBackpropFilter",
  "Conv2DBackpropInput",
  "BatchMatMul",
  "_FusedMatMul",
  "DepthwiseConv2dNativeBackpropInput",
  "DepthwiseConv2dNativeBackpropFilter",
  "UnsortedSegmentSum",
  "ResizeNearestNeighborGrad",
  "Slice",
  "SplitV",
  "Identity",
];

let stock: Map<string, KernelConfig> | null = null;

/** Whether {@link patchWasmKernels} has run in this process. */
export function wasmKernelsPatched(): boolean {
  return stock !== null;
}

function stockKernel(name: string): KernelFunc {
  const k = stock?.get(name) ?? tf.getKernel(name, "wasm");
  if (!k) throw new Error(`wasm kernel ${name} is not registered`);
  return k.kernelFunc;
}

/** Run a wasm kernel (the stock one when it was patched) on TensorInfos. */
function run(name: string, backend: WasmBackendLike, inputs: Inputs, attrs: NamedAttrMap = {}): TensorInfo {
  return stockKernel(name)({ inputs, attrs, backend: backend as unknown as tf.KernelBackend }) as TensorInfo;
}

function release(backend: WasmBackendLike, ...infos: TensorInfo[]): void {
  for (const i of infos) backend.disposeData(i.dataId);
}

function transpose(backend: WasmBackendLike, x: TensorInfo, perm: number[]): TensorInfo {
  return run("Transpose", backend, { x }, { perm });
}

type Pad4 = [[number, number], [number, number], [number, number], [number, number]];

function conv2d(
  backend: WasmBackendLike,
  x: TensorInfo,
  filter: TensorInfo,
  strides: [number, number],
  dilations: [number, number],
  pad: Pad4,
): TensorInfo {
  return run("Conv2D", backend, { x, filter }, {
    strides,
    dilations,
    pad: pad as unknown as NamedAttrMap[string],
    dataFormat: "NHWC",
    dimRoundingMode: undefined as unknown as string,
  });
}

function channelsLast(dataFormat: unknown, kernel: string): void {
  if (dataFormat !== undefined && dataFormat !== "NHWC" && dataFormat !== "channelsLast") {
    throw new Error(`${kernel} on wasm supports dataFormat NHWC only; got ${String(dataFormat)}`);
  }
}

/**
 * dW of a 2-D convolution (NHWC, dilation 1).
 *
 * dW[i,j,c,o] = Σ_{n,p,q} x[n, p·s_h + i − top, q·s_w + j − left, c] · dy[n,p,q,o]. Reading c as the batch
 * axis, (p, q) as the filter taps and n as the input channel, this is a convolution of xᵀ = x[c,h,w,n]
 * with dyᵀ = dy[p,q,n,o], stride 1 and dilation (s_h, s_w), padded so that the output is KH×KW.
 */
function conv2DBackpropFilter(args: { inputs: Inputs; attrs: NamedAttrMap; backend: unknown }): TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { x, dy } = args.inputs;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = args.attrs as unknown as {
    strides: number | [number, number];
    pad: "valid" | "same" | number | backend_util.ExplicitPadding;
    dataFormat: string;
    dimRoundingMode?: "floor" | "round" | "ceil";
    filterShape: [number, number, number, number];
  };
  channelsLast(dataFormat, "Conv2DBackpropFilter");
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw } = info;
  const top = info.padInfo.top, left = info.padInfo.left;
  if (sh === 1 && sw === 1) return conv2DBackpropFilterTaps(backend, x, dy, info);
  let bottom = kh + (info.outHeight - 1) * sh - info.inHeight - top;
  let right = kw + (info.outWidth - 1) * sw - info.inWidth - left;
  const temps: TensorInfo[] = [];
  let xs = x;
  if (bottom < 0 || right < 0) {
    // Rows/columns past the last window never contribute: crop them instead of using negative padding.
    const size = [
      x.shape[0],
      info.inHeight + Math.min(bottom, 0),
      info.inWidth + Math.min(right, 0),
      x.shape[3],
    ];
    xs = sliceKernel({ inputs: { x }, attrs: { begin: [0, 0, 0, 0], size }, backend });
    temps.push(xs);
    bottom = Math.max(bottom, 0);
    right = Math.max(right, 0);
  }
  const xt = transpose(backend, xs, [3, 1, 2, 0]);
  const dyt = transpose(backend, dy, [1, 2, 0, 3]);
  const r = conv2d(backend, xt, dyt, [1, 1], [sh, sw], [[0, 0], [top, bottom], [left, right], [0, 0]]);
  const out = transpose(backend, r, [1, 2, 0, 3]);
  release(backend, ...temps, xt, dyt, r);
  return out;
}

/** Tunables of the patched kernels (for benchmarks and tests). */
export interface WasmKernelOptions {
  /** Largest transposed-im2col buffer (floats) the stride-1 dW builds; larger problems loop over taps. */
  im2colMaxFloats: number;
}

// Default 0 (always per tap): measured 5–10% faster than the single im2col matmul at U-Net shapes.
const kernelOptions: WasmKernelOptions = { im2colMaxFloats: 0 };

/** Change tunables of the patched kernels; returns the previous values. */
export function setWasmKernelOptions(o: Partial<WasmKernelOptions>): WasmKernelOptions {
  const prev = { ...kernelOptions };
  Object.assign(kernelOptions, o);
  return prev;
}

/**
 * Stride-1 dW as one matmul per filter tap on a flattened, padded image (no im2col buffer):
 * with x padded to [N+1, Hp, Wp, C] (Hp = OH + KH − 1; the extra image is zeros) and flattened to rows
 * m = (n·Hp + r)·Wp + s, and dy zero-padded to the same grid, tap (i, j) reads x row m + i·Wp + j for output
 * row m. So dW[i,j] = xᵀ[C, off .. off + M] · dy[M, Co] with off = i·Wp + j; grid positions outside the
 * OH×OW outputs multiply zeros of the padded dy. By default the taps are multiplied one by one (dy stays the
 * right operand, so its packed XNNPACK operator is built once per call); up to `im2colMaxFloats` the taps'
 * blocks can instead be stacked into one [KH·KW·C, M] matrix (a transposed im2col) for a single matmul.
 */
function conv2DBackpropFilterTaps(
  backend: WasmBackendLike,
  x: TensorInfo,
  dy: TensorInfo,
  info: backend_util.Conv2DInfo,
): TensorInfo {
  const { batchSize: n, inChannels: c, outChannels: co, filterHeight: kh, filterWidth: kw } = info;
  const hp = info.outHeight + kh - 1, wp = info.outWidth + kw - 1;
  const top = info.padInfo.top, left = info.padInfo.left;
  const bottom = hp - info.inHeight - top, right = wp - info.inWidth - left;
  const temps: TensorInfo[] = [];
  let xs = x;
  if (bottom < 0 || right < 0) {
    const size = [n, info.inHeight + Math.min(bottom, 0), info.inWidth + Math.min(right, 0), c];
    xs = sliceKernel({ inputs: { x }, attrs: { begin: [0, 0, 0, 0], size }, backend });
    temps.push(xs);
  }
  const xp = run("PadV2", backend, { x: xs }, {
    paddings: [[0, 1], [top, Math.max(bottom, 0)], [left, Math.max(right, 0)], [0, 0]],
    constantValue: 0,
  });
  const m = n * hp * wp;
  const xRows = run("Reshape", backend, { x: xp }, { shape: [(n + 1) * hp * wp, c] });
  const xT = transpose(backend, xRows, [1, 0]); // [C, (N+1)·Hp·Wp]
  const dyp = run("PadV2", backend, { x: dy }, {
    paddings: [[0, 0], [0, kh - 1], [0, kw - 1], [0, 0]],
    constantValue: 0,
  });
  const dyRows = run("Reshape", backend, { x: dyp }, { shape: [1, m, co] });
  temps.push(xp, xRows, xT, dyp, dyRows);
  const taps = kh * kw;
  if (taps * c * m <= kernelOptions.im2colMaxFloats) {
    // All taps at once: A[(i·KW + j)·C + c, ·] = xᵀ[c, off(i,j) ..], then dW = A · dy is already [KH, KW, C, Co].
    const a = backend.makeOutput([1, taps * c, m], "float32");
    const av = backend.typedArrayFromHeap(a) as Float32Array,
      xv = backend.typedArrayFromHeap(xT) as Float32Array;
    const rowLen = (n + 1) * hp * wp;
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const off = i * wp + j, base = (i * kw + j) * c;
        for (let ch = 0; ch < c; ch++) {
          const src = ch * rowLen + off;
          av.set(xv.subarray(src, src + m), (base + ch) * m);
        }
      }
    }
    const prod = run("BatchMatMul", backend, { a, b: dyRows }, { transposeA: false, transposeB: false });
    const out = run("Reshape", backend, { x: prod }, { shape: [kh, kw, c, co] });
    release(backend, ...temps, a, prod);
    return out;
  }
  const out = backend.makeOutput([kh, kw, c, co], "float32");
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const block = sliceKernel({
        inputs: { x: xT },
        attrs: { begin: [0, i * wp + j], size: [c, m] },
        backend,
      });
      const a = run("Reshape", backend, { x: block }, { shape: [1, c, m] });
      const tap = run("BatchMatMul", backend, { a, b: dyRows }, { transposeA: false, transposeB: false });
      const ov = backend.typedArrayFromHeap(out) as Float32Array;
      ov.set(backend.typedArrayFromHeap(tap) as Float32Array, (i * kw + j) * c * co);
      release(backend, block, a, tap);
    }
  }
  release(backend, ...temps);
  return out;
}

/**
 * dx of a 2-D convolution (NHWC, dilation 1) as a forward Conv2D: for stride 1,
 * dx = conv(dy, flip_hw(W)ᵀ) padded by (K − 1 − pad); for stride s, dy is first spread onto an s-times finer
 * grid with zeros in between (the "fractionally strided" form of the transposed convolution).
 */
function conv2DBackpropInput(args: { inputs: Inputs; attrs: NamedAttrMap; backend: unknown }): TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { dy, filter } = args.inputs;
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = args.attrs as unknown as {
    strides: number | [number, number];
    pad: "valid" | "same" | number | backend_util.ExplicitPadding;
    dataFormat: string;
    dimRoundingMode?: "floor" | "round" | "ceil";
    inputShape: [number, number, number, number];
  };
  channelsLast(dataFormat, "Conv2DBackpropInput");
  const info = backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw } = info;
  // Extent of the zero-inserted dy grid: (OH − 1)·s + 1.
  const gh = (info.outHeight - 1) * sh + 1, gw = (info.outWidth - 1) * sw + 1;
  const ptop = kh - 1 - info.padInfo.top, pleft = kw - 1 - info.padInfo.left;
  const pbottom = info.inHeight - gh + kh - 1 - ptop, pright = info.inWidth - gw + kw - 1 - pleft;
  if (ptop < 0 || pleft < 0 || pbottom < 0 || pright < 0) {
    return run("Conv2DBackpropInput", backend, args.inputs, args.attrs);
  }
  const temps: TensorInfo[] = [];
  let grid = dy;
  if (sh > 1 || sw > 1) {
    const [n, oh, ow, c] = dy.shape;
    const v6 = run("Reshape", backend, { x: dy }, { shape: [n, oh, 1, ow, 1, c] });
    const padded = run("PadV2", backend, { x: v6 }, {
      paddings: [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]],
      constantValue: 0,
    });
    const fine = run("Reshape", backend, { x: padded }, { shape: [n, oh * sh, ow * sw, c] });
    grid = sliceKernel({
      inputs: { x: fine },
      attrs: { begin: [0, 0, 0, 0], size: [n, gh, gw, c] },
      backend,
    });
    temps.push(v6, padded, fine, grid);
  }
  const flipped = run("Reverse", backend, { x: filter }, { dims: [0, 1] });
  const wt = transpose(backend, flipped, [0, 1, 3, 2]);
  const out = conv2d(backend, grid, wt, [1, 1], [1, 1], [[0, 0], [ptop, pbottom], [pleft, pright], [0, 0]]);
  release(backend, ...temps, flipped, wt);
  return out;
}

/** Swap the last two axes of `x` (a materialised transpose). */
function swapLast2(backend: WasmBackendLike, x: TensorInfo): TensorInfo {
  const r = x.shape.length;
  const perm = [...Array(r).keys()];
  perm[r - 2] = r - 1;
  perm[r - 1] = r - 2;
  return transpose(backend, x, perm);
}

/** Per-batch matmul volume (M·K·N) from which a batched matmul is run as a loop of 2-D XNNPACK calls. */
const BATCH_LOOP_MIN_VOLUME = 32768;

/**
 * Batched NN matmul as one 2-D call per batch item. The stock wasm kernel handles batch > 1 with a generic
 * loop that runs at ~1 GFLOP/s; a batch of 2-D calls reaches the XNNPACK fully-connected speed (2–3.5×
 * faster for attention-sized 49×32×49 products; slower for tiny ones, hence BATCH_LOOP_MIN_VOLUME).
 */
function batchLoopMatMul(backend: WasmBackendLike, a: TensorInfo, b: TensorInfo): TensorInfo | null {
  const ra = a.shape.length, rb = b.shape.length;
  if (ra < 3 || ra !== rb || a.dtype !== "float32" || b.dtype !== "float32") return null;
  const batchShape = a.shape.slice(0, -2);
  if (!util.arraysEqual(batchShape, b.shape.slice(0, -2))) return null;
  const batch = util.sizeFromShape(batchShape);
  const [m, k] = a.shape.slice(-2), n = b.shape[rb - 1];
  if (batch < 2 || m * k * n < BATCH_LOOP_MIN_VOLUME) return null;
  const out = backend.makeOutput([...batchShape, m, n], "float32");
  for (let i = 0; i < batch; i++) {
    const ai = backend.makeOutput([1, m, k], "float32");
    const bi = backend.makeOutput([1, k, n], "float32");
    (backend.typedArrayFromHeap(ai) as Float32Array).set(
      (backend.typedArrayFromHeap(a) as Float32Array).subarray(i * m * k, (i + 1) * m * k),
    );
    (backend.typedArrayFromHeap(bi) as Float32Array).set(
      (backend.typedArrayFromHeap(b) as Float32Array).subarray(i * k * n, (i + 1) * k * n),
    );
    const ri = run("BatchMatMul", backend, { a: ai, b: bi }, { transposeA: false, transposeB: false });
    (backend.typedArrayFromHeap(out) as Float32Array).set(
      backend.typedArrayFromHeap(ri) as Float32Array,
      i * m * n,
    );
    release(backend, ai, bi, ri);
  }
  return out;
}

/**
 * `BatchMatMul` / `_FusedMatMul`: materialise transposed operands, then call the fast NN kernel (as a loop
 * of 2-D calls for large batched products).
 */
function matMulKernel(name: "BatchMatMul" | "_FusedMatMul"): KernelFunc {
  return ((args: { inputs: Inputs; attrs: NamedAttrMap; backend: unknown }) => {
    const backend = args.backend as WasmBackendLike;
    const { transposeA, transposeB } = args.attrs as { transposeA?: boolean; transposeB?: boolean };
    const temps: TensorInfo[] = [];
    const inputs = { ...args.inputs };
    if (transposeA) temps.push(inputs.a = swapLast2(backend, inputs.a));
    if (transposeB) temps.push(inputs.b = swapLast2(backend, inputs.b));
    const looped = name === "BatchMatMul" ? batchLoopMatMul(backend, inputs.a, inputs.b) : null;
    const out = looped ?? run(name, backend, inputs, { ...args.attrs, transposeA: false, transposeB: false });
    release(backend, ...temps);
    return out;
  }) as KernelFunc;
}

interface DepthwiseGeometry {
  n: number;
  h: number;
  w: number;
  c: number;
  m: number;
  kh: number;
  kw: number;
  oh: number;
  ow: number;
  sh: number;
  sw: number;
  dh: number;
  dw: number;
  top: number;
  left: number;
}

function depthwiseGeometry(
  xShape: [number, number, number, number],
  filterShape: [number, number, number, number],
  attrs: NamedAttrMap,
): DepthwiseGeometry {
  const { strides, dilations, pad, dimRoundingMode, dataFormat } = attrs as unknown as {
    strides: number | [number, number];
    dilations: number | [number, number];
    pad: "valid" | "same" | number | backend_util.ExplicitPadding;
    dimRoundingMode?: "floor" | "round" | "ceil";
    dataFormat?: string;
  };
  channelsLast(dataFormat, "DepthwiseConv2dNative gradient");
  const info = backend_util.computeConv2DInfo(
    xShape,
    filterShape,
    strides,
    dilations ?? 1,
    pad,
    dimRoundingMode,
    true,
  );
  return {
    n: info.batchSize,
    h: info.inHeight,
    w: info.inWidth,
    c: info.inChannels,
    m: filterShape[3],
    kh: info.filterHeight,
    kw: info.filterWidth,
    oh: info.outHeight,
    ow: info.outWidth,
    sh: info.strideHeight,
    sw: info.strideWidth,
    dh: info.dilationHeight,
    dw: info.dilationWidth,
    top: info.padInfo.top,
    left: info.padInfo.left,
  };
}

/**
 * Visit every (input element, filter element, output element) triple of a depthwise convolution
 * y[n,p,q,c·m+k] = Σ_{i,j} x[n, p·s_h + i·d_h − top, q·s_w + j·d_w − left, c] · W[i,j,c,k].
 */
function forEachDepthwiseTap(
  g: DepthwiseGeometry,
  visit: (xi: number, fi: number, yi: number) => void,
): void {
  const cm = g.c * g.m;
  for (let n = 0; n < g.n; n++) {
    for (let p = 0; p < g.oh; p++) {
      for (let q = 0; q < g.ow; q++) {
        const yBase = ((n * g.oh + p) * g.ow + q) * cm;
        for (let i = 0; i < g.kh; i++) {
          const r = p * g.sh + i * g.dh - g.top;
          if (r < 0 || r >= g.h) continue;
          for (let j = 0; j < g.kw; j++) {
            const s = q * g.sw + j * g.dw - g.left;
            if (s < 0 || s >= g.w) continue;
            const xBase = ((n * g.h + r) * g.w + s) * g.c;
            const fBase = (i * g.kw + j) * cm;
            for (let c = 0; c < g.c; c++) {
              for (let k = 0; k < g.m; k++) visit(xBase + c, fBase + c * g.m + k, yBase + c * g.m + k);
            }
          }
        }
      }
    }
  }
}

/** dx of a depthwise convolution: dx[x] = Σ dy[y]·W[f] over the taps of the forward definition. */
function depthwiseBackpropInput(args: { inputs: Inputs; attrs: NamedAttrMap; backend: unknown }): TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { dy, filter } = args.inputs;
  const inputShape = args.attrs.inputShape as [number, number, number, number];
  const g = depthwiseGeometry(inputShape, filter.shape as [number, number, number, number], args.attrs);
  const acc = new Float64Array(util.sizeFromShape(inputShape));
  const dyv = backend.typedArrayFromHeap(dy), fv = backend.typedArrayFromHeap(filter);
  forEachDepthwiseTap(g, (xi, fi, yi) => {
    acc[xi] += dyv[yi] * fv[fi];
  });
  const out = backend.makeOutput(inputShape, "float32");
  (backend.typedArrayFromHeap(out) as Float32Array).set(acc);
  return out;
}

/** dW of a depthwise convolution: dW[f] = Σ dy[y]·x[x] over the taps of the forward definition. */
function depthwiseBackpropFilter(
  args: { inputs: Inputs; attrs: NamedAttrMap; backend: unknown },
): TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { x, dy } = args.inputs;
  const filterShape = args.attrs.filterShape as [number, number, number, number];
  const g = depthwiseGeometry(x.shape as [number, number, number, number], filterShape, args.attrs);
  const acc = new Float64Array(util.sizeFromShape(filterShape));
  const xv = backend.typedArrayFromHeap(x), dyv = backend.typedArrayFromHeap(dy);
  forEachDepthwiseTap(g, (xi, fi, yi) => {
    acc[fi] += dyv[yi] * xv[xi];
  });
  const out = backend.makeOutput(filterShape, "float32");
  (backend.typedArrayFromHeap(out) as Float32Array).set(acc);
  return out;
}

/**
 * out[s, ...] = Σ_{i: ids[i] = s} x[i, ...] (the gradient of `gather`). Ids outside [0, numSegments) are
 * dropped, as in TensorFlow.
 */
function unsortedSegmentSum(args: { inputs: Inputs; attrs: NamedAttrMap; backend: unknown }): TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { x, segmentIds } = args.inputs;
  const numSegments = args.attrs.numSegments as number;
  const inner = x.shape.slice(segmentIds.shape.length);
  const d = util.sizeFromShape(inner);
  const outShape = [numSegments, ...inner];
  const xv = backend.typedArrayFromHeap(x), ids = backend.typedArrayFromHeap(segmentIds);
  const acc = new Float64Array(numSegments * d);
  for (let i = 0; i < ids.length; i++) {
    const s = ids[i];
    if (!(s >= 0 && s < numSegments)) continue;
    const o = s * d, xo = i * d;
    for (let j = 0; j < d; j++) acc[o + j] += xv[xo + j];
  }
  const out = backend.makeOutput(outShape, x.dtype);
  backend.typedArrayFromHeap(out).set(acc);
  return out;
}

/** Source index of output index `o` in tfjs's nearest-neighbour resize (same rule as the forward kernels). */
function nearestSource(
  o: number,
  inSize: number,
  outSize: number,
  alignCorners: boolean,
  halfPixel: boolean,
) {
  const ratio = alignCorners && outSize > 1 ? (inSize - 1) / (outSize - 1) : inSize / outSize;
  const frac = halfPixel ? ratio * (o + 0.5) : ratio * o;
  const src = Math.min(inSize - 1, alignCorners ? Math.round(frac) : Math.floor(frac));
  return halfPixel ? Math.max(0, src) : src;
}

/**
 * Gradient of `resizeNearestNeighbor`: the adjoint of the forward gather, dx[src(p,q)] += dy[p,q].
 * Registered for wasm (the stock kernel ignores `halfPixelCenters`) and for cpu, whose stock kernel is wrong
 * for batch > 1 in tfjs 4.22 (every image after the first gets another image's gradient).
 */
function resizeNearestNeighborGrad(
  args: { inputs: Inputs; attrs: NamedAttrMap; backend: unknown },
): TensorInfo {
  const backend = args.backend as tf.KernelBackend;
  const { images, dy } = args.inputs;
  const alignCorners = Boolean(args.attrs.alignCorners), halfPixel = Boolean(args.attrs.halfPixelCenters);
  const [n, h, w, c] = images.shape;
  const [, oh, ow] = dy.shape;
  const rows = Int32Array.from({ length: oh }, (_, p) => nearestSource(p, h, oh, alignCorners, halfPixel));
  const cols = Int32Array.from({ length: ow }, (_, q) => nearestSource(q, w, ow, alignCorners, halfPixel));
  const acc = new Float64Array(n * h * w * c);
  const dyv = backend.readSync(dy.dataId) as Float32Array;
  let yi = 0;
  for (let b = 0; b < n; b++) {
    for (let p = 0; p < oh; p++) {
      const rowBase = (b * h + rows[p]) * w;
      for (let q = 0; q < ow; q++) {
        const xBase = (rowBase + cols[q]) * c;
        for (let k = 0; k < c; k++) acc[xBase + k] += dyv[yi++];
      }
    }
  }
  return writeFloat32(backend, images.shape, Float32Array.from(acc));
}

/** A new float32 output holding `values`, on the wasm or the cpu backend. */
function writeFloat32(backend: tf.KernelBackend, shape: number[], values: Float32Array): TensorInfo {
  const b = backend as unknown as {
    makeTensorInfo?: (s: number[], d: tf.DataType, v: Float32Array) => TensorInfo;
  } & WasmBackendLike;
  if (typeof b.makeTensorInfo === "function") return b.makeTensorInfo(shape, "float32", values);
  const out = b.makeOutput(shape, "float32");
  (b.typedArrayFromHeap(out) as Float32Array).set(values);
  return out;
}

let cpuPatched = false;

/**
 * Fix kernels of the tfjs cpu backend that give wrong results in tfjs 4.22 (idempotent):
 * `ResizeNearestNeighborGrad` for batch > 1. Returns the patched kernel names.
 */
export function patchCpuKernels(): string[] {
  if (!cpuPatched) {
    cpuPatched = true;
    if (tf.getKernel("ResizeNearestNeighborGrad", "cpu")) {
      tf.unregisterKernel("ResizeNearestNeighborGrad", "cpu");
    }
    tf.registerKernel({
      kernelName: "ResizeNearestNeighborGrad",
      backendName: "cpu",
      kernelFunc: resizeNearestNeighborGrad as unknown as KernelFunc,
    });
  }
  return ["ResizeNearestNeighborGrad"];
}

/** Rows shorter than this are copied element by element (a `subarray` per row costs more). */
const SHORT_ROW = 64;

/**
 * `Slice` copying straight from heap to heap. The stock kernel copies the whole input out of the heap
 * first (`readSync`) and then calls `subarray().set()` once per innermost row.
 */
function sliceKernel(args: { inputs: Inputs; attrs: NamedAttrMap; backend: unknown }): TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { x } = args.inputs;
  if (x.dtype === "string") return run("Slice", backend, args.inputs, args.attrs);
  const [begin, size] = slice_util.parseSliceParams(
    x as unknown as tf.Tensor,
    args.attrs.begin as number[],
    args.attrs.size as number[],
  );
  const out = backend.makeOutput(size, x.dtype);
  const total = util.sizeFromShape(size);
  if (total === 0) return out;
  // Re-read both views after makeOutput: allocation may grow (and detach) the heap.
  const xv = backend.typedArrayFromHeap(x), ov = backend.typedArrayFromHeap(out);
  const strides = util.computeStrides(x.shape);
  if (slice_util.isSliceContinous(x.shape, begin, size)) {
    const off = slice_util.computeFlatOffset(begin, strides);
    ov.set(xv.subarray(off, off + total));
    return out;
  }
  const rank = x.shape.length;
  // Merge the trailing axes that are taken whole into one contiguous row.
  let row = 1, k = rank - 1;
  while (k > 0 && begin[k] === 0 && size[k] === x.shape[k]) row *= size[k--];
  row *= size[k];
  const rowStride = k === rank - 1 ? 1 : strides[k];
  const outer = size.slice(0, k);
  const nRows = util.sizeFromShape(outer);
  const idx = new Array(k).fill(0);
  let o = 0;
  for (let r = 0; r < nRows; r++) {
    let xo = begin[k] * rowStride;
    for (let a = 0; a < k; a++) xo += (begin[a] + idx[a]) * strides[a];
    if (row < SHORT_ROW) {
      for (let j = 0; j < row; j++) ov[o + j] = xv[xo + j];
    } else {
      ov.set(xv.subarray(xo, xo + row), o);
    }
    o += row;
    for (let a = k - 1; a >= 0; a--) {
      if (++idx[a] < outer[a]) break;
      idx[a] = 0;
    }
  }
  return out;
}

/** `SplitV` through {@link sliceKernel}. */
function splitV(args: { inputs: Inputs; attrs: NamedAttrMap; backend: unknown }): TensorInfo[] {
  const { x } = args.inputs;
  const axis = util.parseAxisParam(args.attrs.axis as number, x.shape)[0];
  const sizes = backend_util.prepareSplitSize(
    x as unknown as tf.Tensor,
    args.attrs.numOrSizeSplits as number[] | number,
    axis,
  );
  const begin = new Array(x.shape.length).fill(0);
  return sizes.map((s) => {
    const size = [...x.shape];
    size[axis] = s;
    const part = sliceKernel({ inputs: { x }, attrs: { begin: [...begin], size }, backend: args.backend });
    begin[axis] += s;
    return part;
  });
}

/**
 * `Identity` (tf.clone, and the engine's copy of every tensor saved for a gradient) sharing the input's
 * buffer instead of copying it, as `Reshape` and the cpu backend do. Tensors are immutable (kernels write
 * only to fresh outputs; `Variable.assign` swaps buffers), so sharing is safe; the stock kernel copies
 * every saved activation of a training step.
 */
function identityKernel(args: { inputs: Inputs; backend: unknown }): TensorInfo {
  const { x } = args.inputs;
  if (x.dtype === "string") return run("Identity", args.backend as WasmBackendLike, args.inputs);
  (args.backend as WasmBackendLike).incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}

const PATCHES: Record<string, KernelFunc> = {
  Conv2DBackpropFilter: conv2DBackpropFilter as unknown as KernelFunc,
  Conv2DBackpropInput: conv2DBackpropInput as unknown as KernelFunc,
  BatchMatMul: matMulKernel("BatchMatMul"),
  _FusedMatMul: matMulKernel("_FusedMatMul"),
  DepthwiseConv2dNativeBackpropInput: depthwiseBackpropInput as unknown as KernelFunc,
  DepthwiseConv2dNativeBackpropFilter: depthwiseBackpropFilter as unknown as KernelFunc,
  UnsortedSegmentSum: unsortedSegmentSum as unknown as KernelFunc,
  ResizeNearestNeighborGrad: resizeNearestNeighborGrad as unknown as KernelFunc,
  Slice: sliceKernel as unknown as KernelFunc,
  SplitV: splitV as unknown as KernelFunc,
  Identity: identityKernel as unknown as KernelFunc,
};

/**
 * Register the patched kernels for the "wasm" backend (idempotent). Call after the wasm backend has been
 * initialised (`await tf.setBackend("wasm")`): the stock kernels' setup functions must already have run,
 * because the patches call them. Returns the names of the patched kernels.
 */
export function patchWasmKernels(): string[] {
  if (stock !== null) return [...WASM_PATCHED_KERNELS];
  const saved = new Map<string, KernelConfig>();
  for (const name of WASM_PATCHED_KERNELS) {
    const k = tf.getKernel(name, "wasm");
    if (k) saved.set(name, k);
  }
  stock = saved;
  for (const name of WASM_PATCHED_KERNELS) {
    const old = saved.get(name);
    if (old) tf.unregisterKernel(name, "wasm");
    tf.registerKernel({ kernelName: name, backendName: "wasm", kernelFunc: PATCHES[name] });
  }
  return [...WASM_PATCHED_KERNELS];
}
