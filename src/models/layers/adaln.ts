/**
 * The element-wise parts of a DiT block (Peebles & Xie 2023, "Scalable Diffusion Models with
 * Transformers", §3.2 "adaLN-Zero"; facebookresearch/DiT `models.py`) as fused ops with closed-form
 * backward passes:
 *
 * - adaLN modulation:  y = LN(x) · (1 + scale_b) + shift_b, LN without affine parameters
 *   (x̂ = (x − μ) r, r = 1/√(σ² + ε), ε = 1e-6, over the last axis of each token), DiT's
 *   `modulate(self.norm(x), shift, scale)`. Backward, per token with g = dy · (1 + scale):
 *   ∂shift_b = Σ_tokens dy, ∂scale_b = Σ_tokens dy · x̂, ∂x = r (g − mean(g) − x̂ · mean(g · x̂)).
 * - gated residual:    out = x + gate_b · y (DiT's `x + gate.unsqueeze(1) * f(x)`); ∂x = d, ∂y = gate · d,
 *   ∂gate_b = Σ_tokens d · y.
 * - GELU, tanh form:   y = ½ z (1 + tanh(√(2/π)(z + 0.044715 z³))) = z · σ(u), u = 2√(2/π)(z + 0.044715 z³)
 *   (DiT's `nn.GELU(approximate="tanh")`); ∂z = dy · (s + z s (1 − s) u'), s = σ(u), u' = 2√(2/π)(1 + 3 · 0.044715 z²).
 *
 * Tokens are rows of x [B · N, D] (sample-major: row r belongs to sample ⌊r / N⌋). shift, scale and gate
 * are chunks of one modulation tensor mod [B, K · D] (DiT's `adaLN_modulation(c).chunk(6)`: chunk j is
 * columns j·D .. (j+1)·D − 1), so the block's six vectors come from one Linear without slicing; the
 * gradient of mod is non-zero only in the chunks an op uses.
 *
 * On host-memory backends each op is one dispatch forward and one backward (float64 accumulation; GELU's
 * σ is the backend's vectorised Sigmoid inside the same dispatch); elsewhere the ops are tfjs compositions
 * (the `...Ops` functions, also the autodiff oracles of the tests). No op holds weights, so the
 * per-segment gradients of the one-pass cluster path (src/models/layers/segments.ts) come from the
 * surrounding dense layers alone.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { ensureHostKernels, type HostKernel, runHostKernel } from "../../runtime/host_kernels.ts";
import { type CompositeKernel, ensureCompositeKernels } from "../../runtime/composite_kernels.ts";

/** LayerNorm ε of DiT (`nn.LayerNorm(..., eps=1e-6)`). */
export const DIT_LN_EPS = 1e-6;

const K2 = 2 * Math.sqrt(2 / Math.PI);
const C3 = 0.044715;

function rowsPerSample(rows: number, mod: readonly number[]): number {
  const n = rows / mod[0];
  if (!Number.isInteger(n)) throw new RangeError(`adaln: ${rows} token rows for ${mod[0]} samples`);
  return n;
}

/** y [R, D] and stats [R, 2] = (μ, r) per token. */
const lnModKernel: HostKernel = {
  name: "AntbenchLayerNormModulate",
  outputShapes: (s) => [s.x, [s.x[0], 2]],
  compute({ x, mod }, [y, stats], shapes, attrs) {
    const [R, D] = shapes.x, KD = shapes.mod[1], n = rowsPerSample(R, shapes.mod);
    const so = (attrs.shift as number) * D, sc = (attrs.scale as number) * D, eps = attrs.eps as number;
    for (let r = 0; r < R; r++) {
      const o = r * D, m = Math.floor(r / n) * KD;
      let mu = 0;
      for (let j = 0; j < D; j++) mu += x[o + j];
      mu /= D;
      let v = 0;
      for (let j = 0; j < D; j++) v += (x[o + j] - mu) ** 2;
      const rs = 1 / Math.sqrt(v / D + eps);
      stats[2 * r] = mu;
      stats[2 * r + 1] = rs;
      for (let j = 0; j < D; j++) y[o + j] = (x[o + j] - mu) * rs * (1 + mod[m + sc + j]) + mod[m + so + j];
    }
  },
};

