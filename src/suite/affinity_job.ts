/**
 * One affinity job of phase 1 (src/suite/affinity_source.ts), on the active tfjs backend (a bench worker,
 * or in-process in tests):
 *
 * 1. Checkpoints of the seed's vanilla run at the source's steps: the vanilla run's own
 *    (`runs/<id>/checkpoint/step-<n>`, written by `deno task bench --checkpoints` when those steps are
 *    evaluation points), else the ones this job trained earlier (`<key>.checkpoints/`, when a job was
 *    interrupted after training), else trained now (src/train/checkpoints.ts: the same weights).
 * 2. The fixed subset: `subset` rows of the training split, the first of the permutation
 *    rngFor(seed, "affinity-subset") — the rule of `deno task cli affinity --seed <seed>`, so the CLI on the
 *    same checkpoints gives the same matrix (tested).
 * 3. measureAffinity (src/clustering/affinity.ts): per checkpoint the grid cosine matrix of the task
 *    gradients (noise and sketch streams from the seed), averaged over checkpoints.
 * 4. Files: `<key>.svg` (heatmap), `<key>.timing.json` (wall clock), then `<key>.json` last (the
 *    completion marker, atomic). The JSON holds the grid form (no T x T matrix; readers interpolate:
 *    src/clustering/affinity_io.ts) and nothing that varies between identical computations (no times, no
 *    hosts, no paths), so its bytes, which enter the dependent runs' ids, depend only on the numbers.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Denoiser } from "../models/denoiser.ts";
import { loadCheckpoint, readCheckpointMeta } from "../models/checkpoint.ts";
import { getDatasetFactory } from "../data/registry.ts";
import { makeSchedule } from "../diffusion/schedule.ts";
import { measureAffinity } from "../clustering/affinity.ts";
import { AFFINITY_FORMAT } from "../clustering/affinity_io.ts";
import { affinityHeatmapSvg } from "../clustering/heatmap_svg.ts";
import { checkpointDirOf, trainCheckpoints } from "../train/checkpoints.ts";
import { rngFor } from "../runtime/rng.ts";
import { atomicWriteFile, atomicWriteJson } from "../runtime/atomic_write.ts";
import { badValue, UsageError } from "../runtime/errors.ts";
import { type AffinityJob, affinityPaths } from "./affinity_source.ts";
import { runDir } from "./store.ts";

/** Progress of a job: training steps of the checkpoint pass, then task gradients. */
export interface AffinityJobProgress {
  /** Training the checkpoints, or measuring task gradients. */
  phase: "train" | "measure";
  /** Steps or gradients done. */
  done: number;
  /** Steps or gradients in this phase. */
  total: number;
}

/** What a job did (wall-clock facts; also written to `<key>.timing.json`). */
export interface AffinityJobSummary {
  /** The job's key. */
  key: string;
  /** Where the checkpoints came from. */
  checkpoints: "vanilla run" | "earlier job" | "trained";
  /** Parameters of the model. */
  paramCount: number;
  /** Storage mode used per checkpoint. */
  modes: ("exact" | "sketch")[];
  /** Task gradients computed (grid timesteps x checkpoints). */
  gradients: number;
  /** Seconds spent getting the checkpoints (training or finding them). */
  trainSeconds: number;
  /** Seconds spent measuring. */
  measureSeconds: number;
}

/** Options of {@link computeAffinityJob}. */
export interface AffinityJobOptions {
  /** Dataset cache directory (default .cache). */
  cacheDir?: string;
  /** Keep the checkpoints this job trained (default: removed once the matrix is written). */
  keepCheckpoints?: boolean;
  /** Called as training steps and gradients are done. */
  onProgress?: (p: AffinityJobProgress) => void;
}

/** The first `n` rows of a seeded permutation of the `nTrain` rows of `train` (dim values each). */
export function affinitySubset(
  train: Float32Array,
  nTrain: number,
  dim: number,
  n: number,
  seed: number,
): Float32Array {
  const perm = rngFor(seed, "affinity-subset").permutation(nTrain);
  const x0 = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) x0.set(train.subarray(perm[i] * dim, (perm[i] + 1) * dim), i * dim);
  return x0;
}

async function haveAll(dir: string, steps: readonly number[]): Promise<boolean> {
  for (const s of steps) {
    try {
      if ((await readCheckpointMeta(checkpointDirOf(dir, s))).step !== s) return false;
    } catch {
      return false;
    }
  }
  return true;
}

function rowsOf(data: Float64Array, m: number): number[][] {
  return Array.from({ length: m }, (_, a) => Array.from(data.subarray(a * m, (a + 1) * m)));
}

