/**
 * Dense and convolution layers (with bias and activation) as one composite kernel each
 * (src/runtime/composite_kernels.ts), with their gradients:
 *
 *   dense:  y = act(x W + b)  or, with a second input pair,  y = act(x W + x₂ W₂ + b)
 *           (the concatenated-input Linear of the MLP, [x, emb] · [W_x; W_t], without a concat)
 *   conv:   y = conv2d(x, K, stride 1, "same") + b   (NHWC)
 *
 * act ∈ {linear, relu, silu}. Backward: dz = dy · act'(z) (relu: dy · [y > 0]; silu: dy · σ(z)(1 + z(1 − σ(z)))),
 * ∂x = dz Wᵀ, ∂W = xᵀ dz, ∂b = Σ_batch dz; for the conv ∂x = Conv2DBackpropInput(dy, K),
 * ∂K = Conv2DBackpropFilter(x, dy), ∂b = Σ_{b,h,w} dy. Each input's gradient is computed only when an
 * input needs one (the input image of the first conv and the data inputs of the MLP get none). During a
 * segmented pass (src/models/layers/segments.ts) the weight and bias gradients are formed per segment.
 *
 * Compared with tfjs's ops: a 2-D `tf.fused.matMul` is 17 engine dispatches forward + backward, matMul + add
 * 11, a dense layer here 6; `tf.fused.conv2d` 9 (its custom gradient always computes ∂x), a conv here 6 (5
 * without ∂x). The numerics are those of the backend kernels called (XNNPACK on wasm).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { NamedAttrMap, TensorInfo } from "@tensorflow/tfjs-core";
import {
  type BackendCalls,
  type CompositeKernel,
  ensureCompositeKernels,
} from "../../runtime/composite_kernels.ts";
import {
  addSegmentGradient,
  channelSum,
  segmentConvFilter,
  segmentIndex,
  segmentMatMulTA,
  segmentSum,
} from "./segments.ts";

/** Activation of a dense layer. */
export type DenseActivation = "linear" | "relu" | "silu";

const ACTIVATIONS: readonly DenseActivation[] = ["linear", "relu", "silu"];

function kernelName(act: DenseActivation, pair: boolean): string {
  return `AntbenchDense${pair ? "2" : ""}_${act}`;
}

/** z = x W + b (+ x₂ W₂), then the activation; silu also returns z (saved for the gradient). */
function denseForward(
  b: BackendCalls,
  inputs: Record<string, TensorInfo>,
  act: DenseActivation,
): TensorInfo[] {
  const { x, w, bias, x2, w2 } = inputs;
  const mm = { transposeA: false, transposeB: false };
  const fuseRelu = act === "relu" && !x2;
  // _FusedMatMul takes rank-3 operands on wasm: reshapes share the data (no copies).
  const [rows, cols] = [x.shape[0], w.shape[1]];
  const x3 = b.call("Reshape", { x }, { shape: [1, ...x.shape] });
  const w3 = b.call("Reshape", { x: w }, { shape: [1, ...w.shape] });
  const z3 = b.call("_FusedMatMul", { a: x3, b: w3, bias }, {
    ...mm,
    activation: fuseRelu ? "relu" : "linear",
  });
  let z = b.call("Reshape", { x: z3 }, { shape: [rows, cols] });
  b.release(x3, w3, z3);
  if (x2) {
    const t = b.call("BatchMatMul", { a: x2, b: w2 }, mm);
    const s = b.call("Add", { a: z, b: t });
    b.release(z, t);
    z = s;
  }
  if (act === "relu" && !fuseRelu) {
    const y = b.call("Relu", { x: z });
    b.release(z);
    return [y];
  }
  if (act === "silu") {
    const sg = b.call("Sigmoid", { x: z });
    const y = b.call("Multiply", { a: z, b: sg });
    b.release(sg);
    return [y, z];
  }
  return [z];
}

/** dz = dy · act'(z) from the saved output (relu) or pre-activation (silu). */
function activationGrad(dy: tf.Tensor, act: DenseActivation, saved: tf.Tensor | undefined): tf.Tensor {
  if (act === "linear") return dy;
  if (act === "relu") return tf.mul(dy, tf.step(saved!));
  const z = saved!, sg = tf.sigmoid(z);
  return tf.mul(dy, tf.mul(sg, tf.add(1, tf.mul(z, tf.sub(1, sg)))));
}

function denseKernel(act: DenseActivation, pair: boolean): CompositeKernel {
  const names = pair ? ["x", "w", "bias", "x2", "w2"] : ["x", "w", "bias"];
  return {
    name: kernelName(act, pair),
    run: (b, inputs) => {
      const out = denseForward(b, inputs, act);
      return out.length === 1 ? out[0] : out;
    },
    gradient: {
      inputsToSave: names.filter((n) => n !== "bias"),
      outputsToSave: act === "relu" ? [true] : act === "silu" ? [false, true] : [],
      gradFunc: (dy, saved, attrs) => {
        const [x, w, x2, w2, out] = pair ? saved : [saved[0], saved[1], undefined, undefined, saved[2]];
        // silu has two outputs (y, z); only y is used downstream.
        const dz = activationGrad(Array.isArray(dy) ? dy[0] : dy, act, out);
        const seg = (attrs as { segments?: LayerSegments }).segments;
        const dW = (xi: tf.Tensor, wi: tf.Tensor, s: SegRef | null | undefined) =>
          s
            ? addSegmentGradient(s, segmentMatMulTA(xi, dz, s.pass.bounds), wi.shape)
            : tf.matMul(xi, dz, true, false);
        const grads: Record<string, () => tf.Tensor> = {
          x: () => tf.matMul(dz, w, false, true),
          w: () => dW(x, w, seg?.w),
          bias: () =>
            seg?.bias
              ? addSegmentGradient(seg.bias, segmentSum(dz, seg.bias.pass.bounds), [w.shape[1] as number])
              : channelSum(dz),
        };
        if (pair) {
          grads.x2 = () => tf.matMul(dz, w2!, false, true);
          grads.w2 = () => dW(x2!, w2!, seg?.w2);
        }
        return grads;
      },
    },
  };
}

