/**
 * The KL-regularised convolutional autoencoder of latent diffusion (Rombach et al. 2022, "High-Resolution
 * Image Synthesis with Latent Diffusion Models", §3.1 and App. G; official `ldm/models/autoencoder.py`
 * AutoencoderKL, `ldm/modules/diffusionmodules/model.py` Encoder/Decoder), scaled down for 28x28 images.
 *
 * Architecture (C = channels, m_l = channelMult[l], L levels, downsampling factor f = 2^(L-1)):
 * - encoder: Conv3x3(in → C); level l = 0..L-1: numResBlocks × ResBlock(→ m_l·C), then (except at the last
 *   level) Downsample; middle ResBlock; GroupNorm → SiLU → Conv3x3(→ 2·zChannels) = [mean, log-variance]
 *   of the diagonal Gaussian posterior q(z|x) (LDM's `double_z`), the log-variance clamped to [-30, 20] as
 *   LDM's DiagonalGaussianDistribution;
 * - decoder: Conv3x3(zChannels → m_{L-1}·C); middle ResBlock; level l = L-1..0: numResBlocks ×
 *   ResBlock(→ m_l·C), then (except at level 0) Upsample; GroupNorm → SiLU → Conv3x3(→ in channels), no
 *   output non-linearity (as LDM; decoded images are clipped to [-1, 1] where they are used).
 * ResBlock(x) = skip(x) + Conv3x3(SiLU(GN(Conv3x3(SiLU(GN(x)))))) with skip = identity or Conv1x1 when the
 * width changes (LDM's ResnetBlock without the time embedding, dropout 0). Downsample: AvgPool2x2 then
 * Conv3x3 (LDM: a stride-2 Conv3x3 with asymmetric padding; same parameter count); Upsample: nearest ×2
 * then Conv3x3 (as LDM). Differences from LDM, deliberate for size: no self-attention in the middle block
 * (LDM has ResBlock-Attention-ResBlock there), one middle ResBlock, the decoder has numResBlocks (not
 * numResBlocks + 1) blocks per level.
 *
 * Init: PyTorch's default U(±1/√fan_in) for every conv weight and bias (LDM uses torch defaults),
 * GroupNorm γ = 1, β = 0, from the stream rngFor(seed, "autoencoder-init"). Variables are plain tensors in
 * a fixed construction order ({@link autoencoderVariableSpecs}), so stored weights load by position.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { conv2dSame } from "../models/layers/linear.ts";
import { groupNormAct } from "../models/layers/fused_norm.ts";
import { avgPool2x, upsample2x } from "../models/layers/resample.ts";
import { fanInUniform } from "../models/init.ts";
import { rngFor } from "../runtime/rng.ts";
import { badValue } from "../runtime/errors.ts";

/** Architecture of an autoencoder. */
export interface AutoencoderArch {
  /** Image height, width, channels. */
  input: [number, number, number];
  /** Base width C. */
  channels: number;
  /** Width multiplier per level; L = its length levels, L - 1 downsamplings (f = 2^(L-1)). */
  channelMult: number[];
  /** ResBlocks per level (encoder and decoder). */
  numResBlocks: number;
  /** Latent channels (the posterior has 2·zChannels outputs: mean and log-variance). */
  zChannels: number;
  /** GroupNorm groups (a divisor of every width). */
  groups: number;
}

/** A variable's name and shape, in storage order. */
export interface AeVariableSpec {
  /** Unique, stable name (e.g. "enc.down0.0.conv1.w"). */
  name: string;
  /** Tensor shape (conv kernels [k, k, in, out]). */
  shape: number[];
}

/** The latent shape [H/f, W/f, zChannels] of an architecture. */
export function latentShape(arch: AutoencoderArch): [number, number, number] {
  const f = 2 ** (arch.channelMult.length - 1);
  return [arch.input[0] / f, arch.input[1] / f, arch.zChannels];
}