/** Pretty JSON with each row of `gridMatrix` on one line (about 200 KB for 101 grid timesteps). */
function affinityJsonText(header: Record<string, unknown>, gridMatrix: number[][]): string {
  const marker = "__GRID_MATRIX__";
  const rows = gridMatrix.map((r) => `    ${JSON.stringify(r)}`).join(",\n");
  return JSON.stringify({ ...header, gridMatrix: marker }, null, 2).replace(
    JSON.stringify(marker),
    `[\n${rows}\n  ]`,
  ) + "\n";
}

/** Run one affinity job (see the module doc); resolves when `<key>.json` is written. */
export async function computeAffinityJob(
  job: AffinityJob,
  opts: AffinityJobOptions = {},
): Promise<AffinityJobSummary> {
  const paths = affinityPaths(job);
  const { source, vanilla } = job;
  const config = vanilla.config;
  const steps = source.checkpoints;
  const t0 = performance.now();
  const runCkpt = `${runDir(job.outDir, vanilla.id)}/checkpoint`;
  let dir: string;
  let from: AffinityJobSummary["checkpoints"];
  if (await haveAll(runCkpt, steps)) [dir, from] = [runCkpt, "vanilla run"];
  else if (await haveAll(paths.checkpoints, steps)) [dir, from] = [paths.checkpoints, "earlier job"];
  else {
    [dir, from] = [paths.checkpoints, "trained"];
    await trainCheckpoints(config, steps, dir, {
      cacheDir: opts.cacheDir ?? ".cache",
      onProgress: (p) => opts.onProgress?.({ phase: "train", done: p.step, total: p.steps }),
    });
  }
  const t1 = performance.now();

  const dsFactory = getDatasetFactory(config.dataset.id);
  const datasetOptions = { ...dsFactory.defaults as Record<string, unknown>, ...config.dataset.options };
  const dataset = await dsFactory.load(datasetOptions, { cacheDir: opts.cacheDir ?? ".cache" });
  if (source.subset > dataset.nTrain) {
    throw new UsageError(
      badValue(
        "affinity.subset",
        source.subset,
        `at most ${dataset.nTrain} (the training set of ${config.dataset.id})`,
      ),
    );
  }
  const dim = dataset.dataShape.reduce((a, b) => a * b, 1);
  const x0 = affinitySubset(dataset.train, dataset.nTrain, dim, source.subset, job.seed);
  const schedule = makeSchedule(config.diffusion.schedule, config.diffusion.T);
  const models: Denoiser[] = [];
  const shas: { step: number; sha256: string }[] = [];
  let res;
  try {
    for (const s of steps) {
      const c = await loadCheckpoint(checkpointDirOf(dir, s));
      models.push(c.model);
      shas.push({ step: s, sha256: c.meta.sha256 });
    }
    res = await measureAffinity(models, schedule, x0, source.subset, {
      grid: source.grid,
      batchSize: source.batch,
      seed: job.seed,
      mode: source.mode,
      sketchDim: source.sketchDim,
    }, (done, total) => opts.onProgress?.({ phase: "measure", done, total }));
  } finally {
    for (const m of models) m.dispose();
  }
  const t2 = performance.now();

  const m = res.grid.length;
  const title = `Task affinity: ${job.label}, vanilla checkpoints ${steps.join(", ")}, T = ${schedule.T}`;
  await atomicWriteFile(paths.svg, affinityHeatmapSvg(res.matrix, schedule, { title }));
  const summary: AffinityJobSummary = {
    key: job.key,
    checkpoints: from,
    paramCount: res.paramCount,
    modes: res.modes,
    gradients: m * steps.length,
    trainSeconds: (t1 - t0) / 1000,
    measureSeconds: (t2 - t1) / 1000,
  };
  await atomicWriteJson(paths.timing, { ...summary, backend: tf.getBackend() });
  const header = {
    format: AFFINITY_FORMAT,
    T: schedule.T,
    schedule: schedule.id,
    source: {
      key: job.key,
      label: job.sourceLabel,
      from: source.from,
      seed: job.seed,
      vanillaRun: vanilla.id,
      checkpoints: steps,
      grid: source.grid,
      subset: source.subset,
      batch: source.batch,
      mode: source.mode,
      sketchDim: source.sketchDim,
    },
    checkpoints: shas,
    model: { id: config.model.id, options: config.model.options },
    dataset: config.dataset.id,
    datasetOptions,
    backend: tf.getBackend(),
    modes: res.modes,
    paramCount: res.paramCount,
    gridStep: source.grid,
    grid: Array.from(res.grid),
  };
  await atomicWriteFile(paths.json, affinityJsonText(header, rowsOf(res.gridMatrix, m)));
  if (dir === paths.checkpoints && !opts.keepCheckpoints) {
    await Deno.remove(paths.checkpoints, { recursive: true }).catch(() => {});
  }
  return summary;
}
