/**
 * U-Net denoiser in the style of ADM (Dhariwal & Nichol 2021, "Diffusion Models Beat GANs", §3 and App. A;
 * built on the DDPM U-Net of Ho et al. 2020, App. B), scaled down for CPU-sized images. NHWC, plain
 * `tf.Variable`s and functional ops (no tfjs-layers), weights generated in JavaScript from the "init" stream.
 *
 * Architecture (C = channels, m_l = channelMult[l], E = timeEmbedMult · C):
 * - time embedding: sinusoidal(t, C) → Linear(C, E) → SiLU → Linear(E, E) (src/models/time_embedding.ts);
 * - input: Conv3x3(data channels → C);
 * - down path, level l = 0..L-1: numResBlocks × [ResBlock(→ m_l·C), + Attention if the current resolution is
 *   in attentionResolutions], then (except at the last level) Downsample; every output is kept as a skip;
 * - middle: ResBlock, Attention (if midAttention), ResBlock;
 * - up path, level l = L-1..0: (numResBlocks + 1) × [concat(h, skip) → ResBlock(→ m_l·C), + Attention as
 *   above], then (except at level 0) Upsample;
 * - output: GroupNorm → SiLU → Conv3x3(C → data channels), zero-initialised; with `learnSigma`
 *   Conv3x3(C → 2 · data channels): [ε̂, v] (ADM's learn_sigma output, src/diffusion/learned_variance.ts).
 * ResBlock(x, emb): h = Conv3x3(SiLU(GN(x))); with scaleShiftNorm (ADM's AdaGN),
 * h = GN(h)·(1 + s) + b with [s, b] = Linear(SiLU(emb)), else h = GN(h + Linear(SiLU(emb))); then
 * h = Conv3x3(SiLU(h)) (zero-initialised) and the output is skip(x) + h, skip = identity or Conv1x1 when the
 * channel count changes. Attention: src/models/layers/attention.ts, output projection zero-initialised.
 *
 * Differences from ADM, all deliberate: no dropout (keeps a step a pure function of its inputs); Downsample is
 * AvgPool2x2 followed by Conv3x3 (ADM: a stride-2 Conv3x3; same parameter count, cheaper stride-1 gradient
 * kernels on wasm) or AvgPool alone with `resample: "pool"`; Upsample is nearest ×2 then Conv3x3 (as ADM) or
 * nearest alone; the [s, b] Linear is stored as two [E, C_out] matrices (no split in the graph); no class
 * conditioning. Init: PyTorch's default U(±1/√fan_in) for every conv/linear weight and bias (as ADM, which
 * uses torch defaults), GroupNorm γ = 1, β = 0, and ADM's zero_module layers at zero.
 *
 * Parameter order is construction order (listed in `paramNames`, unique and stable per options).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Denoiser, ModelBuildContext, ModelFactory } from "./denoiser.ts";
import { timestepEmbedding } from "./time_embedding.ts";
import { fanInUniform } from "./init.ts";
import { conv2dSame, dense, type DenseActivation } from "./layers/linear.ts";
import { groupNormAct } from "./layers/fused_norm.ts";
import { avgPool2x, concatChannels, upsample2x } from "./layers/resample.ts";
import { type AttentionParams, selfAttention } from "./layers/attention.ts";
import { Rng } from "../runtime/rng.ts";
import { badValue, throwIfProblems, unknownOptionProblems } from "../runtime/errors.ts";
import { unetFootprint } from "./unet_footprint.ts";

/** Options of the U-Net. */
export interface UnetOptions {
  /** Base channel count C. */
  channels: number;
  /** Channel multiplier per resolution level; the number of levels is its length. */
  channelMult: number[];
  /** Residual blocks per level in the down path (the up path has one more, as ADM). */
  numResBlocks: number;
  /** Resolutions (in pixels, of the feature map height) at which down/up blocks get self-attention. */
  attentionResolutions: number[];
  /** Self-attention in the middle block (at the lowest resolution). */
  midAttention: boolean;
  attentionHeads: number;
  /** GroupNorm groups (every channel count must be divisible by it). */
  groups: number;
  /** ADM's adaptive group norm (scale and shift from the time embedding). */
  scaleShiftNorm: boolean;
  /** "conv": resampling layers have a Conv3x3; "pool": parameter-free avg-pool / nearest. */
  resample: "conv" | "pool";
  /** Time-embedding width as a multiple of `channels`. */
  timeEmbedMult: number;
  /**
   * Learned variances (ADM/iDDPM `learn_sigma`): twice the data's channels out, [ε̂, v]. Optional and absent
   * from the defaults (absent = false), so the options, and the content ids, of ε-only runs made before
   * learned variance are unchanged.
   */
  learnSigma?: boolean;
  [key: string]: unknown;
}