/** Problems with an architecture (each naming the field, the value and what is allowed). */
export function autoencoderArchProblems(a: AutoencoderArch): string[] {
  const p: string[] = [];
  const int = (x: unknown, lo: number, hi: number) =>
    Number.isInteger(x) && (x as number) >= lo && x as number <= hi;
  if (!(Array.isArray(a.input) && a.input.length === 3 && a.input.every((x) => int(x, 1, 4096)))) {
    p.push(badValue("arch.input", a.input, "[height, width, channels] of positive integers"));
  }
  if (!int(a.channels, 1, 1024)) p.push(badValue("arch.channels", a.channels, "an integer in [1, 1024]"));
  if (
    !(Array.isArray(a.channelMult) && a.channelMult.length >= 1 && a.channelMult.length <= 6 &&
      a.channelMult.every((m) => int(m, 1, 16)))
  ) {
    p.push(badValue("arch.channelMult", a.channelMult, "a list of 1 to 6 integers in [1, 16]"));
  }
  if (!int(a.numResBlocks, 1, 8)) {
    p.push(badValue("arch.numResBlocks", a.numResBlocks, "an integer in [1, 8]"));
  }
  if (!int(a.zChannels, 1, 64)) p.push(badValue("arch.zChannels", a.zChannels, "an integer in [1, 64]"));
  if (!int(a.groups, 1, 1024)) p.push(badValue("arch.groups", a.groups, "an integer in [1, 1024]"));
  if (p.length > 0) return p;
  const f = 2 ** (a.channelMult.length - 1);
  if (a.input[0] % f !== 0 || a.input[1] % f !== 0) {
    p.push(
      badValue(
        "arch.channelMult",
        a.channelMult,
        `at most as many levels as ${a.input[0]}x${a.input[1]} can halve`,
      ),
    );
  }
  for (const w of new Set(a.channelMult.map((m) => m * a.channels))) {
    if (w % a.groups !== 0) {
      p.push(badValue("arch.groups", a.groups, `a divisor of every width (${w} is not a multiple)`));
      break;
    }
  }
  return p;
}

type Init = "fanin" | "ones" | "zeros";
interface Spec extends AeVariableSpec {
  init: Init;
  fanIn: number;
}

/** Builds the variable list in construction order. */
class SpecList {
  readonly specs: Spec[] = [];
  conv(name: string, k: number, cin: number, cout: number): void {
    const fan = k * k * cin;
    this.specs.push({ name: `${name}.w`, shape: [k, k, cin, cout], init: "fanin", fanIn: fan });
    this.specs.push({ name: `${name}.b`, shape: [cout], init: "fanin", fanIn: fan });
  }
  norm(name: string, c: number): void {
    this.specs.push({ name: `${name}.gamma`, shape: [c], init: "ones", fanIn: 1 });
    this.specs.push({ name: `${name}.beta`, shape: [c], init: "zeros", fanIn: 1 });
  }
  res(name: string, cin: number, cout: number): void {
    this.norm(`${name}.norm1`, cin);
    this.conv(`${name}.conv1`, 3, cin, cout);
    this.norm(`${name}.norm2`, cout);
    this.conv(`${name}.conv2`, 3, cout, cout);
    if (cin !== cout) this.conv(`${name}.skip`, 1, cin, cout);
  }
}

function buildSpecs(a: AutoencoderArch): { encoder: Spec[]; decoder: Spec[] } {
  const C = a.channels, L = a.channelMult.length, cData = a.input[2];
  const enc = new SpecList();
  enc.conv("enc.in", 3, cData, C);
  let cur = C;
  for (let l = 0; l < L; l++) {
    for (let i = 0; i < a.numResBlocks; i++) {
      enc.res(`enc.down${l}.${i}`, cur, a.channelMult[l] * C);
      cur = a.channelMult[l] * C;
    }
    if (l < L - 1) enc.conv(`enc.down${l}.resample`, 3, cur, cur);
  }
  enc.res("enc.mid", cur, cur);
  enc.norm("enc.out.norm", cur);
  enc.conv("enc.out", 3, cur, 2 * a.zChannels);
  const dec = new SpecList();
  cur = a.channelMult[L - 1] * C;
  dec.conv("dec.in", 3, a.zChannels, cur);
  dec.res("dec.mid", cur, cur);
  for (let l = L - 1; l >= 0; l--) {
    for (let i = 0; i < a.numResBlocks; i++) {
      dec.res(`dec.up${l}.${i}`, cur, a.channelMult[l] * C);
      cur = a.channelMult[l] * C;
    }
    if (l > 0) dec.conv(`dec.up${l}.resample`, 3, cur, cur);
  }
  dec.norm("dec.out.norm", cur);
  dec.conv("dec.out", 3, cur, cData);
  return { encoder: enc.specs, decoder: dec.specs };
}

/** The variables in storage order: every encoder variable, then every decoder variable. */
export function autoencoderVariableSpecs(a: AutoencoderArch): AeVariableSpec[] {
  const { encoder, decoder } = buildSpecs(a);
  return [...encoder, ...decoder].map(({ name, shape }) => ({ name, shape }));
}

/** Number of encoder variables (the first ones in storage order). */
export function encoderVariableCount(a: AutoencoderArch): number {
  return buildSpecs(a).encoder.length;
}

