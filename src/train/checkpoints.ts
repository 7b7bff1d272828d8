/**
 * A training pass that only writes checkpoints: the first `max(steps)` steps of a run, assembled by the
 * same seam as every run (src/train/assemble.ts) and stepped exactly as `runTraining` steps it, with a
 * checkpoint (src/models/checkpoint.ts, the raw weights, as the official `task_affinity_score.py` loads
 * `ckpt["model"]`) after each of `steps`, and no evaluation. Evaluation never changes the weights (EMA
 * sampling swaps the shadow weights in and back; its random streams are its own), so these checkpoints
 * equal the ones `runTraining` writes at the same steps (tested). An affinity source uses it to measure the
 * vanilla run of a seed without waiting for (or repeating) that run's evaluation (src/suite/affinity_job.ts).
 *
 * @module
 */
import type { RunConfig } from "./types.ts";
import { assembleRun } from "./assemble.ts";
import { saveCheckpoint } from "../models/checkpoint.ts";

/** Progress of a checkpoint pass. */
export interface CheckpointPassProgress {
  /** Steps done. */
  step: number;
  /** Steps of the pass (the last checkpoint's). */
  steps: number;
}

/** Options of {@link trainCheckpoints}. */
export interface CheckpointPassOptions {
  /** Dataset cache directory (default .cache). */
  cacheDir?: string;
  /** Called after every step. */
  onProgress?: (p: CheckpointPassProgress) => void;
  /** Read pending losses every this many steps (default 50; a non-finite loss fails the pass). */
  lossReadEvery?: number;
}

/** Directory of the checkpoint of step `step` under `dir` (as runTraining names them). */
export function checkpointDirOf(dir: string, step: number): string {
  return `${dir}/step-${step}`;
}

/**
 * Train `config` for max(`steps`) steps and write a checkpoint after each step in `steps` to
 * `<dir>/step-<n>`. Throws when a loss becomes non-finite (naming the step) or `steps` is not a
 * non-empty ascending list within [1, config.train.steps].
 */
export async function trainCheckpoints(
  config: RunConfig,
  steps: readonly number[],
  dir: string,
  opts: CheckpointPassOptions = {},
): Promise<string[]> {
  const n = config.train.steps;
  if (
    steps.length === 0 ||
    steps.some((s, i) => !Number.isInteger(s) || s < 1 || s > n || (i > 0 && s <= steps[i - 1]))
  ) {
    throw new RangeError(`trainCheckpoints: steps must ascend within [1, ${n}]; got [${steps.join(", ")}]`);
  }
  const last = steps[steps.length - 1];
  const at = new Set(steps);
  const readEvery = opts.lossReadEvery ?? 50;
  const run = await assembleRun(config, { cacheDir: opts.cacheDir ?? ".cache" });
  const out: string[] = [];
  try {
    let nextLossStep = 0;
    const readLosses = async () => {
      const losses = await run.stepper.readLosses();
      losses.forEach((loss, i) => {
        if (!Number.isFinite(loss)) {
          throw new Error(`non-finite loss (${loss}) at step ${nextLossStep + i} of ${config.method.id}`);
        }
      });
      nextLossStep += losses.length;
    };
    for (let step = 0; step < last; step++) {
      await run.step(step);
      const save = at.has(step + 1);
      if (save || run.stepper.pendingLosses >= readEvery) await readLosses();
      if (save) {
        const path = checkpointDirOf(dir, step + 1);
        await saveCheckpoint(path, run.model, {
          modelOptions: run.modelOptions,
          dataset: { id: config.dataset.id, options: run.datasetOptions },
          T: run.schedule.T,
          schedule: run.schedule.id,
          step: step + 1,
        });
        out.push(path);
      }
      opts.onProgress?.({ step: step + 1, steps: last });
    }
  } finally {
    run.dispose();
  }
  return out;
}
