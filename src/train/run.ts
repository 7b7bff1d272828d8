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
  /** Training or evaluation. */
  phase: "train" | "eval";
  /** Training steps done. */
  step: number;
  /** Training steps of the run. */
  steps: number;
  /** The latest step loss, when it was read. */
  loss?: number;
}

/** Samples produced at an evaluation point. */
export interface EvalSamples {
  /** Training steps done. */
  step: number;
  /** The generated samples, flat [n * prod(dataShape)]. */
  samples: Float32Array;
  /** Number of generated samples. */
  n: number;
  /** Shape of one sample, e.g. [2] or [8, 8, 1]. */
  dataShape: readonly number[];
  /** The evaluation point's metrics and mean training loss. */
  point?: EvalPoint;
  /** The real reference samples the metrics compare with (first evaluation point only). */
  reference?: { samples: Float32Array; n: number };
}

/** The training loss over one window of steps, as the run goes (see {@link RunOptions.onLoss}). */
export interface LossPoint {
  /** Training steps done at the window's end. */
  step: number;
  /** Mean per-sample loss over the window's steps. */
  loss: number;
  /** Mean loss of each cluster's samples over the window (NaN for a cluster without samples), length k. */
  clusters: number[];
}

/** Options of {@link runTraining}. */
export interface RunOptions {
  /** Called on every step and evaluation. */
  onProgress?: (p: RunProgress) => void;
  /** Called with the generated samples at every evaluation point (e.g. to write sample grids). */
  onEval?: (e: EvalSamples) => void | Promise<void>;
  /** Called at the end of every training-loss window (the windows of `RunResult.loss`), as training goes. */
  onLoss?: (l: LossPoint) => void;
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
  let real: Float32Array | null = null;
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
      real = evalData.reference(ev.referenceSamples, REFERENCE_SEED);
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
  const k = run.k;
  const clusterValues: number[][] = Array.from({ length: k }, () => []);
  const clusterSums = new Float64Array(k), clusterCounts = new Float64Array(k);
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
    const byCluster = stepper.readClusterLosses();
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
      const cl = byCluster[i];
      if (cl) {
        for (let c = 0; c < k; c++) {
          clusterSums[c] += cl.sums[c];
          clusterCounts[c] += cl.counts[c];
        }
      }
      if (windowN === lossEvery || step === train.steps - 1) {
        const mean = windowSum / windowN;
        lossValues.push(mean);
        const clusters = Array.from(
          clusterSums,
          (sum, c) => (clusterCounts[c] > 0 ? sum / clusterCounts[c] : NaN),
        );
        clusters.forEach((v, c) => clusterValues[c].push(v));
        opts.onLoss?.({ step: step + 1, loss: mean, clusters });
        clusterSums.fill(0);
        clusterCounts.fill(0);
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
    const point: EvalPoint = {
      step,
      metrics,
      trainLoss: sinceEvalN > 0 ? sinceEvalSum / sinceEvalN : NaN,
      ...(intervalLoss ? { intervalLoss } : {}),
    };
    curve.push(point);
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
    if (images) {
      await opts.onEval?.({
        step,
        samples: images,
        n: ev.samples,
        dataShape: evalData.dataShape,
        point,
        ...(curve.length === 1 && real ? { reference: { samples: real, n: ev.referenceSamples } } : {}),
      });
    }
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
    loss: { every: lossEvery, values: lossValues, clusters: clusterValues },
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