/** Number of scalar parameters. */
export function autoencoderParamCount(a: AutoencoderArch): number {
  return autoencoderVariableSpecs(a).reduce((s, v) => s + v.shape.reduce((x, y) => x * y, 1), 0);
}

/** Seeded initial weights in storage order (see the module doc). Identical on every backend. */
export function autoencoderInitialWeights(a: AutoencoderArch, seed: number): Float32Array[] {
  const rng = rngFor(seed, "autoencoder-init");
  const { encoder, decoder } = buildSpecs(a);
  return [...encoder, ...decoder].map((s) => {
    const size = s.shape.reduce((x, y) => x * y, 1);
    if (s.init === "fanin") return fanInUniform(rng, size, s.fanIn);
    return new Float32Array(size).fill(s.init === "ones" ? 1 : 0);
  });
}

/** Reads variables in construction order. */
class Cursor {
  #i = 0;
  constructor(readonly vars: readonly tf.Tensor[], start = 0) {
    this.#i = start;
  }
  next(): tf.Tensor {
    return this.vars[this.#i++];
  }
  conv(x: tf.Tensor4D): tf.Tensor4D {
    const w = this.next(), b = this.next();
    return conv2dSame(x, w, b);
  }
  normAct(x: tf.Tensor4D, groups: number): tf.Tensor4D {
    const g = this.next(), b = this.next();
    return groupNormAct(x, g, b, groups);
  }
  res(x: tf.Tensor4D, cin: number, cout: number, groups: number): tf.Tensor4D {
    let h = this.conv(this.normAct(x, groups));
    h = this.conv(this.normAct(h, groups));
    const skip = cin !== cout ? this.conv(x) : x;
    return tf.add(skip, h);
  }
  get position(): number {
    return this.#i;
  }
}

/**
 * The posterior parameters of images x [B, H, W, C] in [-1, 1]: mean and clamped log-variance, each
 * [B, H/f, W/f, zChannels]. `vars` are all variables in storage order (only the encoder's are read).
 */
export function encodePosterior(
  a: AutoencoderArch,
  vars: readonly tf.Tensor[],
  x: tf.Tensor4D,
): { mean: tf.Tensor4D; logvar: tf.Tensor4D } {
  return tf.tidy(() => {
    const C = a.channels, L = a.channelMult.length, g = a.groups;
    const c = new Cursor(vars);
    let h = c.conv(x);
    let cur = C;
    for (let l = 0; l < L; l++) {
      for (let i = 0; i < a.numResBlocks; i++) {
        h = c.res(h, cur, a.channelMult[l] * C, g);
        cur = a.channelMult[l] * C;
      }
      if (l < L - 1) h = c.conv(avgPool2x(h));
    }
    h = c.res(h, cur, cur, g);
    const out = c.conv(c.normAct(h, g));
    const [mean, logvar] = tf.split(out, 2, 3) as [tf.Tensor4D, tf.Tensor4D];
    return { mean, logvar: tf.clipByValue(logvar, -30, 20) };
  });
}

/** Decode latents z [B, h, w, zChannels] to images [B, H, W, C] (unclipped). */
export function decodeLatents(a: AutoencoderArch, vars: readonly tf.Tensor[], z: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const C = a.channels, L = a.channelMult.length, g = a.groups;
    const c = new Cursor(vars, encoderVariableCount(a));
    let cur = a.channelMult[L - 1] * C;
    let h = c.conv(z);
    h = c.res(h, cur, cur, g);
    for (let l = L - 1; l >= 0; l--) {
      for (let i = 0; i < a.numResBlocks; i++) {
        h = c.res(h, cur, a.channelMult[l] * C, g);
        cur = a.channelMult[l] * C;
      }
      if (l > 0) h = c.conv(upsample2x(h));
    }
    return c.conv(c.normAct(h, g));
  });
}

/**
 * KL(q(z|x) ‖ N(0, I)) per sample, summed over the latent dimensions (LDM's DiagonalGaussianDistribution.kl):
 * ½ Σ (μ² + σ² − 1 − log σ²). Shape [B].
 */
export function klToStandardNormal(mean: tf.Tensor4D, logvar: tf.Tensor4D): tf.Tensor1D {
  return tf.tidy(() => {
    const t = tf.sub(tf.add(tf.square(mean), tf.exp(logvar)), tf.add(logvar, 1));
    return tf.mul(0.5, tf.sum(tf.reshape(t, [mean.shape[0], -1]), 1)) as tf.Tensor1D;
  });
}
