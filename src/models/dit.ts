/**
 * DiT denoiser: a Transformer over image patches with adaLN-Zero conditioning (Peebles & Xie 2023,
 * "Scalable Diffusion Models with Transformers", §3.2; facebookresearch/DiT `models.py`, the backbone of
 * ANT's official code), unconditional, NHWC, plain `tf.Variable`s and the fused layers of
 * src/models/layers/ (dense, adaln).
 *
 * With D = hidden, p = patch, N = (H/p)(W/p) tokens, C = data channels (C_out = 2C with learnSigma):
 * - patchify: x [B, H, W, C] → tokens [B·N, p·p·C] (row-major patches, each flattened (row, col, channel))
 *   → Linear(p²C, D) (DiT's stride-p conv `PatchEmbed`) + the fixed 2-D sin-cos position embedding
 *   (MAE's `get_2d_sincos_pos_embed`: half of D encodes the patch column, half its row, each
 *   [sin(pos ω_k), cos(pos ω_k)], ω_k = 10000^(−k/(D/4)); not trained);
 * - c = Linear(D, D)(SiLU(Linear(F, D)(emb_F(t)))), emb_F the sinusoidal embedding of width F = 256
 *   (DiT's `TimestepEmbedder`; no class label: antbench's data are unconditional);
 * - depth × block: [shift₁, scale₁, gate₁, shift₂, scale₂, gate₂] = Linear(D, 6D)(SiLU(c));
 *   x ← x + gate₁ · Attn(LN(x)(1 + scale₁) + shift₁); x ← x + gate₂ · MLP(LN(x)(1 + scale₂) + shift₂),
 *   LN without affine parameters (ε = 1e-6), Attn = multi-head softmax(QKᵀ/√d)V with one qkv Linear(D, 3D)
 *   and an output Linear(D, D) (timm's `Attention`), MLP = Linear(D, rD) → GELU(tanh) → Linear(rD, D);
 * - final layer: [shift, scale] = Linear(D, 2D)(SiLU(c)); Linear(D, p²C_out)(LN(x)(1 + scale) + shift)
 *   → unpatchify to [B, H, W, C_out] (each token's outputs (row, col, channel), DiT's
 *   `einsum('nhwpqc->nchpwq')`); with learnSigma the channels are [ε̂, v] (src/diffusion/learned_variance.ts).
 *
 * Initialisation (DiT's `initialize_weights`): every Linear Xavier-uniform with zero bias (the qkv weight as
 * one [D, 3D] matrix; the patch embedding over fan-in p²C); the timestep MLP's weights N(0, 0.02²);
 * adaLN-Zero: every modulation Linear, and the final Linear, zero. So a fresh DiT outputs 0 and every block
 * starts as the identity.
 *
 * Differences from DiT, all deliberate: no class embedding or classifier-free guidance; the sinusoidal
 * timestep embedding is [sin, cos] (DiT: [cos, sin]; a permutation of the first Linear's inputs);
 * non-square grids are allowed (the same formula over (row, col)). Parameter order is construction order
 * (`paramNames`).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Denoiser, ModelBuildContext, ModelFactory } from "./denoiser.ts";
import { timestepEmbedding } from "./time_embedding.ts";
import { glorotUniform } from "./init.ts";
import { dense } from "./layers/linear.ts";
import { gatedResidual, geluTanh, layerNormModulate, qkvHeads } from "./layers/adaln.ts";
import { Rng } from "../runtime/rng.ts";
import { ditFootprint } from "./dit_footprint.ts";
import { badValue, throwIfProblems, unknownOptionProblems } from "../runtime/errors.ts";

/** Options of the DiT. */
export interface DitOptions {
  /** Patch size p (the image sides must be multiples of it). */
  patch: number;
  /** Token width D (a multiple of 4 and of `heads`). */
  hidden: number;
  /** Number of DiT blocks. */
  depth: number;
  /** Attention heads. */
  heads: number;
  /** MLP width as a multiple of D (rD must be an integer). */
  mlpRatio: number;
  /** Learned variances: [ε̂, v] out (DiT's learn_sigma, default true as DiT's). */
  learnSigma: boolean;
  /** Width F of the sinusoidal timestep embedding (DiT: 256). */
  freqDim: number;
  [key: string]: unknown;
}

