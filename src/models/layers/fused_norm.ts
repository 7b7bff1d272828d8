/**
 * GroupNorm + AdaGN scale-shift + SiLU as one fused op, the chain that makes up most kernels of a U-Net
 * step (ADM, Dhariwal & Nichol 2021, App. A: `out_layers = GroupNorm → SiLU → ...` and, with
 * scale-shift norm, `h = norm(h) * (1 + scale) + shift` before the SiLU):
 *
 *   x̂ = (x − μ_{b,g}) · r_{b,g},  r = 1/√(σ²_{b,g} + ε)          (Wu & He 2018, Eq. 1-3; ε = 1e-5)
 *   u = x̂ · γ_c + β_c
 *   z = u · (1 + s_{b,c}) + h_{b,c}                               (only with scale s / shift h)
 *   y = z · σ(z)                                                  (SiLU, optional)
 *
 * with μ, σ² the mean and biased variance of sample b's group g (its C/G channels at every position),
 * NHWC. Closed-form backward, with dz = dy · σ(z)(1 + z(1 − σ(z))) (or dy without SiLU),
 * P_{b,c} = Σ_pos dz and Q_{b,c} = Σ_pos dz · x̂:
 *
 *   ∂h = P,  ∂s = γ Q + β P,  ∂β = Σ_b (1+s) P,  ∂γ = Σ_b (1+s) Q,
 *   ∂x = r · (g − mean_g(g) − x̂ · mean_g(g · x̂)),  g = dz · (1 + s) · γ
 *
 * (mean_g over the group's positions and channels; mean_g(g) = Σ_{c∈g} (1+s)γP / (N·C/G), likewise with
 * Q). On host-memory backends (wasm, cpu) forward and backward are one dispatch each: host loops over x
 * with float64 accumulators (the forward's SiLU runs as the backend's vectorised Sigmoid and Multiply inside
 * the same dispatch; the backward recovers σ(z) = y / z without an exponential); elsewhere (webgpu) the op
 * is the composite of tfjs ops it replaces.
 * Both are checked against autodiff of the plain formula in the tests, and the U-Net against PyTorch by the
 * parity test.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { NamedAttrMap } from "@tensorflow/tfjs-core";
import { ensureHostKernels, type HostKernel, runHostKernel } from "../../runtime/host_kernels.ts";
import { type CompositeKernel, ensureCompositeKernels } from "../../runtime/composite_kernels.ts";
import { groupNorm, silu } from "./group_norm.ts";
import { addSegmentGradient, segmentIndex } from "./segments.ts";

/** Options of {@link groupNormAct}. */
export interface GroupNormActOptions {
  /** AdaGN scale s [B, C] (with `shift`): z = u · (1 + s) + shift. */
  scale?: tf.Tensor2D;
  /** AdaGN shift [B, C] (with `scale`). */
  shift?: tf.Tensor2D;
  /** Apply SiLU to the result (default true). */
  silu?: boolean;
  /** Variance ε (default 1e-5, PyTorch's and ADM's). */
  eps?: number;
}

interface Geometry {
  b: number;
  n: number;
  c: number;
  groups: number;
}

function geometry(shapes: Record<string, number[]>, attrs: NamedAttrMap): Geometry {
  const [b, h, w, c] = shapes.x;
  return { b, n: h * w, c, groups: attrs.groups as number };
}

/**
 * Per-channel statistics of sample `bi` from its per-group (μ, r): mu[c], r[c], and the affine
 * coefficients z = x · A[c] + B[c].
 */
function coefficients(
  bi: number,
  g: Geometry,
  inp: Record<string, Float32Array>,
  stats: Float32Array,
  mu: Float64Array,
  r: Float64Array,
  A: Float64Array,
  B: Float64Array,
): void {
  const { gamma, beta, scale, shift } = inp;
  const cg = g.c / g.groups;
  for (let ch = 0; ch < g.c; ch++) {
    const gi = bi * g.groups + Math.floor(ch / cg);
    mu[ch] = stats[2 * gi];
    r[ch] = stats[2 * gi + 1];
    const s1 = scale ? 1 + scale[bi * g.c + ch] : 1;
    const sh = shift ? shift[bi * g.c + ch] : 0;
    A[ch] = r[ch] * gamma[ch] * s1;
    B[ch] = (beta[ch] - mu[ch] * r[ch] * gamma[ch]) * s1 + sh;
  }
}