/**
 * Defaults sized for CPU training of 8x8 to 32x32 images (three levels: 8→4→2, 28→14→7, 32→16→8, with
 * attention only in the middle block, where the map is smallest): 287,073 parameters for 1-channel data.
 */
const DEFAULTS: UnetOptions = {
  channels: 16,
  channelMult: [1, 2, 2],
  numResBlocks: 1,
  attentionResolutions: [],
  midAttention: true,
  attentionHeads: 1,
  groups: 4,
  scaleShiftNorm: true,
  resample: "conv",
  timeEmbedMult: 4,
};

interface Conv {
  w: tf.Variable;
  b: tf.Variable;
}

interface ResBlockParams {
  cin: number;
  cout: number;
  norm1: [tf.Variable, tf.Variable];
  conv1: Conv;
  embScale: Conv;
  embShift?: Conv;
  norm2: [tf.Variable, tf.Variable];
  conv2: Conv;
  skip?: Conv;
}

type Block =
  | { kind: "res"; p: ResBlockParams }
  | { kind: "attn"; p: AttentionParams }
  | { kind: "down"; conv?: Conv }
  | { kind: "up"; conv?: Conv };

/** Collects variables in construction order with their names. */
class Params {
  readonly vars: tf.Variable[] = [];
  readonly names: string[] = [];
  constructor(readonly rng: Rng) {}

  add(name: string, shape: number[], init: "fanin" | "zeros" | "ones", fanIn = 1): tf.Variable {
    const size = shape.reduce((a, b) => a * b, 1);
    const data = init === "fanin"
      ? fanInUniform(this.rng, size, fanIn)
      : new Float32Array(size).fill(init === "ones" ? 1 : 0);
    const v = tf.variable(tf.tensor(data, shape, "float32"), true);
    this.vars.push(v);
    this.names.push(name);
    return v;
  }

  conv(name: string, k: number, cin: number, cout: number, zero = false): Conv {
    const fan = k * k * cin;
    return {
      w: this.add(`${name}.w`, [k, k, cin, cout], zero ? "zeros" : "fanin", fan),
      b: this.add(`${name}.b`, [cout], zero ? "zeros" : "fanin", fan),
    };
  }

  linear(name: string, cin: number, cout: number, zero = false): Conv {
    return {
      w: this.add(`${name}.w`, [cin, cout], zero ? "zeros" : "fanin", cin),
      b: this.add(`${name}.b`, [cout], zero ? "zeros" : "fanin", cin),
    };
  }

  norm(name: string, c: number): [tf.Variable, tf.Variable] {
    return [this.add(`${name}.gamma`, [c], "ones"), this.add(`${name}.beta`, [c], "zeros")];
  }
}

/** Conv with bias as one composite kernel (src/models/layers/linear.ts). */
function conv2d(x: tf.Tensor4D, c: Conv): tf.Tensor4D {
  return conv2dSame(x, c.w, c.b);
}

function linear(x: tf.Tensor2D, c: Conv, act: DenseActivation = "linear"): tf.Tensor2D {
  return dense(x, c.w, c.b, act);
}

