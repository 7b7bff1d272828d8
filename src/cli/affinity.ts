/**
 * `deno task cli affinity`: measure the T x T task-affinity matrix (gradient cosine similarity between
 * timesteps; ANT, Go et al. 2023, §3-4.1) of one or more model checkpoints on a fixed seeded data subset,
 * averaged over checkpoints, and write PREFIX.json, PREFIX.npy and PREFIX.svg. The result feeds
 * `deno task cli cluster --objective gradient --affinity PREFIX.npy` and suites with `affinity: PREFIX.npy`.
 *
 * @module
 */
import type { CliCommand } from "./command.ts";
import { enumFlag, intFlag, parseFlags } from "./args.ts";
import { initBackend } from "../runtime/backend.ts";
import { loadCheckpoint, type LoadedCheckpoint } from "../models/checkpoint.ts";
import { getDatasetFactory } from "../data/registry.ts";
import { makeSchedule } from "../diffusion/schedule.ts";
import {
  AFFINITY_DEFAULTS,
  AFFINITY_MODES,
  type AffinityMode,
  measureAffinity,
} from "../clustering/affinity.ts";
import { writeAffinity } from "../clustering/affinity_io.ts";
import { clusterTimesteps } from "../clustering/registry.ts";
import { rngFor } from "../runtime/rng.ts";
import { badValue, throwIfProblems, UsageError } from "../runtime/errors.ts";
import { loadLatentSpace } from "../latent/latent_data.ts";
import { affinityCurveReport, writeAffinityCurves } from "../analysis/affinity_report.ts";

const USAGE = `usage: deno task cli affinity --checkpoint DIR [--checkpoint DIR2 ...] [--dataset ID]
         [--subset 1000] [--batch 250] [--grid 10] [--out PREFIX] [--seed 0]
         [--mode auto|exact|sketch] [--sketch-dim 4096] [--k K] [--curve] [--backend auto|wasm|cpu|webgpu]
         [--json]

Task affinity TAS[a][b] = cos(g_a, g_b), g_t = gradient of the mean ε-loss over a fixed subset of the
training set at timestep t (fresh seeded noise per image), per checkpoint, averaged over checkpoints.

  --checkpoint DIR  a checkpoint directory written by training (repeat to average over training)
  --dataset ID      the data to measure on (its training split is sampled). Default: the dataset the
                    checkpoints record (antbench's trainer writes its id and resolved options), with
                    those options; another id is loaded with its default options
  --subset N        images in the fixed subset (default 1000, as the official script)
  --batch B         images per forward/backward pass (default 250)
  --grid G          gradients at t = 0, G, 2G, ..., T-1 only; bilinear interpolation in between
                    (default 10; 1 = every timestep)
  --out PREFIX      output prefix (default reports/affinity/<dataset>): PREFIX.json, .npy, .svg
  --seed S          seed of the subset, the noise and the sketch (default 0)
  --mode M          exact (store gradients), sketch (count sketch), auto (exact if <= 256 MiB; default)
  --sketch-dim D    sketch size (default 4096: inner-product error std <= sqrt(2/D) = 0.022)
  --k K             also print the gradient-objective clusters for K and draw them on the heatmap
  --curve           ANT's observation (O1) over training: also write PREFIX.curve.json/.curve.md, affinity
                    against the timestep gap |t_a - t_b| (PREFIX.gap.svg) and the log-SNR gap
                    (PREFIX.gap-logsnr.svg), one line per checkpoint, and a heatmap per checkpoint
                    (PREFIX.ckpt-<i>.svg); Spearman's rho per checkpoint, with a 95% interval over runs at
                    steps measured in several runs
  --backend B       tfjs backend (default auto)
  --json            print exactly one JSON object: {"npy", "json", "svg", "T", "grid", "modes"[, "intervals"]
                    [, "curve"]}

Checkpoints of a latent run (they record their autoencoder) are measured on the scaled latents of the
dataset, as they were trained.`;

/**
 * Which data to measure the affinity on: the checkpoints' recorded training dataset (id and resolved
 * options) unless `--dataset` names another one, which then gets its registry defaults.
 */
export function measurementDataset(
  flag: string | undefined,
  recorded: { id: string; options: Record<string, unknown> } | undefined,
): { id: string; options: Record<string, unknown>; source: string } {
  if (flag === undefined) {
    if (!recorded) {
      throw new UsageError(
        badValue(
          "--dataset",
          undefined,
          "a dataset id (these checkpoints do not record their training data: they predate that field)",
        ),
      );
    }
    return { id: recorded.id, options: { ...recorded.options }, source: "recorded in the checkpoints" };
  }
  if (recorded && recorded.id === flag) {
    return { id: flag, options: { ...recorded.options }, source: "options recorded in the checkpoints" };
  }
  const defaults = { ...getDatasetFactory(flag, "--dataset").defaults as Record<string, unknown> };
  return {
    id: flag,
    options: defaults,
    source: recorded
      ? `default options; the checkpoints were trained on ${recorded.id}`
      : "default options; the checkpoints do not record their training data",
  };
}