/** Forward kernel: outputs y [B, H, W, C] and stats [B, G, 2] = (μ, r) per sample and group. */
const forwardKernel: HostKernel = {
  name: "AntbenchGroupNormAct",
  outputShapes: (shapes, attrs) => [shapes.x, [shapes.x[0], attrs.groups as number, 2]],
  compute(inp, [y, stats], shapes, attrs) {
    const g = geometry(shapes, attrs);
    const x = inp.x;
    const act = attrs.silu as boolean, eps = attrs.eps as number;
    const { n, c, groups } = g, cg = c / groups, count = n * cg;
    const s1 = new Float64Array(c), s2 = new Float64Array(c);
    const mu = new Float64Array(c), r = new Float64Array(c), A = new Float64Array(c), B = new Float64Array(c);
    for (let bi = 0; bi < g.b; bi++) {
      const base = bi * n * c, end = base + n * c;
      s1.fill(0);
      for (let o = base; o < end; o += c) for (let ch = 0; ch < c; ch++) s1[ch] += x[o + ch];
      for (let gi = 0; gi < groups; gi++) {
        let m = 0;
        for (let ch = gi * cg; ch < (gi + 1) * cg; ch++) m += s1[ch];
        m /= count;
        for (let ch = gi * cg; ch < (gi + 1) * cg; ch++) mu[ch] = m;
      }
      // Centred second pass (the variance of a shifted group loses nothing to cancellation).
      s2.fill(0);
      for (let o = base; o < end; o += c) {
        for (let ch = 0; ch < c; ch++) {
          const d = x[o + ch] - mu[ch];
          s2[ch] += d * d;
        }
      }
      for (let gi = 0; gi < groups; gi++) {
        let v = 0;
        for (let ch = gi * cg; ch < (gi + 1) * cg; ch++) v += s2[ch];
        stats[2 * (bi * groups + gi)] = mu[gi * cg];
        stats[2 * (bi * groups + gi) + 1] = 1 / Math.sqrt(v / count + eps);
      }
      coefficients(bi, g, inp, stats, mu, r, A, B);
      if (act) {
        for (let o = base; o < end; o += c) {
          for (let ch = 0; ch < c; ch++) {
            const z = x[o + ch] * A[ch] + B[ch];
            y[o + ch] = z / (1 + Math.exp(-z));
          }
        }
      } else {
        for (let o = base; o < end; o += c) {
          for (let ch = 0; ch < c; ch++) y[o + ch] = x[o + ch] * A[ch] + B[ch];
        }
      }
    }
  },
};

/**
 * Backward kernel: outputs dx, dgamma, dbeta and, with scale-shift, dscale [B, C], dshift [B, C]. With
 * SiLU it also takes the forward output y and recovers σ(z) = y / z (no exponential; a series near z = 0).
 */
