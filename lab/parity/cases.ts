/**
 * The parity cases of lab/parity/parity_test.ts (also run by lab/parity/measure.ts, which
 * records the measured differences in fixtures/parity/measured.json) and their float32 tolerances.
 *
 * Tolerances (relative): per-step losses max |a−b|/|b| ≤ 1e-4; step-0 per-cluster gradients and the
 * step-0 combined update ‖a−b‖/‖b‖ ≤ 1e-5; weights after step 0 ≤ 1e-6; final weights and EMA ≤ 1e-4;
 * method state (UW s_i, Nash α) ≤ 1e-4; PCGrad projection counts exact. The justification, with the
 * measured values, is in parity_test.ts.
 *
 * @module
 */
import type { ParityCase } from "./export.ts";

/** Tolerances of the parity checks (justified in parity_test.ts). */
export const PARITY_TOLERANCES = {
  loss: 1e-4,
  clusterGrad: 1e-5,
  update: 1e-5,
  weights1: 1e-6,
  final: 1e-4,
  state: 1e-4,
};

const TRAIN = { steps: 50, lr: 2e-3, beta1: 0.9, beta2: 0.999, emaDecay: 0.99 };

function mlpCase(method: string, options: Record<string, unknown> = {}): ParityCase {
  return {
    name: `mlp-${method}`,
    dataset: { id: "swissroll", options: {} },
    model: { id: "mlp", options: { hidden: 32, depth: 2, timeDim: 16 } },
    schedule: "linear",
    T: 100,
    clustering: { objective: "timestep", k: 3, sampler: "stratified" },
    method: { id: method, options },
    seed: 11,
    train: { ...TRAIN, batchSize: 48 },
  };
}

/**
 * The U-Net cases: every feature once in the vanilla case (two levels with AvgPool+conv down and
 * nearest+conv up, AdaGN ResBlocks, 2-head mid attention); a lean two-level variant (parameter-free
 * resampling, additive time embedding, no attention) for the methods, whose per-cluster passes multiply
 * the cost. A tfjs step is dominated by per-op overhead (~4000 kernels), not by the tensor sizes.
 */
function unetCase(method: string, options: Record<string, unknown> = {}): ParityCase {
  const full = { channels: 8, channelMult: [1, 2], groups: 4, attentionHeads: 2, midAttention: true };
  const lean = {
    ...full,
    channels: 4,
    groups: 2,
    midAttention: false,
    scaleShiftNorm: false,
    resample: "pool",
  };
  return {
    name: `unet-${method}`,
    dataset: { id: "digits8", options: {} },
    model: { id: "unet", options: method === "vanilla" ? full : lean },
    referenceDtypes: method === "vanilla" ? ["float32", "float64"] : ["float32"],
    schedule: "cosine",
    T: 100,
    clustering: { objective: "snr", k: 2, sampler: "stratified" },
    method: { id: method, options },
    seed: 5,
    train: { ...TRAIN, batchSize: 4 },
  };
}

/**
 * A learned-variance U-Net trained with the hybrid loss mse + vb (src/diffusion/hybrid_loss.ts): the lean
 * U-Net of the method cases with 2C output channels.
 */
function unetHybridCase(method: string, options: Record<string, unknown> = {}): ParityCase {
  const c = unetCase(method, options);
  return {
    ...c,
    name: `unet-hybrid-${method}`,
    model: { id: "unet", options: { ...c.model.options, learnSigma: true } },
    referenceDtypes: ["float32", "float64"],
    train: { ...c.train, loss: "hybrid" },
  };
}

/**
 * The DiT cases (src/models/dit.ts): 8x8 digits in 2x2 patches (16 tokens), width 16, two blocks of two
 * heads, learned variance and the hybrid loss, as ANT's DiT.
 */
function ditCase(method: string, options: Record<string, unknown> = {}): ParityCase {
  return {
    name: `dit-${method}`,
    dataset: { id: "digits8", options: {} },
    model: { id: "dit", options: { patch: 2, hidden: 16, depth: 2, heads: 2, mlpRatio: 4, freqDim: 16 } },
    referenceDtypes: method === "vanilla" ? ["float32", "float64"] : ["float32"],
    schedule: "cosine",
    T: 100,
    clustering: { objective: "snr", k: 2, sampler: "stratified" },
    method: { id: method, options },
    seed: 7,
    train: { ...TRAIN, batchSize: 8, loss: "hybrid" },
  };
}

/** The CI parity cases: every model × method, 50 steps each. */
export const PARITY_CASES: ParityCase[] = [
  mlpCase("vanilla"),
  mlpCase("uw", { logEvery: 1 }),
  mlpCase("pcgrad"),
  mlpCase("nashmtl", { updateEvery: 10 }),
  unetCase("vanilla"),
  unetCase("uw", { logEvery: 1 }),
  unetCase("pcgrad"),
  unetCase("nashmtl", { updateEvery: 10 }),
  unetHybridCase("vanilla"),
  unetHybridCase("uw", { logEvery: 1 }),
  ditCase("vanilla"),
  ditCase("uw", { logEvery: 1 }),
  ditCase("pcgrad"),
  ditCase("nashmtl", { updateEvery: 10 }),
];
