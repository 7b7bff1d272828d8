/**
 * Affinity sources: a suite that clusters with the "gradient" objective (ANT, Go et al. 2023, §4.1:
 * C(l, r) = -Σ_{t=l..r} TAS[c][t], TAS = gradient cosine similarity between timesteps, averaged over
 * checkpoints) may measure its task-affinity matrices itself instead of naming a file:
 *
 *     affinity: { from: "vanilla", checkpoints: [1000, 2000, 3000], grid: 10, subset: 1000 }
 *
 * Phase 1 of `deno task bench` then runs one *affinity job* per dataset, model and seed: the vanilla
 * baseline configuration of that seed (objective "none", uniform timesteps, method "vanilla") is trained
 * to the last checkpoint step through the same seam as every run (src/train/checkpoints.ts; its own
 * checkpoints are reused when the vanilla run was trained with `--checkpoints` at those steps), and the
 * matrix is measured on a seeded subset of its training data (src/suite/affinity_job.ts). Phase 2 trains
 * the runs; a gradient-clustered run of seed s uses the matrix of seed s.
 *
 * Per seed, not pooled: every seed's gradient rows (and their matched controls, which share the clusters)
 * are planned from that seed's own vanilla training, so the seeds stay independent replicates of the whole
 * procedure (train vanilla, measure, cluster, train ANT), which the paired tests over seeds assume. A pooled
 * matrix would give every seed the same clusters and hide the variability of the measurement from the
 * confidence intervals. (The paper measures one trained model; per-seed matrices are the replicated
 * version of that procedure.)
 *
 * Content addressing: a job's key hashes the antbench version, the vanilla configuration (its content
 * id's input), the resolved source and the seed, so a rerun finds its matrix at
 * `<outDir>/affinity/<key>.json` and skips the job. The dependent runs get `clustering.affinity` = that
 * file and `clustering.affinitySha256` = the SHA-256 of its bytes (src/suite/content_id.ts), so their
 * content ids are known only once the matrix exists, and a regenerated matrix that differs in one bit
 * gives new ids. Rows of the report group seeds by `clustering.affinitySource` (the source's label, the
 * same for every seed), not by the per-seed file.
 *
 * Files under `<outDir>/affinity/` (src/suite/affinity_job.ts):
 *
 *     <key>.json              the grid matrix and its provenance (format antbench.affinity/1, no T x T
 *                             matrix: readers interpolate it; its bytes enter the run ids; written last)
 *     <key>.svg               heatmap on t and log-SNR axes
 *     <key>.timing.json       wall-clock facts of the job (not hashed)
 *     <key>.claim             while a process computes it (src/runtime/file_lock.ts)
 *     <key>.checkpoints/      checkpoints trained by the job; removed after success unless --checkpoints
 *
 * @module
 */
import type { Component, RunConfig } from "../train/types.ts";
import { AFFINITY_MODES, type AffinityMode } from "../clustering/affinity.ts";
import { type Checker, isInt, isObject } from "./checker.ts";
import { canonicalJson, sha256Hex } from "./content_id.ts";
import { ANTBENCH_VERSION } from "./version.ts";
import { AFFINITY_FORMAT } from "../clustering/affinity_io.ts";

/** Defaults of an affinity source's optional fields. */
export const AFFINITY_SOURCE_DEFAULTS = {
  grid: 10,
  subset: 1000,
  batch: 250,
  mode: "auto" as AffinityMode,
  sketchDim: 4096,
} as const;

/** An affinity source with every field resolved. */
export interface ResolvedAffinitySource {
  /** The measured run: the vanilla baseline configuration of each seed. */
  from: "vanilla";
  /** Training steps of the checkpoints (ascending). */
  checkpoints: number[];
  /** Grid step G of the measured timesteps. */
  grid: number;
  /** Training images in the fixed subset. */
  subset: number;
  /** Images per forward/backward pass. */
  batch: number;
  /** Gradient storage mode. */
  mode: AffinityMode;
  /** Count-sketch dimension (sketch mode). */
  sketchDim: number;
}

const SOURCE_KEYS = ["from", "checkpoints", "grid", "subset", "batch", "mode", "sketchDim"];

/** True for a resolved source (a suite's `affinity` that is not a file path). */
export function isAffinitySource(a: unknown): a is ResolvedAffinitySource {
  return isObject(a) && a.from === "vanilla" && Array.isArray(a.checkpoints);
}

/**
 * Validate and resolve `affinity: {...}` of a suite with `steps` training steps and T timesteps; problems
 * go to `c` (each naming the field, the value and what is allowed).
 */