/** Check the options against the data shape; returns problems naming the option. */
export function validateUnetForShape(o: UnetOptions, dataShape: readonly number[]): string[] {
  const problems: string[] = [];
  if (dataShape.length !== 3) {
    return [`unet: data must be images [H, W, C]; got shape [${dataShape.join(", ")}]`];
  }
  const [h, w] = dataShape;
  const f = 2 ** (o.channelMult.length - 1);
  if (h % f !== 0 || w % f !== 0) {
    problems.push(
      badValue(
        "channelMult",
        o.channelMult,
        `at most ${Math.max(1, Math.floor(Math.log2(gcdPow2(h, w))) + 1)} levels for ${h}x${w} images ` +
          `(each level halves the size, which must stay an integer)`,
      ),
    );
  }
  const resolutions = o.channelMult.map((_, l) => h / 2 ** l);
  for (const r of o.attentionResolutions) {
    if (!resolutions.includes(r)) {
      problems.push(
        badValue(
          "attentionResolutions",
          o.attentionResolutions,
          `resolutions among ${resolutions.join(", ")}`,
        ),
      );
      break;
    }
  }
  return problems;
}

function gcdPow2(h: number, w: number): number {
  let p = 1;
  while (h % (2 * p) === 0 && w % (2 * p) === 0) p *= 2;
  return p;
}

/** The ADM-style U-Net denoiser. */
export class Unet implements Denoiser {
  readonly id = "unet";
  readonly dataShape: readonly number[];
  readonly learnSigma: boolean;
  readonly variables: readonly tf.Variable[];
  /** Names of `variables`, in the same order. */
  readonly paramNames: readonly string[];
  readonly #o: UnetOptions;
  readonly #temb: [Conv, Conv];
  readonly #inConv: Conv;
  readonly #down: Block[][] = [];
  readonly #mid: Block[] = [];
  readonly #up: Block[][] = [];
  readonly #outNorm: [tf.Variable, tf.Variable];
  readonly #outConv: Conv;

