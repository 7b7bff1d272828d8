/**
 * Train one configuration end to end: assemble the run (src/train/assemble.ts: data, timestep clusters,
 * model, MTL method, the shared step and the trainer's batches), train it, and measure sample quality at
 * the evaluation points (the convergence curve).
 *
 * Random streams (all from src/runtime/rng.ts, keyed by the run seed):
 *   "init" (weights), "data-order"/epoch (a permutation of the training set per epoch),
 *   "timesteps"/step, "noise"/step, "sampler" (the same sampler noise at every evaluation point: common
 *   random numbers make the convergence curve smoother and paired comparisons sharper), "metrics".
 * Each metric's real-vs-real floor is computed once per dataset and feature space (src/metrics/floor.ts,
 * cached under <cacheDir>/floors/) and recorded in the result as `floors`.
 * The reference sample for the metrics is drawn with a fixed seed (0), independent of the run seed, so every
 * run of a dataset is compared against the same real data.
 *
 * A latent run (config.latent) samples latents, decodes them (src/latent/latent_data.ts) and measures the
 * images exactly as a pixel run of the same dataset: same feature space, reference set and floors. With
 * `eval.intervalLoss` each evaluation point also records the held-out denoising loss per timestep interval
 * (src/train/interval_loss.ts); with no `eval.metrics` nothing is sampled (runs that only need losses,
 * e.g. the specialists of the negative-transfer gap).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { EvalPoint, RunConfig, RunResult } from "./types.ts";
import { sample } from "../diffusion/sampler.ts";
import { deriveSeed, rngFor } from "../runtime/rng.ts";
import { assembleRun } from "./assemble.ts";
import { prepareRunMetrics } from "./run_metrics.ts";
import { saveCheckpoint } from "../models/checkpoint.ts";
import { loadFeatureSpace } from "../metrics/features/registry.ts";
import { evaluateIntervalLoss, intervalLossProblems } from "./interval_loss.ts";
import { throwIfProblems } from "../runtime/errors.ts";

/** Progress of a run, for progress bars. */
export interface RunProgress {
  phase: "train" | "eval";
  step: number;
  steps: number;
  loss?: number;
}

/** Samples produced at an evaluation point. */
export interface EvalSamples {
  step: number;
  samples: Float32Array;
  n: number;
  dataShape: readonly number[];
}

/** Options of {@link runTraining}. */
export interface RunOptions {
  onProgress?: (p: RunProgress) => void;
  /** Called with the generated samples at every evaluation point (e.g. to write sample grids). */
  onEval?: (e: EvalSamples) => void | Promise<void>;
  /** Write a checkpoint per evaluation point under `<checkpointDir>/step-<n>`. */
  checkpointDir?: string;
  /** Cache directory for preprocessed datasets. */
  cacheDir?: string;
  /** Environment fingerprint recorded in the result. */
  environment?: Record<string, unknown>;
  /** Content id recorded in the result. */
  runId?: string;
  /**
   * Read the pending training losses from the backend every this many steps (and always before an
   * evaluation and after the last step). Default: 1 on wasm/cpu, where a read is a memory copy;
   * {@link DEVICE_LOSS_READ_EVERY} on other backends (webgpu), where each read costs at least 10 ms under
   * Deno. Results do not depend on it: the losses are the same values, and a non-finite loss is reported
   * with its own step, found at the next read (the steps run after it are not recorded).
   */
  lossReadEvery?: number;
}

/** Default loss-read interval on device backends (webgpu): see {@link RunOptions.lossReadEvery}. */
export const DEVICE_LOSS_READ_EVERY = 20;

/** The loss-read interval of a run on the active backend. */
export function lossReadInterval(backend: string, requested?: number): number {
  if (requested !== undefined) {
    if (!(Number.isInteger(requested) && requested >= 1)) {
      throw new RangeError(`lossReadEvery must be an integer >= 1, got ${requested}`);
    }
    return requested;
  }
  return backend === "wasm" || backend === "cpu" ? 1 : DEVICE_LOSS_READ_EVERY;
}

/** Seed of the reference sample (fixed: the same real data for every run). */
export const REFERENCE_SEED = 0;