/** Defaults: a small DiT for 8x8 images (patch 2: 16 tokens), about 0.2M parameters at depth 4. */
const DEFAULTS: DitOptions = {
  patch: 2,
  hidden: 64,
  depth: 4,
  heads: 4,
  mlpRatio: 4,
  learnSigma: true,
  freqDim: 256,
};

interface Lin {
  w: tf.Variable;
  b: tf.Variable;
}

interface BlockParams {
  ada: Lin;
  qkv: Lin;
  proj: Lin;
  fc1: Lin;
  fc2: Lin;
}

/**
 * The fixed 2-D sin-cos position embedding [gh·gw, D] for a gh × gw grid, tokens in row-major order:
 * [emb_{D/2}(col), emb_{D/2}(row)] with emb_M(pos) = [sin(pos ω_k), cos(pos ω_k)], ω_k = 10000^(−2k/M)
 * (MAE/DiT `get_2d_sincos_pos_embed`, where the meshgrid's first plane is the column index). float64, then
 * rounded to float32.
 */
export function sincosPositionEmbedding(D: number, gh: number, gw: number): Float32Array {
  if (D % 4 !== 0) throw new RangeError(`position embedding: width ${D} is not a multiple of 4`);
  const quarter = D / 4;
  const out = new Float32Array(gh * gw * D);
  for (let i = 0; i < gh; i++) {
    for (let j = 0; j < gw; j++) {
      const o = (i * gw + j) * D;
      for (let k = 0; k < quarter; k++) {
        const omega = 1 / Math.pow(10000, k / quarter);
        out[o + k] = Math.sin(j * omega);
        out[o + quarter + k] = Math.cos(j * omega);
        out[o + 2 * quarter + k] = Math.sin(i * omega);
        out[o + 3 * quarter + k] = Math.cos(i * omega);
      }
    }
  }
  return out;
}

/** Check the options against the data shape; returns problems naming the option. */
export function validateDitForShape(o: DitOptions, dataShape: readonly number[]): string[] {
  if (dataShape.length !== 3) {
    return [`dit: data must be images [H, W, C]; got shape [${dataShape.join(", ")}]`];
  }
  const [h, w] = dataShape;
  if (h % o.patch !== 0 || w % o.patch !== 0) {
    return [badValue("patch", o.patch, `a divisor of the image sides ${h} and ${w}`)];
  }
  return [];
}

/** The DiT denoiser. */
export class Dit implements Denoiser {
  readonly id = "dit";
  readonly dataShape: readonly number[];
  readonly learnSigma: boolean;
  readonly variables: readonly tf.Variable[];
  /** Names of `variables`, in the same order. */
  readonly paramNames: readonly string[];
  readonly #o: DitOptions;
  readonly #patchEmbed: Lin;
  readonly #pos: tf.Tensor2D;
  readonly #temb: [Lin, Lin];
  readonly #blocks: BlockParams[] = [];
  readonly #finalAda: Lin;
  readonly #final: Lin;