  constructor(o: UnetOptions, ctx: ModelBuildContext) {
    throwIfProblems("unet options", [...unetFactory.validate(o), ...validateUnetForShape(o, ctx.dataShape)]);
    this.#o = o;
    this.dataShape = [...ctx.dataShape];
    this.learnSigma = o.learnSigma === true;
    const [h, , cData] = ctx.dataShape;
    const P = new Params(new Rng(ctx.initSeed));
    const C = o.channels, E = o.timeEmbedMult * C;
    this.#temb = [P.linear("time.lin1", C, E), P.linear("time.lin2", E, E)];
    this.#inConv = P.conv("in.conv", 3, cData, C);

    const res = (name: string, cin: number, cout: number): Block => {
      const p: ResBlockParams = {
        cin,
        cout,
        norm1: P.norm(`${name}.norm1`, cin),
        conv1: P.conv(`${name}.conv1`, 3, cin, cout),
        embScale: P.linear(o.scaleShiftNorm ? `${name}.emb_scale` : `${name}.emb`, E, cout),
        embShift: o.scaleShiftNorm ? P.linear(`${name}.emb_shift`, E, cout) : undefined,
        norm2: P.norm(`${name}.norm2`, cout),
        conv2: P.conv(`${name}.conv2`, 3, cout, cout, true),
        skip: cin !== cout ? P.conv(`${name}.skip`, 1, cin, cout) : undefined,
      };
      return { kind: "res", p };
    };
    const attn = (name: string, c: number): Block => {
      const [normGamma, normBeta] = P.norm(`${name}.norm`, c);
      const q = P.linear(`${name}.q`, c, c), k = P.linear(`${name}.k`, c, c), v = P.linear(`${name}.v`, c, c);
      const out = P.linear(`${name}.proj`, c, c, true);
      return {
        kind: "attn",
        p: {
          normGamma,
          normBeta,
          wq: q.w,
          bq: q.b,
          wk: k.w,
          bk: k.b,
          wv: v.w,
          bv: v.b,
          wo: out.w,
          bo: out.b,
        },
      };
    };

    const skips: number[] = [C];
    let cur = C, r = h;
    const L = o.channelMult.length;
    for (let l = 0; l < L; l++) {
      for (let i = 0; i < o.numResBlocks; i++) {
        const blocks = [res(`down${l}.${i}.res`, cur, o.channelMult[l] * C)];
        cur = o.channelMult[l] * C;
        if (o.attentionResolutions.includes(r)) blocks.push(attn(`down${l}.${i}.attn`, cur));
        this.#down.push(blocks);
        skips.push(cur);
      }
      if (l < L - 1) {
        this.#down.push([{
          kind: "down",
          conv: o.resample === "conv" ? P.conv(`down${l}.resample`, 3, cur, cur) : undefined,
        }]);
        skips.push(cur);
        r /= 2;
      }
    }
    this.#mid.push(res("mid.res1", cur, cur));
    if (o.midAttention) this.#mid.push(attn("mid.attn", cur));
    this.#mid.push(res("mid.res2", cur, cur));
    for (let l = L - 1; l >= 0; l--) {
      for (let i = 0; i <= o.numResBlocks; i++) {
        const skip = skips.pop()!;
        const blocks = [res(`up${l}.${i}.res`, cur + skip, o.channelMult[l] * C)];
        cur = o.channelMult[l] * C;
        if (o.attentionResolutions.includes(r)) blocks.push(attn(`up${l}.${i}.attn`, cur));
        if (l > 0 && i === o.numResBlocks) {
          blocks.push({
            kind: "up",
            conv: o.resample === "conv" ? P.conv(`up${l}.resample`, 3, cur, cur) : undefined,
          });
          r *= 2;
        }
        this.#up.push(blocks);
      }
    }
    this.#outNorm = P.norm("out.norm", cur);
    this.#outConv = P.conv("out.conv", 3, cur, this.learnSigma ? 2 * cData : cData, true);
    this.variables = P.vars;
    this.paramNames = P.names;
  }

  #resBlock(x: tf.Tensor4D, p: ResBlockParams, emb: tf.Tensor2D): tf.Tensor4D {
    const g = this.#o.groups;
    const b = x.shape[0];
    let h = conv2d(groupNormAct(x, p.norm1[0], p.norm1[1], g), p.conv1);
    if (p.embShift) {
      // AdaGN + SiLU in one fused op: SiLU(GN(h) · (1 + scale) + shift).
      h = groupNormAct(h, p.norm2[0], p.norm2[1], g, {
        scale: linear(emb, p.embScale),
        shift: linear(emb, p.embShift),
      });
    } else {
      const e = tf.reshape(linear(emb, p.embScale), [b, 1, 1, p.cout]);
      h = groupNormAct(tf.add(h, e), p.norm2[0], p.norm2[1], g);
    }
    h = conv2d(h, p.conv2);
    return tf.add(p.skip ? conv2d(x, p.skip) : x, h);
  }

  #block(x: tf.Tensor4D, blk: Block, emb: tf.Tensor2D): tf.Tensor4D {
    switch (blk.kind) {
      case "res":
        return this.#resBlock(x, blk.p, emb);
      case "attn":
        return selfAttention(x, blk.p, this.#o.attentionHeads, this.#o.groups);
      case "down": {
        const y = avgPool2x(x);
        return blk.conv ? conv2d(y, blk.conv) : y;
      }
      case "up": {
        const y = upsample2x(x);
        return blk.conv ? conv2d(y, blk.conv) : y;
      }
    }
  }

  apply(x: tf.Tensor, t: tf.Tensor1D): tf.Tensor {
    return tf.tidy(() => {
      // The embedding MLP's input is computed once per call; its activation is applied once and shared
      // by every block's projection (ADM: emb_layers = SiLU → Linear).
      const temb = timestepEmbedding(t, this.#o.channels);
      const emb = linear(linear(temb, this.#temb[0], "silu"), this.#temb[1], "silu");
      let h = conv2d(x as tf.Tensor4D, this.#inConv);
      const skips: tf.Tensor4D[] = [h];
      for (const blocks of this.#down) {
        for (const blk of blocks) h = this.#block(h, blk, emb);
        skips.push(h);
      }
      for (const blk of this.#mid) h = this.#block(h, blk, emb);
      for (const blocks of this.#up) {
        h = concatChannels(h, skips.pop()!);
        for (const blk of blocks) h = this.#block(h, blk, emb);
      }
      return conv2d(groupNormAct(h, this.#outNorm[0], this.#outNorm[1], this.#o.groups), this.#outConv);
    });
  }

  paramCount(): number {
    return this.variables.reduce((s, v) => s + v.size, 0);
  }

  dispose(): void {
    for (const v of this.variables) v.dispose();
  }
}

function intIn(problems: string[], o: Record<string, unknown>, key: string, lo: number, hi: number): void {
  const x = o[key];
  if (!(typeof x === "number" && Number.isInteger(x) && x >= lo && x <= hi)) {
    problems.push(badValue(key, x, `an integer in [${lo}, ${hi}]`));
  }
}

/** The "unet" model factory. */
export const unetFactory: ModelFactory<UnetOptions> = {
  id: "unet",
  description: "ADM-style U-Net (ResBlocks with GroupNorm/SiLU, AdaGN time embedding, skips, self-attention)",
  defaults: DEFAULTS,
  validate(o) {
    const problems: string[] = unknownOptionProblems(o, { ...DEFAULTS, learnSigma: false });
    intIn(problems, o, "channels", 1, 1024);
    intIn(problems, o, "numResBlocks", 1, 8);
    intIn(problems, o, "attentionHeads", 1, 64);
    intIn(problems, o, "groups", 1, 1024);
    intIn(problems, o, "timeEmbedMult", 1, 16);
    const cm = o.channelMult;
    if (
      !(Array.isArray(cm) && cm.length >= 1 && cm.length <= 8 &&
        cm.every((m) => Number.isInteger(m) && m >= 1 && m <= 16))
    ) {
      problems.push(badValue("channelMult", cm, "a list of 1 to 8 integers in [1, 16]"));
    }
    const ar = o.attentionResolutions;
    if (!(Array.isArray(ar) && ar.every((r) => Number.isInteger(r) && r >= 1))) {
      problems.push(badValue("attentionResolutions", ar, "a list of resolutions in pixels, e.g. [16, 8]"));
    }
    if (typeof o.midAttention !== "boolean") {
      problems.push(badValue("midAttention", o.midAttention, "true | false"));
    }
    if (typeof o.scaleShiftNorm !== "boolean") {
      problems.push(badValue("scaleShiftNorm", o.scaleShiftNorm, "true | false"));
    }
    if (o.learnSigma !== undefined && typeof o.learnSigma !== "boolean") {
      problems.push(badValue("learnSigma", o.learnSigma, "true | false"));
    }
    if (o.resample !== "conv" && o.resample !== "pool") {
      problems.push(badValue("resample", o.resample, `"conv" | "pool"`));
    }
    if (problems.length === 0) {
      const ch = o.channels as number, g = o.groups as number, heads = o.attentionHeads as number;
      const widths = new Set([ch, ...(cm as number[]).map((m) => m * ch)]);
      for (const c of widths) {
        if (c % g !== 0) {
          problems.push(
            badValue("groups", g, `a divisor of every channel width (${[...widths].join(", ")})`),
          );
          break;
        }
      }
      for (const c of widths) {
        if (c % heads !== 0) {
          problems.push(
            badValue("attentionHeads", heads, `a divisor of every channel width (${[...widths].join(", ")})`),
          );
          break;
        }
      }
      if ((ch % 2) !== 0) {
        problems.push(badValue("channels", ch, "an even number (the sinusoidal embedding width)"));
      }
    }
    return problems;
  },
  build(options, ctx) {
    return new Unet(options, ctx);
  },
  shapeProblems: validateUnetForShape,
  footprint: unetFootprint,
};