export function resolveAffinitySource(
  c: Checker,
  raw: Record<string, unknown>,
  steps: number,
  T: number,
): ResolvedAffinitySource {
  c.unknownKeys("affinity", raw, SOURCE_KEYS);
  if (raw.from !== "vanilla") {
    c.add(
      "affinity.from",
      raw.from,
      '"vanilla" (the vanilla baseline configuration of each seed is trained and measured)',
    );
  }
  const checkpoints = raw.checkpoints === undefined
    ? (c.problems.push(`affinity.checkpoints: missing (required: the training steps to measure)`), [])
    : c.list("affinity.checkpoints", raw.checkpoints, (p, v) => {
      if (!isInt(v, 1, steps)) {
        c.add(p, v, `a training step in [1, steps = ${steps}] (the vanilla runs train ${steps} steps)`);
        return null;
      }
      return v;
    });
  for (let i = 1; i < checkpoints.length; i++) {
    if (checkpoints[i] <= checkpoints[i - 1]) {
      c.add(
        `affinity.checkpoints[${i}]`,
        checkpoints[i],
        `a step greater than affinity.checkpoints[${i - 1}] = ${checkpoints[i - 1]} (ascending, distinct)`,
      );
      break;
    }
  }
  const d = AFFINITY_SOURCE_DEFAULTS;
  const maxGrid = Math.max(1, T - 1);
  return {
    from: "vanilla",
    checkpoints,
    grid: c.int("affinity.grid", raw.grid, d.grid, 1, maxGrid),
    subset: c.int("affinity.subset", raw.subset, d.subset, 1, 10_000_000),
    batch: c.int("affinity.batch", raw.batch, d.batch, 1, 1_000_000),
    mode: c.oneOf("affinity.mode", raw.mode, AFFINITY_MODES, d.mode),
    sketchDim: c.int("affinity.sketchDim", raw.sketchDim, d.sketchDim, 1, 1 << 20),
  };
}

/**
 * The source's label, e.g. "vanilla checkpoints 1000,2000; grid 10; subset 1000; batch 250; mode auto":
 * the same for every seed, it is `clustering.affinitySource` of the dependent runs (their rows' key).
 */
export function affinitySourceLabel(s: ResolvedAffinitySource): string {
  return `${s.from} checkpoints ${s.checkpoints.join(",")}; grid ${s.grid}; subset ${s.subset}; ` +
    `batch ${s.batch}; mode ${s.mode}${s.mode === "exact" ? "" : `; sketch ${s.sketchDim}`}`;
}

/** One affinity measurement of phase 1: a dataset, model and seed. */
export interface AffinityJob {
  /** Content key (RUN_ID_LENGTH hex digits of {@link affinityJobHash}). */
  key: string;
  /** "dataset/model seed s", for messages. */
  label: string;
  /** The seed: of the vanilla run, of the subset, of the noise and of the sketch. */
  seed: number;
  /** The suite's resolved source. */
  source: ResolvedAffinitySource;
  /** {@link affinitySourceLabel} of `source`. */
  sourceLabel: string;
  /** The vanilla configuration that is trained (content id and config). */
  vanilla: { id: string; config: RunConfig };
  /** Suite output directory. */
  outDir: string;
}

/** Number of hex digits of an affinity job key in file names. */
export const AFFINITY_KEY_LENGTH = 16;

/** Full SHA-256 of an affinity job: antbench version, vanilla config, resolved source, seed. */
export async function affinityJobHash(
  vanilla: RunConfig,
  source: ResolvedAffinitySource,
  version = ANTBENCH_VERSION,
): Promise<string> {
  return await sha256Hex(
    canonicalJson({ antbench: version, kind: "affinity-source", vanilla, source, seed: vanilla.seed }),
  );
}

/** Paths of a job's files (see the module doc). */
export function affinityPaths(job: Pick<AffinityJob, "outDir" | "key">): {
  dir: string;
  json: string;
  svg: string;
  timing: string;
  claim: string;
  checkpoints: string;
} {
  const dir = `${job.outDir}/affinity`;
  const p = `${dir}/${job.key}`;
  return {
    dir,
    json: `${p}.json`,
    svg: `${p}.svg`,
    timing: `${p}.timing.json`,
    claim: `${p}.claim`,
    checkpoints: `${p}.checkpoints`,
  };
}

/** True when the job's matrix file exists and belongs to it (format and key). */
export async function affinityDone(job: Pick<AffinityJob, "outDir" | "key">): Promise<boolean> {
  try {
    const v = JSON.parse(await Deno.readTextFile(affinityPaths(job).json));
    return v?.format === AFFINITY_FORMAT && v?.source?.key === job.key;
  } catch {
    return false;
  }
}

/** "dataset/model seed s". */
export function affinityJobLabel(dataset: Component, model: Component, seed: number): string {
  return `${dataset.id}/${model.id} seed ${seed}`;
}