const backwardKernel: HostKernel = {
  name: "AntbenchGroupNormActGrad",
  outputShapes: (shapes, attrs) => {
    const [b, , , c] = shapes.x;
    // Segmented pass (src/models/layers/segments.ts): ∂γ, ∂β per segment of samples, [m, C].
    const bounds = attrs.bounds as number[] | undefined;
    const pc = bounds ? [bounds.length - 1, c] : [c];
    const out = [shapes.x, pc, pc];
    if (shapes.scale) out.push([b, c], [b, c]);
    return out;
  },
  compute(inp, outs, shapes, attrs) {
    const g = geometry(shapes, attrs);
    const { dy, x, gamma, beta, scale, stats, y } = inp;
    const [dx, dgamma, dbeta, dscale, dshift] = outs;
    const act = attrs.silu as boolean;
    const { n, c, groups } = g, cg = c / groups, count = n * cg;
    const mu = new Float64Array(c), r = new Float64Array(c), A = new Float64Array(c), B = new Float64Array(c);
    const P = new Float64Array(c), Q = new Float64Array(c), G = new Float64Array(c);
    const m1 = new Float64Array(c), m2 = new Float64Array(c);
    const bounds = (attrs.bounds as number[] | undefined) ?? [0, g.b];
    if (bounds[0] !== 0 || bounds[bounds.length - 1] !== g.b) {
      throw new RangeError(`${this.name}: segments must cover the ${g.b} samples, got [${bounds}]`);
    }
    const dG = new Float64Array(dgamma.length), dB = new Float64Array(dbeta.length);
    let seg = 0;
    for (let bi = 0; bi < g.b; bi++) {
      while (bi >= bounds[seg + 1]) seg++;
      const base = bi * n * c, end = base + n * c;
      coefficients(bi, g, inp, stats, mu, r, A, B);
      P.fill(0);
      Q.fill(0);
      // Pass 1: dz (kept in dx for pass 2) and the per-channel sums P = Σ dz, Q = Σ dz · x̂.
      for (let o = base; o < end; o += c) {
        for (let ch = 0; ch < c; ch++) {
          const xv = x[o + ch];
          let dz = dy[o + ch];
          if (act) {
            const z = xv * A[ch] + B[ch];
            // σ(z) = y / z; |z| < 1e-3: σ(z) = 1/2 + z/4 − z³/48 + O(z⁵).
            const sg = z > 1e-3 || z < -1e-3 ? y[o + ch] / z : 0.5 + z * (0.25 - (z * z) / 48);
            dz *= sg * (1 + z * (1 - sg));
          }
          dx[o + ch] = dz;
          P[ch] += dz;
          Q[ch] += dz * (xv - mu[ch]) * r[ch];
        }
      }
      for (let ch = 0; ch < c; ch++) {
        const s1 = scale ? 1 + scale[bi * c + ch] : 1;
        if (scale) {
          dshift[bi * c + ch] = P[ch];
          dscale[bi * c + ch] = gamma[ch] * Q[ch] + beta[ch] * P[ch];
        }
        dB[seg * c + ch] += s1 * P[ch];
        dG[seg * c + ch] += s1 * Q[ch];
        G[ch] = s1 * gamma[ch]; // g = dz · G[ch]
      }
      for (let gi = 0; gi < groups; gi++) {
        let a = 0, q = 0;
        for (let ch = gi * cg; ch < (gi + 1) * cg; ch++) {
          a += G[ch] * P[ch];
          q += G[ch] * Q[ch];
        }
        for (let ch = gi * cg; ch < (gi + 1) * cg; ch++) {
          m1[ch] = a / count;
          m2[ch] = q / count;
        }
      }
      // Pass 2: dx = r · (g − mean(g) − x̂ · mean(g x̂)).
      for (let o = base; o < end; o += c) {
        for (let ch = 0; ch < c; ch++) {
          const xh = (x[o + ch] - mu[ch]) * r[ch];
          dx[o + ch] = r[ch] * (dx[o + ch] * G[ch] - m1[ch] - xh * m2[ch]);
        }
      }
    }
    dgamma.set(dG);
    dbeta.set(dB);
  },
};

/**
 * Forward with SiLU as one dispatch: the host kernel's GroupNorm + scale-shift (z, and the statistics),
 * then the backend's own Sigmoid and Multiply on z (vectorised on wasm; an exponential per element is the
 * costliest part of a host loop).
 */
const SILU_KERNEL: CompositeKernel = {
  name: "AntbenchGroupNormActSilu",
  run: (b, inputs, attrs) => {
    const [z, stats] = b.callAll(forwardKernel.name, inputs, { ...attrs, silu: false });
    const sg = b.call("Sigmoid", { x: z });
    const y = b.call("Multiply", { a: z, b: sg });
    b.release(z, sg);
    return [y, stats];
  },
  gradient: { gradFunc: () => ({}) }, // differentiated through groupNormAct's custom gradient
};

/** The host kernels of this module (registered lazily for the active backend). */
export const GROUP_NORM_KERNELS: readonly HostKernel[] = [forwardKernel, backwardKernel];

