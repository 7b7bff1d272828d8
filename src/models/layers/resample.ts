/**
 * The U-Net's data-movement layers as host kernels (forward and gradient) on host-memory backends, with
 * the tfjs ops they replace elsewhere (webgpu):
 *
 * - {@link upsample2x}: nearest-neighbour ×2 (`tf.image.resizeNearestNeighbor(x, [2H, 2W])`, no corner
 *   alignment: out[i, j] = x[⌊i/2⌋, ⌊j/2⌋]); gradient: ∂x[i, j] = Σ of the 2×2 block of dy.
 * - {@link avgPool2x}: 2×2 average pooling, stride 2, "valid" (`tf.avgPool(x, 2, 2, "valid")`);
 *   gradient: each input of a window gets dy / 4 (rows/columns beyond the last window get 0).
 * - {@link concatChannels}: `tf.concat([a, b], 3)`; gradient: the channel slices of dy.
 *
 * tfjs-wasm runs these through generic index loops (its resize gradient, the patched SplitV for the
 * concat gradient: about 8% of a 28x28 U-Net step together); here each is one pass over NHWC memory.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { ensureHostKernels, type HostKernel, runHostKernel } from "../../runtime/host_kernels.ts";

const upsampleKernel: HostKernel = {
  name: "AntbenchUpsample2x",
  outputShapes: ({ x }) => [[x[0], 2 * x[1], 2 * x[2], x[3]]],
  compute({ x }, [out], { x: [b, h, w, c] }) {
    for (let n = 0; n < b; n++) {
      for (let i = 0; i < 2 * h; i++) {
        for (let j = 0; j < 2 * w; j++) {
          const src = ((n * h + (i >> 1)) * w + (j >> 1)) * c, dst = ((n * 2 * h + i) * 2 * w + j) * c;
          for (let ch = 0; ch < c; ch++) out[dst + ch] = x[src + ch];
        }
      }
    }
  },
  gradient: {
    gradFunc: (dy) => ({ x: () => runHostKernel("AntbenchUpsample2xGrad", { dy: dy as tf.Tensor })[0] }),
  },
};

const upsampleGradKernel: HostKernel = {
  name: "AntbenchUpsample2xGrad",
  outputShapes: ({ dy }) => [[dy[0], dy[1] / 2, dy[2] / 2, dy[3]]],
  compute({ dy }, [dx], { dy: [b, H, W, c] }) {
    const h = H / 2, w = W / 2;
    for (let n = 0; n < b; n++) {
      for (let i = 0; i < H; i++) {
        for (let j = 0; j < W; j++) {
          const src = ((n * H + i) * W + j) * c, dst = ((n * h + (i >> 1)) * w + (j >> 1)) * c;
          for (let ch = 0; ch < c; ch++) dx[dst + ch] += dy[src + ch];
        }
      }
    }
  },
};

const poolKernel: HostKernel = {
  name: "AntbenchAvgPool2x",
  outputShapes: ({ x }) => [[x[0], Math.floor(x[1] / 2), Math.floor(x[2] / 2), x[3]]],
  compute({ x }, [out], { x: [b, h, w, c] }) {
    const oh = Math.floor(h / 2), ow = Math.floor(w / 2);
    for (let n = 0; n < b; n++) {
      for (let i = 0; i < oh; i++) {
        for (let j = 0; j < ow; j++) {
          const o = ((n * oh + i) * ow + j) * c;
          const p00 = ((n * h + 2 * i) * w + 2 * j) * c, p10 = p00 + w * c;
          for (let ch = 0; ch < c; ch++) {
            out[o + ch] = (x[p00 + ch] + x[p00 + c + ch] + x[p10 + ch] + x[p10 + c + ch]) / 4;
          }
        }
      }
    }
  },
  gradient: {
    inputsToSave: ["x"],
    gradFunc: (dy, [x]) => ({
      x: () => runHostKernel("AntbenchAvgPool2xGrad", { dy: dy as tf.Tensor }, { inShape: x.shape })[0],
    }),
  },
};

const poolGradKernel: HostKernel = {
  name: "AntbenchAvgPool2xGrad",
  outputShapes: (_, attrs) => [attrs.inShape as number[]],
  compute({ dy }, [dx], { dy: [b, oh, ow, c] }, attrs) {
    const [, h, w] = attrs.inShape as number[];
    for (let n = 0; n < b; n++) {
      for (let i = 0; i < oh; i++) {
        for (let j = 0; j < ow; j++) {
          const o = ((n * oh + i) * ow + j) * c;
          const p00 = ((n * h + 2 * i) * w + 2 * j) * c, p10 = p00 + w * c;
          for (let ch = 0; ch < c; ch++) {
            const g = dy[o + ch] / 4;
            dx[p00 + ch] = g;
            dx[p00 + c + ch] = g;
            dx[p10 + ch] = g;
            dx[p10 + c + ch] = g;
          }
        }
      }
    }
  },
};

const concatKernel: HostKernel = {
  name: "AntbenchConcatChannels",
  outputShapes: ({ a, b }) => [[...a.slice(0, 3), a[3] + b[3]]],
  compute({ a, b }, [out], shapes) {
    const ca = shapes.a[3], cb = shapes.b[3], c = ca + cb, rows = a.length / ca;
    for (let r = 0; r < rows; r++) {
      for (let ch = 0; ch < ca; ch++) out[r * c + ch] = a[r * ca + ch];
      for (let ch = 0; ch < cb; ch++) out[r * c + ca + ch] = b[r * cb + ch];
    }
  },
  gradient: {
    inputsToSave: ["a", "b"],
    gradFunc: (dy, [a, b]) => {
      const d = dy as tf.Tensor, ca = a.shape[3]!, cb = b.shape[3]!;
      return {
        a: () => runHostKernel("AntbenchChannelSlice", { x: d }, { begin: 0, size: ca })[0],
        b: () => runHostKernel("AntbenchChannelSlice", { x: d }, { begin: ca, size: cb })[0],
      };
    },
  },
};

const sliceKernel: HostKernel = {
  name: "AntbenchChannelSlice",
  outputShapes: ({ x }, attrs) => [[...x.slice(0, 3), attrs.size as number]],
  compute({ x }, [out], shapes, attrs) {
    const c = shapes.x[3], begin = attrs.begin as number, size = attrs.size as number, rows = x.length / c;
    for (let r = 0; r < rows; r++) {
      for (let ch = 0; ch < size; ch++) out[r * size + ch] = x[r * c + begin + ch];
    }
  },
};

const KERNELS = [upsampleKernel, upsampleGradKernel, poolKernel, poolGradKernel, concatKernel, sliceKernel];

/** Nearest-neighbour ×2 upsampling of x [B, H, W, C] (see the module doc). */
export function upsample2x(x: tf.Tensor4D): tf.Tensor4D {
  const [, h, w] = x.shape;
  if (!ensureHostKernels(KERNELS)) return tf.image.resizeNearestNeighbor(x, [2 * h, 2 * w]);
  return runHostKernel(upsampleKernel.name, { x })[0] as tf.Tensor4D;
}

/** 2×2 average pooling with stride 2, "valid", of x [B, H, W, C]. */
export function avgPool2x(x: tf.Tensor4D): tf.Tensor4D {
  if (!ensureHostKernels(KERNELS)) return tf.avgPool(x, 2, 2, "valid");
  return runHostKernel(poolKernel.name, { x })[0] as tf.Tensor4D;
}

/** Concatenation of a [B, H, W, Ca] and b [B, H, W, Cb] along the channels. */
export function concatChannels(a: tf.Tensor4D, b: tf.Tensor4D): tf.Tensor4D {
  if (!tf.util.arraysEqual(a.shape.slice(0, 3), b.shape.slice(0, 3))) {
    throw new RangeError(`concatChannels: [${a.shape}] and [${b.shape}] differ outside the channels`);
  }
  if (!ensureHostKernels(KERNELS)) return tf.concat([a, b], 3);
  return runHostKernel(concatKernel.name, { a, b })[0] as tf.Tensor4D;
}