/** dx [R, D] and dmod [B, K·D] from dy, x, stats, mod. */
const lnModGradKernel: HostKernel = {
  name: "AntbenchLayerNormModulateGrad",
  outputShapes: (s) => [s.x, s.mod],
  compute({ dy, x, stats, mod }, [dx, dmod], shapes, attrs) {
    const [R, D] = shapes.x, KD = shapes.mod[1], n = rowsPerSample(R, shapes.mod);
    const so = (attrs.shift as number) * D, sc = (attrs.scale as number) * D;
    const dShift = new Float64Array(D), dScale = new Float64Array(D), g = new Float64Array(D);
    for (let b = 0; b < shapes.mod[0]; b++) {
      const m = b * KD;
      dShift.fill(0);
      dScale.fill(0);
      for (let r = b * n; r < (b + 1) * n; r++) {
        const o = r * D, mu = stats[2 * r], rs = stats[2 * r + 1];
        let mg = 0, mgx = 0;
        for (let j = 0; j < D; j++) {
          const xh = (x[o + j] - mu) * rs, d = dy[o + j];
          dShift[j] += d;
          dScale[j] += d * xh;
          g[j] = d * (1 + mod[m + sc + j]);
          mg += g[j];
          mgx += g[j] * xh;
        }
        mg /= D;
        mgx /= D;
        for (let j = 0; j < D; j++) dx[o + j] = rs * (g[j] - mg - (x[o + j] - mu) * rs * mgx);
      }
      for (let j = 0; j < D; j++) {
        dmod[m + so + j] += dShift[j];
        dmod[m + sc + j] += dScale[j];
      }
    }
  },
};

/** out = x + gate ⊙ y. */
const gateKernel: HostKernel = {
  name: "AntbenchGatedResidual",
  outputShapes: (s) => [s.x],
  compute({ x, y, mod }, [out], shapes, attrs) {
    const [R, D] = shapes.x, KD = shapes.mod[1], n = rowsPerSample(R, shapes.mod);
    const go = (attrs.gate as number) * D;
    for (let r = 0; r < R; r++) {
      const o = r * D, m = Math.floor(r / n) * KD + go;
      for (let j = 0; j < D; j++) out[o + j] = x[o + j] + mod[m + j] * y[o + j];
    }
  },
};

/** dy = gate ⊙ d and dmod (gate chunk: Σ_tokens d ⊙ y). */
const gateGradKernel: HostKernel = {
  name: "AntbenchGatedResidualGrad",
  outputShapes: (s) => [s.y, s.mod],
  compute({ d, y, mod }, [dy, dmod], shapes, attrs) {
    const [R, D] = shapes.y, KD = shapes.mod[1], n = rowsPerSample(R, shapes.mod);
    const go = (attrs.gate as number) * D;
    const acc = new Float64Array(D);
    for (let b = 0; b < shapes.mod[0]; b++) {
      const m = b * KD + go;
      acc.fill(0);
      for (let r = b * n; r < (b + 1) * n; r++) {
        const o = r * D;
        for (let j = 0; j < D; j++) {
          dy[o + j] = mod[m + j] * d[o + j];
          acc[j] += d[o + j] * y[o + j];
        }
      }
      for (let j = 0; j < D; j++) dmod[m + j] = acc[j];
    }
  },
};

/** u = 2√(2/π)(z + 0.044715 z³), the Sigmoid argument of tanh-GELU. */
const geluArgKernel: HostKernel = {
  name: "AntbenchGeluArg",
  outputShapes: (s) => [s.z],
  compute({ z }, [u]) {
    for (let i = 0; i < z.length; i++) {
      const v = z[i];
      u[i] = K2 * (v + C3 * v * v * v);
    }
  },
};

/** dz = dy · (s + z s (1 − s) u'). */
const geluGradKernel: HostKernel = {
  name: "AntbenchGeluTanhGrad",
  outputShapes: (s) => [s.z],
  compute({ dy, z, s }, [dz]) {
    for (let i = 0; i < z.length; i++) {
      const v = z[i], sg = s[i];
      dz[i] = dy[i] * (sg + v * sg * (1 - sg) * K2 * (1 + 3 * C3 * v * v));
    }
  },
};

/** tanh-GELU as one dispatch: the argument on the host, then the backend's Sigmoid and Multiply. */
const GELU_KERNEL: CompositeKernel = {
  name: "AntbenchGeluTanh",
  run: (b, { z }) => {
    const u = b.call(geluArgKernel.name, { z });
    const s = b.call("Sigmoid", { x: u });
    const y = b.call("Multiply", { a: z, b: s });
    b.release(u);
    return [y, s];
  },
  gradient: {
    inputsToSave: ["z"],
    outputsToSave: [false, true],
    gradFunc: (dy, saved) => {
      const [z, s] = saved;
      const d = Array.isArray(dy) ? dy[0] : dy;
      return { z: () => runHostKernel(geluGradKernel.name, { dy: d, z, s })[0] };
    },
  },
};

/**
 * qkv [B·N, 3D] (columns: q | k | v, each head-major (head, d), timm's `qkv.reshape(B, N, 3, H, d)`) →
 * q · scale, k, v as [B·H, N, d] each.
 */
