/**
 * FLOP counts of the matmul and convolution kernels of one profiled step, from the kernel input and output
 * shapes that `tf.profile` records (a multiply-add counts as 2 FLOPs; element-wise, reduction and data
 * movement kernels count 0, so the total is a lower bound dominated by the dense kernels).
 *
 * - MatMul (`BatchMatMul`, `_FusedMatMul`): 2·|out|·K, where out is [..., M, N] and K is the inner size.
 * - Conv2D / FusedConv2D (NHWC, filter [KH, KW, Ci, Co]): 2·|out|·KH·KW·Ci.
 * - Conv2DBackpropInput (dy, filter): 2·|dy|·KH·KW·Ci (the same count as the forward conv).
 * - Conv2DBackpropFilter (x, dy; output [KH, KW, Ci, Co]): 2·|dy|·KH·KW·Ci.
 * - DepthwiseConv2dNative (filter [KH, KW, C, m]): 2·|out|·KH·KW.
 * - antbench's composite layers (src/models/layers/linear.ts, segments.ts): `AntbenchDense*` (x [B, I],
 *   W [I, O], b, and optionally x₂ [B, I₂], W₂): 2·B·O·(I + I₂); `AntbenchConv2DBias` as Conv2D;
 *   `AntbenchSegmentMatMulTA` (x [R, I], dz [R, O]): 2·R·I·O; `AntbenchSegmentConvFilter` (x, dy; output
 *   [m, KH, KW, Ci, Co]): 2·|dy|·KH·KW·Ci.
 *
 * @module
 */

/** The part of tfjs's profile KernelInfo used here. */
export interface KernelShapes {
  /** Kernel name. */
  name: string;
  /** Shapes of the kernel's inputs. */
  inputShapes: (number[] | undefined)[];
  /** Shapes of the kernel's outputs. */
  outputShapes: (number[] | undefined)[];
}

const size = (s: readonly number[] | undefined) => (s ? s.reduce((a, b) => a * b, 1) : 0);

/** FLOPs of one kernel call (0 for kernels that are not matmuls or convolutions). */
export function kernelFlops(k: KernelShapes): number {
  const out = k.outputShapes[0];
  if (k.name.startsWith("AntbenchDense")) {
    const [x, w, , x2, w2] = k.inputShapes;
    if (!x || !w) return 0;
    return 2 * x[0] * w[1] * (w[0] + (x2 && w2 ? w2[0] : 0));
  }
  switch (k.name) {
    case "AntbenchSegmentMatMulTA": {
      const [x, dz] = k.inputShapes;
      if (!x || !dz) return 0;
      return 2 * x[0] * x[1] * dz[1];
    }
    case "AntbenchSegmentConvFilter": {
      const dy = k.inputShapes[1];
      if (!dy || !out) return 0;
      return 2 * size(dy) * out[1] * out[2] * out[3];
    }
    case "BatchMatMul":
    case "_FusedMatMul": {
      const a = k.inputShapes[0];
      if (!a || !out || a.length < 2) return 0;
      // a is [..., M, K] or [..., K, M] (transposeA): either way its last two sizes multiply to M·K.
      const inner = (a[a.length - 1] * a[a.length - 2]) / out[out.length - 2];
      return 2 * size(out) * inner;
    }
    case "Conv2D":
    case "FusedConv2D":
    case "AntbenchConv2DBias": {
      const f = k.inputShapes[1];
      if (!f || !out) return 0;
      return 2 * size(out) * f[0] * f[1] * f[2];
    }
    case "Conv2DBackpropInput": {
      const dy = k.inputShapes[0], f = k.inputShapes[1];
      if (!dy || !f) return 0;
      return 2 * size(dy) * f[0] * f[1] * f[2];
    }
    case "Conv2DBackpropFilter": {
      const dy = k.inputShapes[1];
      if (!dy || !out) return 0;
      return 2 * size(dy) * out[0] * out[1] * out[2];
    }
    case "DepthwiseConv2dNative":
    case "FusedDepthwiseConv2D": {
      const f = k.inputShapes[1];
      if (!f || !out) return 0;
      return 2 * size(out) * f[0] * f[1];
    }
    default:
      return 0;
  }
}

/** Total FLOPs of a list of kernel calls. */
export function countFlops(kernels: readonly KernelShapes[]): number {
  let total = 0;
  for (const k of kernels) total += kernelFlops(k);
  return total;
}