const DENSE_KERNELS: CompositeKernel[] = ACTIVATIONS.flatMap((
  a,
) => [denseKernel(a, false), denseKernel(a, true)]);

/**
 * act(x W + b), or act(x W + x₂ W₂ + b) with `second`; x [B, I], W [I, O], b [O]. One dispatch forward.
 */
export function dense(
  x: tf.Tensor2D,
  w: tf.Tensor,
  b: tf.Tensor,
  act: DenseActivation = "linear",
  second?: { x: tf.Tensor2D; w: tf.Tensor },
): tf.Tensor2D {
  const [, inDim] = x.shape;
  if (w.rank !== 2 || w.shape[0] !== inDim || b.rank !== 1 || b.shape[0] !== w.shape[1]) {
    throw new RangeError(
      `dense: x [${x.shape}], W [${w.shape}], b [${b.shape}] do not fit (expected W [${inDim}, O], b [O])`,
    );
  }
  if (
    second &&
    (second.w.rank !== 2 || second.w.shape[0] !== second.x.shape[1] || second.w.shape[1] !== b.shape[0])
  ) {
    throw new RangeError(`dense: second input [${second.x.shape}] and W₂ [${second.w.shape}] do not fit`);
  }
  ensureCompositeKernels(DENSE_KERNELS);
  const inputs: Record<string, tf.Tensor> = { x, w, bias: b };
  if (second) Object.assign(inputs, { x2: second.x, w2: second.w });
  const segments: LayerSegments = {
    w: segmentIndex(w),
    bias: segmentIndex(b),
    w2: second ? segmentIndex(second.w) : null,
  };
  const attrs = segments.w || segments.bias || segments.w2 ? { segments } : {};
  const out = tf.engine().runKernel(
    kernelName(act, second !== undefined),
    inputs as tf.NamedTensorMap,
    attrs as unknown as NamedAttrMap,
  );
  if (!Array.isArray(out)) return out as tf.Tensor2D;
  // silu's second output z: already cloned by the engine when a gradient will need it.
  (out[1] as tf.Tensor).dispose();
  return out[0] as tf.Tensor2D;
}

const CONV_ATTRS: NamedAttrMap = {
  strides: [1, 1],
  pad: "same",
  dataFormat: "NHWC",
  dilations: [1, 1],
  dimRoundingMode: undefined as unknown as string,
};

type SegRef = NonNullable<ReturnType<typeof segmentIndex>>;

/** Per-segment bookkeeping of a layer's weights during a segmented pass (src/models/layers/segments.ts). */
interface LayerSegments {
  w: SegRef | null;
  bias: SegRef | null;
  w2?: SegRef | null;
}

const CONV_KERNEL: CompositeKernel = {
  name: "AntbenchConv2DBias",
  run: (b, inputs) =>
    b.call("FusedConv2D", { x: inputs.x, filter: inputs.filter, bias: inputs.bias }, {
      ...CONV_ATTRS,
      activation: "linear",
    }),
  gradient: {
    inputsToSave: ["x", "filter"],
    gradFunc: (dy, saved, attrs) => {
      const [x, filter] = saved;
      const d = dy as tf.Tensor4D;
      const seg = (attrs as { segments?: LayerSegments }).segments;
      return {
        x: () =>
          tf.engine().runKernel("Conv2DBackpropInput", { dy: d, filter }, {
            ...CONV_ATTRS,
            inputShape: x.shape,
          }),
        filter: () =>
          seg?.w
            ? addSegmentGradient(
              seg.w,
              segmentConvFilter(x, d, filter.shape, seg.w.pass.bounds),
              filter.shape,
            )
            : tf.engine().runKernel("Conv2DBackpropFilter", { x, dy: d }, {
              ...CONV_ATTRS,
              filterShape: filter.shape,
            }),
        bias: () =>
          seg?.bias
            ? addSegmentGradient(seg.bias, segmentSum(d, seg.bias.pass.bounds), [filter.shape[3] as number])
            : channelSum(d),
      } as Record<string, () => tf.Tensor>;
    },
  },
};

/** conv2d(x, filter, stride 1, "same") + bias, NHWC (filter [KH, KW, Cin, Cout]). One dispatch forward. */
export function conv2dSame(x: tf.Tensor4D, filter: tf.Tensor, bias: tf.Tensor): tf.Tensor4D {
  if (
    filter.rank !== 4 || filter.shape[2] !== x.shape[3] || bias.rank !== 1 ||
    bias.shape[0] !== filter.shape[3]
  ) {
    throw new RangeError(
      `conv2dSame: x [${x.shape}], filter [${filter.shape}], bias [${bias.shape}] do not fit`,
    );
  }
  ensureCompositeKernels([CONV_KERNEL]);
  const segments: LayerSegments = { w: segmentIndex(filter), bias: segmentIndex(bias) };
  const attrs = segments.w || segments.bias ? { segments } : {};
  return tf.engine().runKernel(
    CONV_KERNEL.name,
    { x, filter, bias },
    attrs as unknown as NamedAttrMap,
  ) as tf.Tensor4D;
}