const qkvKernel: HostKernel = {
  name: "AntbenchQkvHeads",
  outputShapes: (s, a) => {
    const b = a.batch as number, h = a.heads as number, n = s.qkv[0] / b, d = s.qkv[1] / (3 * h);
    return [[b * h, n, d], [b * h, n, d], [b * h, n, d]];
  },
  compute({ qkv }, outs, shapes, attrs) {
    const B = attrs.batch as number, H = attrs.heads as number, scale = attrs.scale as number;
    const N = shapes.qkv[0] / B, D3 = shapes.qkv[1], D = D3 / 3, d = D / H;
    for (let b = 0; b < B; b++) {
      for (let n = 0; n < N; n++) {
        const row = (b * N + n) * D3;
        for (let w = 0; w < 3; w++) {
          const o = outs[w], f = w === 0 ? scale : 1;
          for (let h = 0; h < H; h++) {
            const src = row + w * D + h * d, dst = ((b * H + h) * N + n) * d;
            for (let j = 0; j < d; j++) o[dst + j] = f * qkv[src + j];
          }
        }
      }
    }
  },
  gradient: {
    gradFunc: (dy, _saved, attrs) => {
      const [dq, dk, dv] = dy as tf.Tensor[];
      return {
        qkv: () => runHostKernel("AntbenchQkvHeadsGrad", { dq, dk, dv }, attrs as tf.NamedAttrMap)[0],
      };
    },
  },
};

/** The inverse layout change (and the q scale) for the gradient: dq, dk, dv [B·H, N, d] → dqkv [B·N, 3D]. */
const qkvGradKernel: HostKernel = {
  name: "AntbenchQkvHeadsGrad",
  outputShapes: (s, a) => [[(a.batch as number) * s.dq[1], 3 * (a.heads as number) * s.dq[2]]],
  compute({ dq, dk, dv }, [g], shapes, attrs) {
    const B = attrs.batch as number, H = attrs.heads as number, scale = attrs.scale as number;
    const [, N, d] = shapes.dq, D = H * d, D3 = 3 * D;
    const ins = [dq, dk, dv];
    for (let b = 0; b < B; b++) {
      for (let n = 0; n < N; n++) {
        const row = (b * N + n) * D3;
        for (let w = 0; w < 3; w++) {
          const src = ins[w], f = w === 0 ? scale : 1;
          for (let h = 0; h < H; h++) {
            const o = row + w * D + h * d, s = ((b * H + h) * N + n) * d;
            for (let j = 0; j < d; j++) g[o + j] = f * src[s + j];
          }
        }
      }
    }
  },
};

const HOST: HostKernel[] = [
  lnModKernel,
  lnModGradKernel,
  gateKernel,
  gateGradKernel,
  geluArgKernel,
  geluGradKernel,
  qkvKernel,
  qkvGradKernel,
];

function checkMod(x: tf.Tensor, mod: tf.Tensor, chunks: number[]): void {
  const D = x.shape[1] as number;
  const K = (mod.shape[1] as number) / D;
  if (
    x.rank !== 2 || mod.rank !== 2 || !Number.isInteger(K) || x.shape[0] % mod.shape[0] !== 0 ||
    chunks.some((c) => !(Number.isInteger(c) && c >= 0 && c < K))
  ) {
    throw new RangeError(
      `adaln: tokens [${x.shape}] and modulation [${mod.shape}] (chunks ${chunks}) do not fit: expected ` +
        `[B·N, D] and [B, K·D] with chunk indices < K`,
    );
  }
}

/** Chunk `j` of mod [B, K·D] repeated over the N tokens of each sample: [B·N, D] (tfjs ops). */
function chunkPerToken(mod: tf.Tensor, j: number, D: number, rows: number): tf.Tensor {
  const B = mod.shape[0] as number, n = rows / B;
  const c = tf.slice(mod, [0, j * D], [B, D]);
  return tf.reshape(tf.tile(tf.reshape(c, [B, 1, D]), [1, n, 1]), [rows, D]);
}

/** {@link layerNormModulate} as tfjs ops. */
export function layerNormModulateOps(
  x: tf.Tensor2D,
  mod: tf.Tensor2D,
  shift: number,
  scale: number,
  eps = DIT_LN_EPS,
): tf.Tensor2D {
  checkMod(x, mod, [shift, scale]);
  return tf.tidy(() => {
    const [R, D] = x.shape;
    const { mean, variance } = tf.moments(x, 1, true);
    const xh = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps)));
    const s = chunkPerToken(mod, scale, D, R), h = chunkPerToken(mod, shift, D, R);
    return tf.add(tf.mul(xh, tf.add(s, 1)), h) as tf.Tensor2D;
  });
}

/**
 * LN(x) · (1 + mod[:, scale chunk]) + mod[:, shift chunk] for tokens x [B·N, D] and mod [B, K·D] (see the
 * module doc).
 */
