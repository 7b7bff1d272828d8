/**
 * Parameter and activation counts of the U-Net (src/models/unet.ts) from its options and the image shape,
 * without building it: the memory estimate of a run (src/suite/memory.ts) needs them before any tensor
 * exists. The walk mirrors the constructor block by block; `unet_footprint_test.ts` checks the parameter
 * count against built models.
 *
 * Activations are the float32 outputs of every op of one forward pass per sample (reshapes are views and
 * cost nothing), at resolution r with n = r² pixels:
 * - GroupNorm over c channels: centred, square, x̂, ·γ, +β = 5·n·c (the per-group statistics are small);
 * - SiLU: sigmoid and product = 2·n·c; a conv: its output; avg-pool, nearest upsampling, concat: outputs;
 * - ResBlock(cin → cout): GN + SiLU of the input (7·n·cin), conv1, AdaGN (GN, ·(1+s), +b: 7·n·cout; without
 *   scale-shift: +e and GN, 6·n·cout), SiLU, conv2, the optional 1×1 skip conv and the sum;
 * - attention (h heads): GN, q/k/v projections with bias (6·n·c), head transposes (4·n·c when h > 1), the
 *   scores, their scaling and the softmax (about 4·h·n²), weights·v, the back transpose, the output
 *   projection with bias and the residual sum.
 *
 * @module
 */
import type { ModelFootprint } from "./denoiser.ts";
import type { UnetOptions } from "./unet.ts";

/** Parameters and per-sample forward activations of the U-Net on [h, w, channels] images. */
export function unetFootprint(o: UnetOptions, dataShape: readonly number[]): ModelFootprint {
  const [h, w, cData] = dataShape;
  const C = o.channels, E = o.timeEmbedMult * C;
  let params = 0, acts = 0;
  const conv = (k: number, cin: number, cout: number) => (params += k * k * cin * cout + cout);
  const linear = (cin: number, cout: number) => (params += cin * cout + cout);
  const norm = (c: number) => (params += 2 * c);
  const gnAct = (n: number, c: number) => 5 * n * c;

  const res = (n: number, cin: number, cout: number) => {
    norm(cin);
    conv(3, cin, cout);
    linear(E, cout);
    if (o.scaleShiftNorm) linear(E, cout);
    norm(cout);
    conv(3, cout, cout);
    if (cin !== cout) conv(1, cin, cout);
    acts += gnAct(n, cin) + 2 * n * cin + n * cout; // GN, SiLU, conv1
    acts += o.scaleShiftNorm ? gnAct(n, cout) + 2 * n * cout : n * cout + gnAct(n, cout);
    acts += 2 * n * cout + n * cout; // SiLU, conv2
    acts += (cin !== cout ? n * cout : 0) + n * cout; // skip conv, sum
  };
  const attn = (n: number, c: number) => {
    norm(c);
    for (let i = 0; i < 4; i++) linear(c, c);
    const heads = o.attentionHeads;
    acts += gnAct(n, c) + 6 * n * c + (heads > 1 ? 4 * n * c : 0); // GN, q/k/v + bias, transposes
    acts += 4 * heads * n * n + n * c; // scores, scale, softmax; weights·v
    acts += 3 * n * c; // output projection, bias, residual
  };

  // time embedding: sinusoid of C (2.5·C op outputs) → Linear(C, E) → SiLU → Linear(E, E) → SiLU
  linear(C, E);
  linear(E, E);
  acts += 2.5 * C + 2 * E + 2 * E + 2 * E + 2 * E;
  conv(3, cData, C);
  let n = h * w, r = h, cur = C;
  acts += n * C;
  const skips: number[] = [C];
  const L = o.channelMult.length;
  for (let l = 0; l < L; l++) {
    for (let i = 0; i < o.numResBlocks; i++) {
      const cout = o.channelMult[l] * C;
      res(n, cur, cout);
      cur = cout;
      if (o.attentionResolutions.includes(r)) attn(n, cur);
      skips.push(cur);
    }
    if (l < L - 1) {
      n /= 4;
      r /= 2;
      acts += n * cur; // avg-pool
      if (o.resample === "conv") {
        conv(3, cur, cur);
        acts += n * cur;
      }
      skips.push(cur);
    }
  }
  res(n, cur, cur);
  if (o.midAttention) attn(n, cur);
  res(n, cur, cur);
  for (let l = L - 1; l >= 0; l--) {
    for (let i = 0; i <= o.numResBlocks; i++) {
      const skip = skips.pop()!;
      acts += n * (cur + skip); // concat
      const cout = o.channelMult[l] * C;
      res(n, cur + skip, cout);
      cur = cout;
      if (o.attentionResolutions.includes(r)) attn(n, cur);
      if (l > 0 && i === o.numResBlocks) {
        n *= 4;
        r *= 2;
        acts += n * cur; // nearest ×2
        if (o.resample === "conv") {
          conv(3, cur, cur);
          acts += n * cur;
        }
      }
    }
  }
  norm(cur);
  conv(3, cur, cData);
  acts += gnAct(n, cur) + 2 * n * cur + n * cData;
  return { params, activations: acts };
}