  constructor(o: DitOptions, ctx: ModelBuildContext) {
    throwIfProblems("dit options", [...ditFactory.validate(o), ...validateDitForShape(o, ctx.dataShape)]);
    this.#o = o;
    this.dataShape = [...ctx.dataShape];
    this.learnSigma = o.learnSigma;
    const [h, w, c] = ctx.dataShape;
    const { patch: p, hidden: D } = o;
    const cOut = o.learnSigma ? 2 * c : c, hiddenMlp = D * o.mlpRatio;
    const rng = new Rng(ctx.initSeed);
    const vars: tf.Variable[] = [], names: string[] = [];
    const add = (name: string, shape: number[], data: Float32Array) => {
      const v = tf.variable(tf.tensor(data, shape, "float32"), true);
      vars.push(v);
      names.push(name);
      return v;
    };
    const zeros = (n: number) => new Float32Array(n);
    const xavier = (name: string, i: number, out: number): Lin => ({
      w: add(`${name}.w`, [i, out], glorotUniform(rng, i * out, i, out)),
      b: add(`${name}.b`, [out], zeros(out)),
    });
    const zero = (name: string, i: number, out: number): Lin => ({
      w: add(`${name}.w`, [i, out], zeros(i * out)),
      b: add(`${name}.b`, [out], zeros(out)),
    });
    const normal = (name: string, i: number, out: number): Lin => ({
      w: add(`${name}.w`, [i, out], rng.normalArray(i * out, 0, 0.02)),
      b: add(`${name}.b`, [out], zeros(out)),
    });
    this.#patchEmbed = xavier("x_embedder", p * p * c, D);
    this.#temb = [normal("t_embedder.mlp0", o.freqDim, D), normal("t_embedder.mlp2", D, D)];
    for (let i = 0; i < o.depth; i++) {
      this.#blocks.push({
        ada: zero(`blocks.${i}.adaLN`, D, 6 * D),
        qkv: xavier(`blocks.${i}.attn.qkv`, D, 3 * D),
        proj: xavier(`blocks.${i}.attn.proj`, D, D),
        fc1: xavier(`blocks.${i}.mlp.fc1`, D, hiddenMlp),
        fc2: xavier(`blocks.${i}.mlp.fc2`, hiddenMlp, D),
      });
    }
    this.#finalAda = zero("final.adaLN", D, 2 * D);
    this.#final = zero("final.linear", D, p * p * cOut);
    this.variables = vars;
    this.paramNames = names;
    this.#pos = tf.tensor2d(sincosPositionEmbedding(D, h / p, w / p), [(h / p) * (w / p), D], "float32");
  }

  /** x [B, H, W, C] → [B·N, p²C]. */
  #patchify(x: tf.Tensor4D): tf.Tensor2D {
    const [b, h, w, c] = x.shape, p = this.#o.patch;
    const t = tf.transpose(tf.reshape(x, [b, h / p, p, w / p, p, c]), [0, 1, 3, 2, 4, 5]);
    return tf.reshape(t, [b * (h / p) * (w / p), p * p * c]);
  }

  /** [B·N, p²C_out] → [B, H, W, C_out]. */
  #unpatchify(y: tf.Tensor2D, b: number): tf.Tensor4D {
    const [h, w] = this.dataShape, p = this.#o.patch, c = y.shape[1] / (p * p);
    const t = tf.transpose(tf.reshape(y, [b, h / p, w / p, p, p, c]), [0, 1, 3, 2, 4, 5]);
    return tf.reshape(t, [b, h, w, c]);
  }

  #attention(x: tf.Tensor2D, blk: BlockParams, b: number, n: number): tf.Tensor2D {
    const D = this.#o.hidden, H = this.#o.heads, d = D / H;
    // [B·N, 3D], columns (q|k|v, head, d) → q/√d, k, v as [B·H, N, d].
    const [q, k, v] = qkvHeads(dense(x, blk.qkv.w, blk.qkv.b), b, H, 1 / Math.sqrt(d));
    const att = tf.softmax(tf.matMul(q, k, false, true));
    const o = tf.reshape(tf.transpose(tf.reshape(tf.matMul(att, v), [b, H, n, d]), [0, 2, 1, 3]), [b * n, D]);
    return dense(o as tf.Tensor2D, blk.proj.w, blk.proj.b);
  }

  apply(x: tf.Tensor, t: tf.Tensor1D): tf.Tensor {
    return tf.tidy(() => {
      const b = x.shape[0], n = this.#pos.shape[0];
      const tokens = dense(this.#patchify(x as tf.Tensor4D), this.#patchEmbed.w, this.#patchEmbed.b);
      let h = tf.reshape(tf.add(tf.reshape(tokens, [b, n, -1]), this.#pos), [
        b * n,
        this.#o.hidden,
      ]) as tf.Tensor2D;
      // SiLU(c) is the input of every adaLN modulation (c is used nowhere else without class labels).
      const emb = timestepEmbedding(t, this.#o.freqDim);
      const siluC = dense(
        dense(emb, this.#temb[0].w, this.#temb[0].b, "silu"),
        this.#temb[1].w,
        this.#temb[1].b,
        "silu",
      );
      for (const blk of this.#blocks) {
        const mod = dense(siluC, blk.ada.w, blk.ada.b); // [B, 6D]
        h = gatedResidual(h, this.#attention(layerNormModulate(h, mod, 0, 1), blk, b, n), mod, 2);
        const m = dense(
          geluTanh(dense(layerNormModulate(h, mod, 3, 4), blk.fc1.w, blk.fc1.b)) as tf.Tensor2D,
          blk.fc2.w,
          blk.fc2.b,
        );
        h = gatedResidual(h, m, mod, 5);
      }
      const fmod = dense(siluC, this.#finalAda.w, this.#finalAda.b); // [B, 2D]: shift, scale
      return this.#unpatchify(dense(layerNormModulate(h, fmod, 0, 1), this.#final.w, this.#final.b), b);
    });
  }

  paramCount(): number {
    return this.variables.reduce((s, v) => s + v.size, 0);
  }

  dispose(): void {
    for (const v of this.variables) v.dispose();
    this.#pos.dispose();
  }
}

function intIn(problems: string[], o: Record<string, unknown>, key: string, lo: number, hi: number): void {
  const x = o[key];
  if (!(typeof x === "number" && Number.isInteger(x) && x >= lo && x <= hi)) {
    problems.push(badValue(key, x, `an integer in [${lo}, ${hi}]`));
  }
}

/** The "dit" model factory. */
export const ditFactory: ModelFactory<DitOptions> = {
  id: "dit",
  description: "DiT (patchify, 2-D sin-cos positions, adaLN-Zero Transformer blocks, learned-sigma output)",
  defaults: DEFAULTS,
  validate(o) {
    const problems = unknownOptionProblems(o, DEFAULTS);
    intIn(problems, o, "patch", 1, 64);
    intIn(problems, o, "hidden", 4, 4096);
    intIn(problems, o, "depth", 1, 64);
    intIn(problems, o, "heads", 1, 64);
    intIn(problems, o, "freqDim", 2, 4096);
    if (typeof o.learnSigma !== "boolean") {
      problems.push(badValue("learnSigma", o.learnSigma, "true | false"));
    }
    const r = o.mlpRatio;
    if (!(typeof r === "number" && r > 0 && r <= 16)) {
      problems.push(badValue("mlpRatio", r, "a number in (0, 16]"));
    }
    if (problems.length > 0) return problems;
    const D = o.hidden as number;
    if (D % 4 !== 0) {
      problems.push(badValue("hidden", D, "a multiple of 4 (the 2-D sin-cos position embedding)"));
    }
    if (D % (o.heads as number) !== 0) {
      problems.push(badValue("heads", o.heads, `a divisor of hidden = ${D}`));
    }
    if (!Number.isInteger(D * (r as number))) {
      problems.push(badValue("mlpRatio", r, `a ratio with hidden · mlpRatio an integer (hidden = ${D})`));
    }
    if ((o.freqDim as number) % 2 !== 0) problems.push(badValue("freqDim", o.freqDim, "an even number"));
    return problems;
  },
  build(options, ctx) {
    return new Dit(options, ctx);
  },
  footprint(options, dataShape) {
    return ditFootprint(options, dataShape);
  },
};