function checkArgs(x: tf.Tensor4D, gamma: tf.Tensor, groups: number, o: GroupNormActOptions): void {
  const [b, , , c] = x.shape;
  if (!(Number.isInteger(groups) && groups >= 1 && c % groups === 0)) {
    throw new RangeError(`groupNormAct: ${c} channels are not divisible into ${groups} groups`);
  }
  if (gamma.size !== c) {
    throw new RangeError(`groupNormAct: gamma has ${gamma.size} entries for ${c} channels`);
  }
  if ((o.scale === undefined) !== (o.shift === undefined)) {
    throw new RangeError("groupNormAct: scale and shift go together (AdaGN)");
  }
  for (const t of [o.scale, o.shift]) {
    if (t && (t.rank !== 2 || t.shape[0] !== b || t.shape[1] !== c)) {
      throw new RangeError(`groupNormAct: scale/shift must be [${b}, ${c}], got [${t.shape.join(", ")}]`);
    }
  }
}

/** The composite formulation (tfjs ops; webgpu, and the reference of the tests). */
export function groupNormActComposite(
  x: tf.Tensor4D,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  groups: number,
  o: GroupNormActOptions = {},
): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, , , c] = x.shape;
    let h = groupNorm(x, gamma, beta, groups, o.eps ?? 1e-5);
    if (o.scale && o.shift) {
      const s = tf.reshape(o.scale, [b, 1, 1, c]), sh = tf.reshape(o.shift, [b, 1, 1, c]);
      h = tf.add(tf.mul(h, tf.add(s, 1)), sh);
    }
    return o.silu === false ? h : silu(h);
  });
}

/**
 * SiLU(GroupNorm(x) · (1 + scale) + shift) for x [B, H, W, C] (see the module doc); `scale`/`shift` and
 * the SiLU are optional. One kernel forward and one backward on wasm/cpu.
 */
export function groupNormAct(
  x: tf.Tensor4D,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  groups: number,
  o: GroupNormActOptions = {},
): tf.Tensor4D {
  checkArgs(x, gamma, groups, o);
  if (!ensureHostKernels(GROUP_NORM_KERNELS)) return groupNormActComposite(x, gamma, beta, groups, o);
  ensureCompositeKernels([SILU_KERNEL]);
  const attrs = { groups, eps: o.eps ?? 1e-5, silu: o.silu !== false };
  const adaptive = o.scale !== undefined;
  // In a segmented pass, γ and β get per-segment gradients (src/models/layers/segments.ts).
  const segGamma = segmentIndex(gamma), segBeta = segmentIndex(beta);
  const bounds = (segGamma ?? segBeta)?.pass.bounds;
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const [xi, gi, bi, si, hi] = args as tf.Tensor[];
    const inputs: Record<string, tf.Tensor> = { x: xi, gamma: gi, beta: bi };
    if (adaptive) Object.assign(inputs, { scale: si, shift: hi });
    const [y, stats] = runHostKernel(attrs.silu ? SILU_KERNEL.name : forwardKernel.name, inputs, attrs);
    save([...Object.values(inputs), stats, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const names = adaptive ? ["x", "gamma", "beta", "scale", "shift"] : ["x", "gamma", "beta"];
        const ins: Record<string, tf.Tensor> = { dy };
        names.forEach((nm, i) => (ins[nm] = saved[i]));
        ins.stats = saved[names.length];
        if (attrs.silu) ins.y = saved[names.length + 1];
        const grads = runHostKernel(
          backwardKernel.name,
          ins,
          bounds ? { ...attrs, bounds: [...bounds] } : attrs,
        );
        if (bounds) {
          const c = x.shape[3];
          grads[1] = segGamma ? addSegmentGradient(segGamma, grads[1], [c]) : tf.sum(grads[1], 0);
          grads[2] = segBeta ? addSegmentGradient(segBeta, grads[2], [c]) : tf.sum(grads[2], 0);
        }
        return grads;
      },
    };
  });
  const args = adaptive ? [x, gamma, beta, o.scale!, o.shift!] : [x, gamma, beta];
  return f(...args) as tf.Tensor4D;
}