export const affinityCommand: CliCommand = {
  name: "affinity",
  summary: "task-affinity matrix (gradient cosine similarity over timesteps) of model checkpoints",
  usage: USAGE,
  async run(args: string[]): Promise<number> {
    const { values, positionals } = parseFlags("affinity", args, {
      checkpoint: { type: "string", multiple: true, path: true },
      dataset: { type: "string" },
      subset: { type: "string" },
      batch: { type: "string" },
      grid: { type: "string" },
      out: { type: "string", path: true },
      seed: { type: "string" },
      mode: { type: "string" },
      "sketch-dim": { type: "string" },
      k: { type: "string" },
      curve: { type: "boolean" },
      backend: { type: "string" },
      json: { type: "boolean" },
    });
    if (positionals.length > 0) {
      throw new UsageError(`affinity: unexpected argument ${JSON.stringify(positionals[0])}\n${USAGE}`);
    }
    const dirs = (values.checkpoint as string[] | undefined) ?? [];
    if (dirs.length === 0) {
      throw new UsageError(badValue("--checkpoint", undefined, "one or more checkpoint directories"));
    }
    const datasetFlag = values.dataset as string | undefined;
    if (datasetFlag !== undefined) getDatasetFactory(datasetFlag, "--dataset"); // fail before loading
    const subset = intFlag("subset", values.subset, 1000, 1);
    const batchSize = intFlag("batch", values.batch, AFFINITY_DEFAULTS.batchSize, 1);
    const seed = intFlag("seed", values.seed, 0, 0, Number.MAX_SAFE_INTEGER);
    const mode = enumFlag<AffinityMode>("mode", values.mode, AFFINITY_MODES, "auto");
    const sketchDim = intFlag("sketch-dim", values["sketch-dim"], AFFINITY_DEFAULTS.sketchDim, 1, 1 << 20);
    const log = (m: string) => console.error(`affinity: ${m}`);

    const backend = await initBackend((values.backend as string | undefined) ?? "auto", "--backend");
    log(`backend ${backend.name} (${backend.reason})`);
    const loaded: LoadedCheckpoint[] = [];
    try {
      for (const dir of dirs) loaded.push(await loadCheckpoint(dir));
      const first = loaded[0].meta;
      const problems: string[] = [];
      loaded.forEach(({ meta }, i) => {
        const same = meta.T === first.T && meta.schedule === first.schedule &&
          meta.model.id === first.model.id &&
          JSON.stringify(meta.model.options) === JSON.stringify(first.model.options) &&
          meta.dataShape.join(",") === first.dataShape.join(",");
        if (!same) {
          problems.push(
            badValue(
              `--checkpoint ${dirs[i]}`,
              `${meta.model.id}, T = ${meta.T}, ${meta.schedule}`,
              `the architecture, T and schedule of ${dirs[0]}`,
            ),
          );
        }
        if (JSON.stringify(meta.latent ?? null) !== JSON.stringify(first.latent ?? null)) {
          problems.push(
            badValue(
              `--checkpoint ${dirs[i]}: latent`,
              meta.latent ?? "none",
              `the latent space of ${dirs[0]} (${JSON.stringify(first.latent ?? "none")})`,
            ),
          );
        }
        if (JSON.stringify(meta.dataset) !== JSON.stringify(first.dataset)) {
          problems.push(
            badValue(
              `--checkpoint ${dirs[i]}: dataset`,
              meta.dataset ?? "not recorded",
              `the dataset of ${dirs[0]} (${JSON.stringify(first.dataset ?? "not recorded")})`,
            ),
          );
        }
      });
      throwIfProblems("affinity: checkpoints disagree", problems);
      const { id: datasetId, options: datasetOptions, source } = measurementDataset(
        datasetFlag,
        first.dataset,
      );
      const dsFactory = getDatasetFactory(datasetId, "--dataset");
      log(`dataset ${datasetId} ${JSON.stringify(datasetOptions)} (${source})`);
      const prefix = (values.out as string | undefined) ?? `reports/affinity/${datasetId}`;
      const T = first.T;
      const grid = intFlag("grid", values.grid, AFFINITY_DEFAULTS.grid, 1, Math.max(1, T - 1));
      const k = values.k === undefined ? undefined : intFlag("k", values.k, 1, 1, T);

      const images = await dsFactory.load(datasetOptions, {
        cacheDir: Deno.env.get("ANTBENCH_CACHE_DIR") ?? ".cache",
      });
      // A latent run's checkpoints are measured on the scaled latents they were trained on.
      const latent = first.latent
        ? await loadLatentSpace(
          { autoencoder: first.latent.autoencoder, weightsHash: first.latent.weightsHash },
          images,
          datasetOptions,
          Deno.env.get("ANTBENCH_CACHE_DIR") ?? ".cache",
        )
        : undefined;
      latent?.dispose();
      if (
        latent && Math.abs(latent.scaleFactor - first.latent!.scaleFactor) > 1e-6 * first.latent!.scaleFactor
      ) {
        throw new UsageError(
          `affinity: the latents of ${datasetId} have scale factor ${latent.scaleFactor}; the checkpoints were ` +
            `trained with ${first.latent!.scaleFactor} (other dataset options?)`,
        );
      }
      const dataset = latent?.data ?? images;
      if (dataset.dataShape.join(",") !== first.dataShape.join(",")) {
        throw new UsageError(
          badValue(
            "--dataset",
            datasetId,
            `a dataset with samples of shape [${first.dataShape}] (the checkpoints' data shape)`,
          ) +
            `; ${datasetId} has [${dataset.dataShape}]`,
        );
      }
      if (subset > dataset.nTrain) {
        throw new UsageError(
          badValue("--subset", subset, `at most ${dataset.nTrain} (the training set of ${datasetId})`),
        );
      }
      const dim = first.dataShape.reduce((a, b) => a * b, 1);
      const perm = rngFor(seed, "affinity-subset").permutation(dataset.nTrain);
      const x0 = new Float32Array(subset * dim);
      for (let i = 0; i < subset; i++) {
        x0.set(dataset.train.subarray(perm[i] * dim, (perm[i] + 1) * dim), i * dim);
      }

      const schedule = makeSchedule(first.schedule, T);
      const started = performance.now();
      let lastLog = 0;
      const res = await measureAffinity(
        loaded.map((c) => c.model),
        schedule,
        x0,
        subset,
        { grid, batchSize, seed, mode, sketchDim },
        (done, total) => {
          const now = performance.now();
          if (done === total || now - lastLog > 5000) {
            lastLog = now;
            log(`${done}/${total} task gradients (${((now - started) / 1000).toFixed(1)} s)`);
          }
        },
      );
      const intervals = k === undefined
        ? undefined
        : clusterTimesteps("gradient", k, { T, affinity: res.matrix }).intervals;
      const paths = await writeAffinity(
        prefix,
        {
          matrix: res.matrix,
          grid: res.grid,
          gridMatrix: res.gridMatrix,
          provenance: {
            checkpoints: loaded.map(({ meta }, i) => ({
              dir: dirs[i],
              step: meta.step,
              sha256: meta.sha256,
            })),
            model: first.model,
            dataset: datasetId,
            datasetOptions,
            subset,
            batch: batchSize,
            seed,
            gridStep: grid,
            modes: res.modes,
            sketchDim: res.modes.includes("sketch") ? sketchDim : null,
            paramCount: res.paramCount,
          },
        },
        schedule,
        {
          title: `Task affinity: ${first.model.id} on ${datasetId}, ${loaded.length} checkpoint(s), T = ${T}`,
          intervals,
        },
      );
      const curve = values.curve
        ? await writeAffinityCurves(
          prefix,
          affinityCurveReport(
            loaded.map(({ meta }, i) => ({ dir: dirs[i], step: meta.step, matrix: res.perModel[i] })),
            res.grid,
            grid,
            schedule,
          ),
          loaded.map(({ meta }, i) => ({ dir: dirs[i], step: meta.step, matrix: res.perModel[i] })),
          res.grid,
          schedule,
          `${first.model.id} on ${datasetId}`,
        )
        : undefined;
      const seconds = (performance.now() - started) / 1000;
      if (values.json) {
        console.log(
          JSON.stringify({
            ...paths,
            T,
            grid: res.grid.length,
            modes: res.modes,
            ...(intervals ? { intervals } : {}),
            ...(curve ? { curve } : {}),
          }),
        );
      } else {
        console.log(
          `wrote ${paths.npy}, ${paths.json}, ${paths.svg}\n` +
            `T = ${T}, ${res.grid.length} grid timesteps (every ${grid}), ${loaded.length} checkpoint(s), ` +
            `${res.paramCount} parameters, mode ${res.modes[0]}, ${seconds.toFixed(1)} s`,
        );
        if (intervals) console.log(`gradient clusters (k = ${k}): ${JSON.stringify(intervals)}`);
        if (curve) console.log(`wrote ${curve.join(", ")}`);
      }
      return 0;
    } finally {
      for (const c of loaded) c.model.dispose();
    }
  },
};