export function layerNormModulate(
  x: tf.Tensor2D,
  mod: tf.Tensor2D,
  shift: number,
  scale: number,
  eps = DIT_LN_EPS,
): tf.Tensor2D {
  checkMod(x, mod, [shift, scale]);
  if (!ensureHostKernels(HOST)) return layerNormModulateOps(x, mod, shift, scale, eps);
  const attrs = { shift, scale, eps };
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const [xi, mi] = args as tf.Tensor[];
    const [y, stats] = runHostKernel(lnModKernel.name, { x: xi, mod: mi }, attrs);
    save([xi, mi, stats]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sm, st] = saved;
        return runHostKernel(lnModGradKernel.name, { dy, x: sx, stats: st, mod: sm }, attrs);
      },
    };
  });
  return f(x, mod) as tf.Tensor2D;
}

/** {@link gatedResidual} as tfjs ops. */
export function gatedResidualOps(
  x: tf.Tensor2D,
  y: tf.Tensor2D,
  mod: tf.Tensor2D,
  gate: number,
): tf.Tensor2D {
  checkMod(x, mod, [gate]);
  return tf.tidy(() => tf.add(x, tf.mul(chunkPerToken(mod, gate, x.shape[1], x.shape[0]), y)) as tf.Tensor2D);
}

/** x + mod[:, gate chunk] ⊙ y for tokens x, y [B·N, D] and mod [B, K·D]. */
export function gatedResidual(x: tf.Tensor2D, y: tf.Tensor2D, mod: tf.Tensor2D, gate: number): tf.Tensor2D {
  checkMod(x, mod, [gate]);
  if (!tf.util.arraysEqual(x.shape, y.shape)) {
    throw new RangeError(`gatedResidual: x [${x.shape}], y [${y.shape}]`);
  }
  if (!ensureHostKernels(HOST)) return gatedResidualOps(x, y, mod, gate);
  const attrs = { gate };
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const [xi, yi, mi] = args as tf.Tensor[];
    save([yi, mi]);
    return {
      value: runHostKernel(gateKernel.name, { x: xi, y: yi, mod: mi }, attrs)[0],
      gradFunc: (d: tf.Tensor, saved: tf.Tensor[]) => {
        const [dy, dmod] = runHostKernel(gateGradKernel.name, { d, y: saved[0], mod: saved[1] }, attrs);
        return [tf.clone(d), dy, dmod];
      },
    };
  });
  return f(x, y, mod) as tf.Tensor2D;
}

/** tanh-GELU as tfjs ops. */
export function geluTanhOps(z: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const k = Math.sqrt(2 / Math.PI);
    return tf.mul(tf.mul(0.5, z), tf.add(1, tf.tanh(tf.mul(k, tf.add(z, tf.mul(C3, tf.pow(z, 3)))))));
  });
}

/** GELU with the tanh approximation (DiT's MLP activation). */
export function geluTanh(z: tf.Tensor): tf.Tensor {
  if (!ensureHostKernels(HOST)) return geluTanhOps(z);
  ensureCompositeKernels([GELU_KERNEL]);
  const out = tf.engine().runKernel(GELU_KERNEL.name, { z }) as tf.Tensor[];
  out[1].dispose(); // σ(u): kept by the engine for the backward
  return out[0];
}

/** {@link qkvHeads} as tfjs ops. */
export function qkvHeadsOps(qkv: tf.Tensor2D, batch: number, heads: number, scale: number): tf.Tensor3D[] {
  return tf.tidy(() => {
    const [rows, D3] = qkv.shape, n = rows / batch, d = D3 / (3 * heads);
    const t = tf.transpose(tf.reshape(qkv, [batch, n, 3, heads, d]), [2, 0, 3, 1, 4]);
    const [q, k, v] = tf.unstack(tf.reshape(t, [3, batch * heads, n, d]), 0) as tf.Tensor3D[];
    return [tf.mul(q, scale) as tf.Tensor3D, k, v];
  });
}

/**
 * Multi-head q, k, v from one qkv projection [B·N, 3D] (timm's layout): [q · scale, k, v], each
 * [B·H, N, d]. One dispatch each way on host backends (tfjs-wasm's 5-D transpose takes a generic slow
 * path: about 38 ms for the 184k values of a 64-wide DiT block at batch 60).
 */
export function qkvHeads(qkv: tf.Tensor2D, batch: number, heads: number, scale: number): tf.Tensor3D[] {
  const [rows, D3] = qkv.shape;
  if (rows % batch !== 0 || D3 % (3 * heads) !== 0) {
    throw new RangeError(`qkvHeads: qkv [${qkv.shape}] for batch ${batch} and ${heads} heads`);
  }
  if (!ensureHostKernels(HOST)) return qkvHeadsOps(qkv, batch, heads, scale);
  return runHostKernel(qkvKernel.name, { qkv }, { batch, heads, scale }) as tf.Tensor3D[];
}