/** Number of loss values kept in a result (windows of equal length). */
const LOSS_POINTS = 200;

/**
 * Train and evaluate one run. A run whose loss or samples become non-finite is returned with status
 * "failed" and the reason; configuration errors (unknown ids, bad options) throw.
 */
export async function runTraining(config: RunConfig, opts: RunOptions = {}): Promise<RunResult> {
  const started = performance.now();
  const seed = config.seed;
  const run = await assembleRun(config, { cacheDir: opts.cacheDir ?? ".cache" });
  const { dataset, schedule, clusters, model, method, stepper, latent } = run;
  const { train, eval: ev } = config;
  // Metrics, floors and the reference come from the image data (the latent space's images in a latent run).
  const evalData = latent?.images ?? dataset;
  const sampling = ev.metrics.length > 0;
  let features: Awaited<ReturnType<typeof loadFeatureSpace>> | null = null;
  let quality: Awaited<ReturnType<typeof prepareRunMetrics>> | null = null;
  let heldOut: Float32Array | null = null;
  try {
    if (ev.intervalLoss) {
      throwIfProblems("eval.intervalLoss", intervalLossProblems(ev.intervalLoss, schedule.T));
      heldOut = dataset.reference(ev.intervalLoss.n, REFERENCE_SEED);
    }
    if (sampling) {
      features = await loadFeatureSpace(
        evalData.featureSpace,
        evalData.dataShape,
        ev.inception ? { inceptionPath: ev.inception } : {},
      );
      const real = evalData.reference(ev.referenceSamples, REFERENCE_SEED);
      const realFeatures = await features.extract(real, ev.referenceSamples);
      quality = await prepareRunMetrics({
        config,
        dataset: evalData,
        datasetOptions: run.datasetOptions,
        features,
        realFeatures,
        referenceSeed: REFERENCE_SEED,
        cacheDir: opts.cacheDir ?? ".cache",
      });
    }
  } catch (e) {
    features?.dispose();
    run.dispose();
    throw e;
  }
  // Pixel images are clipped to [-1, 1] while sampling; latents are not (LDM: clip_denoised=False).
  const clip: [number, number] | undefined = dataset.kind === "image" ? [-1, 1] : undefined;

  const lossEvery = Math.max(1, Math.ceil(train.steps / LOSS_POINTS));
  const lossValues: number[] = [];
  const curve: EvalPoint[] = [];
  const evalAt = new Set(ev.at);
  let windowSum = 0, windowN = 0, sinceEvalSum = 0, sinceEvalN = 0;
  let trainMs = 0, evalMs = 0, stepsDone = 0;
  let error: string | undefined;
  const readEvery = lossReadInterval(tf.getBackend(), opts.lossReadEvery);
  let nextLossStep = 0; // step of the oldest loss not read yet
  let lastLoss = NaN; // the newest loss read

  /** Read the pending losses (one transfer) and account them in step order; false at a non-finite one. */
  const readLosses = async (): Promise<boolean> => {
    const losses = await stepper.readLosses();
    for (let i = 0; i < losses.length; i++) {
      const step = nextLossStep + i;
      const loss = losses[i];
      if (!Number.isFinite(loss)) {
        error = `non-finite loss (${loss}) at step ${step}`;
        return false;
      }
      windowSum += loss;
      windowN++;
      sinceEvalSum += loss;
      sinceEvalN++;
      if (windowN === lossEvery || step === train.steps - 1) {
        lossValues.push(windowSum / windowN);
        windowSum = 0;
        windowN = 0;
      }
      lastLoss = loss;
    }
    nextLossStep += losses.length;
    return true;
  };

  const evaluate = async (step: number): Promise<boolean> => {
    const e0 = performance.now();
    opts.onProgress?.({ phase: "eval", step, steps: train.steps });
    const measure = async () => ({
      samples: sampling
        ? await sample(model, schedule, ev.samples, rngFor(seed, "sampler"), {
          kind: ev.sampler.kind,
          steps: ev.sampler.steps,
          eta: ev.sampler.eta,
          clip,
          batchSize: 500,
        })
        : null,
      intervalLoss: ev.intervalLoss && heldOut
        ? await evaluateIntervalLoss(model, schedule, ev.intervalLoss, heldOut)
        : undefined,
    });
    const measured = ev.useEma && stepper.ema
      ? await stepper.ema.withShadow(model.variables, measure)
      : await measure();
    const intervalLoss = measured.intervalLoss;
    if (intervalLoss && !intervalLoss.every(Number.isFinite)) {
      error = `non-finite held-out interval loss at step ${step}`;
      evalMs += performance.now() - e0;
      return false;
    }
    let metrics: Record<string, number> = {};
    let images: Float32Array | null = null;
    if (measured.samples) {
      if (!measured.samples.every(Number.isFinite)) {
        error = `non-finite samples at step ${step}`;
        evalMs += performance.now() - e0;
        return false;
      }
      images = latent ? await latent.decode(measured.samples, ev.samples) : measured.samples;
      const gen = await features!.extract(images, ev.samples);
      metrics = quality!.prepared.evaluate(gen, deriveSeed(seed, "metrics"));
    }
    curve.push({
      step,
      metrics,
      trainLoss: sinceEvalN > 0 ? sinceEvalSum / sinceEvalN : NaN,
      ...(intervalLoss ? { intervalLoss } : {}),
    });
    sinceEvalSum = 0;
    sinceEvalN = 0;
    if (opts.checkpointDir) {
      await saveCheckpoint(`${opts.checkpointDir}/step-${step}`, model, {
        modelOptions: run.modelOptions,
        dataset: { id: config.dataset.id, options: run.datasetOptions },
        ...(latent
          ? {
            latent: {
              autoencoder: latent.autoencoder,
              weightsHash: latent.weightsHash,
              scaleFactor: latent.scaleFactor,
            },
          }
          : {}),
        T: schedule.T,
        schedule: schedule.id,
        step,
      });
    }
    if (images) await opts.onEval?.({ step, samples: images, n: ev.samples, dataShape: evalData.dataShape });
    evalMs += performance.now() - e0;
    return true;
  };

  try {
    if (evalAt.has(0) && !(await evaluate(0))) throw new StopRun();
    for (let step = 0; step < train.steps; step++) {
      const s0 = performance.now();
      await run.step(step);
      stepsDone++;
      const read = stepper.pendingLosses >= readEvery || step === train.steps - 1 || evalAt.has(step + 1);
      const finite = read ? await readLosses() : true;
      trainMs += performance.now() - s0;
      if (!finite) break;
      opts.onProgress?.({
        phase: "train",
        step: step + 1,
        steps: train.steps,
        ...(read ? { loss: lastLoss } : {}),
      });
      if (evalAt.has(step + 1) && !(await evaluate(step + 1))) break;
    }
  } catch (e) {
    if (!(e instanceof StopRun)) {
      features?.dispose();
      run.dispose();
      throw e;
    }
  }
  features?.dispose();
  const paramCount = model.paramCount();
  let methodSummary: Record<string, unknown>;
  try {
    methodSummary = await method.summary();
  } finally {
    run.dispose();
  }
  const totalSeconds = (performance.now() - started) / 1000;
  return {
    schema: "antbench.run/1",
    id: opts.runId ?? "",
    status: error ? "failed" : "ok",
    ...(error ? { error } : {}),
    config,
    clusters,
    curve,
    final: curve.length > 0 && !error ? curve[curve.length - 1].metrics : {},
    ...(quality ? quality.resultFields() : {}),
    loss: { every: lossEvery, values: lossValues },
    method: methodSummary,
    paramCount,
    ...(latent
      ? {
        latent: {
          autoencoder: latent.autoencoder,
          weightsHash: latent.weightsHash,
          latentShape: [...latent.latentShape],
          scaleFactor: latent.scaleFactor,
        },
      }
      : {}),
    timing: {
      totalSeconds,
      trainSeconds: trainMs / 1000,
      evalSeconds: evalMs / 1000,
      msPerStep: stepsDone > 0 ? trainMs / stepsDone : 0,
    },
    environment: { ...opts.environment, tfjsBackend: tf.getBackend() },
  };
}

class StopRun extends Error {}
