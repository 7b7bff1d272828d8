/**
 * Parameters and per-sample float32 value counts of the DiT (src/models/dit.ts) for the memory estimate
 * (src/suite/memory.ts; the {@link ModelFootprint} rules are explained in src/models/unet_footprint.ts).
 *
 * With D = hidden, L = depth, h = heads, r = mlpRatio, F = freqDim, p = patch, N = H·W/p² tokens, C the data
 * channels and C_o the output channels (2C with learnSigma), per sample:
 *
 * - training (the step's peak, at the end of the backward pass of the loss the model trains with: the hybrid
 *   loss with learned σ, the ε-MSE otherwise), per block 4·h·N² (the attention scores and probabilities and
 *   their gradients) + 6·r·N·D (the MLP's pre-activation, its tanh-GELU terms and their gradients) +
 *   217/8·N·D + 29·D + 64, plus 81/16·N·D + 23·D + F + 7·H·W·C_o + 36 outside the blocks;
 * - inference (one forward without a tape, everything it allocates, kernels' scratch included), per block
 *   2·h·N² + 2·r·N·D + 14·N·D + 6·D, plus max(2·r·N·D, 3·N·D + 6·D) (the peak moment: the last MLP's
 *   scratch, or the final layer's for narrow MLPs) + F + 2·H·W·C + 2·D + 1;
 * - dense outputs: per block 6D (adaLN) + (5 + r)·N·D (qkv, projection, the two MLP layers), plus the patch
 *   embedding N·D, the timestep MLP and the final modulation 4D, and the output H·W·C_o.
 *
 * The coefficients were not derived op by op: they were fitted to the measured peaks of real passes on the
 * wasm backend (distinct tensor data for training, malloc minus free for inference; src/runtime/live_memory.ts)
 * over configurations that vary each of D, L, h, r, F, p, C and learnSigma separately, and they reproduce
 * every measured configuration exactly (within 2 values); src/models/dit_footprint_test.ts measures six
 * configurations again, four of which took no part in the fit.
 *
 * @module
 */
import type { ModelFootprint } from "./denoiser.ts";

/** The DiT options the footprint depends on. */
export interface DitShape {
  /** Patch size p. */
  patch: number;
  /** Token width D. */
  hidden: number;
  /** Blocks L. */
  depth: number;
  /** Attention heads h. */
  heads: number;
  /** MLP width as a multiple of D. */
  mlpRatio: number;
  /** Learned σ: 2C output channels. */
  learnSigma: boolean;
  /** Width F of the sinusoidal timestep embedding. */
  freqDim: number;
}

/** The footprint of a DiT with options `o` on samples of shape [H, W, C]. */
export function ditFootprint(o: DitShape, dataShape: readonly number[]): ModelFootprint {
  const [H, W, C] = dataShape;
  const { patch: p, hidden: D, depth: L, heads: h, freqDim: F } = o;
  const R = Math.round(o.mlpRatio * D); // the MLP width rD
  const N = (H / p) * (W / p);
  const Co = o.learnSigma ? 2 * C : C;
  const P = p * p * C, Po = p * p * Co;
  const block = 6 * D * D + 6 * D + 3 * D * D + 3 * D + D * D + D + D * R + R + R * D + D;
  const params = (P * D + D) + (F * D + D + D * D + D) + L * block + (2 * D * D + 2 * D) + (D * Po + Po);
  const trainBlock = 4 * h * N * N + 6 * N * R + (217 / 8) * N * D + 29 * D + 64;
  const activations = L * trainBlock + (81 / 16) * N * D + 23 * D + F + 7 * H * W * Co + 36;
  const inferBlock = 2 * h * N * N + 2 * N * R + 14 * N * D + 6 * D;
  const inference = L * inferBlock + Math.max(2 * N * R, 3 * N * D + 6 * D) + F + 2 * H * W * C + 2 * D + 1;
  const denseOutputs = L * (6 * D + 5 * N * D + N * R) + N * D + 4 * D + H * W * Co;
  const largestParam = Math.max(6 * D * D, D * R, F * D, P * D, D * Po);
  return { params, activations, inference, denseOutputs, largestParam };
}
