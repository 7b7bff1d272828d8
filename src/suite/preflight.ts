/**
 * Everything about a suite that can be checked without training, checked before anything trains (by
 * `deno task bench` and its `--dry-run`): what src/suite/validate.ts cannot see because it needs files or
 * the machine.
 *
 * - Files named by the suite (`affinity`, `eval.inception`, a folder dataset's `dir`) exist, are readable
 *   and resolve (realpath) to places the task may read (src/runtime/paths.ts).
 * - The task-affinity matrix is a finite, symmetric T x T matrix (src/clustering/affinity_io.ts); an
 *   affinity source's subset fits every dataset's training split, and its exact mode fits the gradient
 *   memory budget (src/clustering/affinity.ts).
 * - Every dataset loads (files present, checksums, every image of a folder decodes), has training samples
 *   and enough held-out samples for `eval.referenceSamples`, and names a known feature space.
 * - Every model fits its data's shape (an MLP needs vectors, a U-Net images whose size halves per level).
 * - Every run's estimated peak memory (src/suite/memory.ts) fits: the 4 GiB wasm32 heap on the wasm
 *   backend, and the machine's memory (or cgroup limit) shared by `jobs` parallel runs (the whole process
 *   on wasm and cpu, its host side on webgpu); `maxMemory` replaces both limits.
 *
 * All problems are collected and thrown at once as one UsageError.
 *
 * @module
 */
import type { Component } from "../train/types.ts";
import type { Dataset } from "../data/dataset.ts";
import type { PlannedRun } from "./expand.ts";
import type { ResolvedSuite } from "./validate.ts";
import { getDatasetFactory } from "../data/registry.ts";
import { resolveDataPath } from "../data/files.ts";
import { getModelFactory } from "../models/registry.ts";
import { readAffinity } from "../clustering/affinity_io.ts";
import { FEATURE_EXTRACTOR_IDS } from "../metrics/features/registry.ts";
import { canonicalJson } from "./content_id.ts";
import { realPathInside } from "../runtime/paths.ts";
import { badValue, throwIfProblems } from "../runtime/errors.ts";
import { isAffinitySource } from "./affinity_source.ts";
import { AFFINITY_DEFAULTS, gridTimesteps } from "../clustering/affinity.ts";
import type { MachineMemory } from "../runtime/machine.ts";
import {
  estimateRunMemory,
  formatBytes,
  type MemoryEstimate,
  SAMPLING_BATCH,
  WASM_HEAP_LIMIT,
} from "./memory.ts";
import { runLabel } from "./runner.ts";
import { autoencoderLatentShape } from "../latent/registry.ts";

/** Options of {@link preflight}. */
export interface PreflightOptions {
  /** The concrete backend the runs will use. */
  backend: "wasm" | "native" | "webgpu" | "cpu";
  /** Runs in parallel. */
  jobs: number;
  /** A user's per-run memory limit in bytes (replaces the wasm heap cap and the machine's share). */
  maxMemory?: number;
  /** The machine's memory (null: unknown, not checked). */
  machine: MachineMemory | null;
  /** Dataset cache directory (default .cache). */
  cacheDir?: string;
}

/** What preflight learnt: each run's memory estimate and the limits used. */
export interface PreflightResult {
  estimates: Map<string, MemoryEstimate | null>;
  /** Per-run limit on the process memory (bytes; Infinity when unknown). */
  processLimit: number;
  /** Per-run limit on the wasm heap (bytes; Infinity off wasm). */
  wasmLimit: number;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The share of the machine's memory one run may use: 90% of it, split over `jobs`. */
export function perRunShare(machine: MachineMemory, jobs: number): number {
  return (0.9 * machine.bytes) / jobs;
}

/** Check a suite before training (see the module doc); throws one UsageError listing every problem. */
export async function preflight(
  suite: ResolvedSuite,
  runs: readonly PlannedRun[],
  opts: PreflightOptions,
): Promise<PreflightResult> {
  const problems: string[] = [];
  const cacheDir = opts.cacheDir ?? ".cache";

  // Files named by the suite.
  if (
    typeof suite.affinity === "string" && runs.some((r) => r.config.clustering.affinity !== undefined)
  ) {
    try {
      await realPathInside(suite.affinity, "affinity");
      await readAffinity(suite.affinity, suite.T);
    } catch (e) {
      problems.push(message(e).startsWith("affinity") ? message(e) : `affinity: ${message(e)}`);
    }
  }
  if (suite.eval.inception !== undefined) {
    try {
      await realPathInside(suite.eval.inception, "eval.inception");
    } catch (e) {
      problems.push(message(e));
    }
  }

  // Datasets: load each once (what every run would do first).
  const loaded = new Map<string, Dataset | null>();
  for (const [i, ds] of suite.datasets.entries()) {
    const key = canonicalJson(ds);
    const field = `datasets[${i}] (${ds.id})`;
    try {
      if (typeof ds.options.dir === "string" && ds.options.dir !== "") {
        await realPathInside(resolveDataPath(ds.options.dir), `datasets[${i}].options.dir`, "directory");
      }
      const f = getDatasetFactory(ds.id);
      const data = await f.load({ ...(f.defaults as Record<string, unknown>), ...ds.options }, { cacheDir });
      loaded.set(key, data);
      if (data.nTrain < 1) problems.push(`${field}: has no training samples`);
      try {
        data.reference(suite.eval.referenceSamples, 0);
      } catch (e) {
        problems.push(`${field}: eval.referenceSamples = ${suite.eval.referenceSamples}: ${message(e)}`);
      }
      if (!FEATURE_EXTRACTOR_IDS.includes(data.featureSpace)) {
        problems.push(
          `${field}: feature space ${JSON.stringify(data.featureSpace)} is unknown; allowed: ${
            FEATURE_EXTRACTOR_IDS.join(", ")
          }`,
        );
      } else if (data.featureSpace === "inception" && suite.eval.inception === undefined) {
        problems.push(
          `${field}: uses the "inception" feature space, which needs eval.inception (the path of a tfjs Inception-v3 model.json)`,
        );
      }
    } catch (e) {
      loaded.set(key, null);
      problems.push(message(e).startsWith(`datasets[${i}]`) ? message(e) : `${field}: ${message(e)}`);
    }
  }

  // What the denoiser sees: the data's shape, or the autoencoder's latent shape in a latent suite.
  const latentShape = suite.latent ? autoencoderLatentShape(suite.latent.autoencoder) : null;
  const modelShape = (data: Dataset): readonly number[] => latentShape ?? data.dataShape;

  // Models against their data's shape.
  const shapeSeen = new Set<string>();
  for (const [mi, model] of suite.models.entries()) {
    const f = getModelFactory(model.id);
    for (const [di, ds] of suite.datasets.entries()) {
      const data = loaded.get(canonicalJson(ds));
      if (!data || !f.shapeProblems) continue;
      const opts = { ...(f.defaults as Record<string, unknown>), ...model.options };
      for (const p of f.shapeProblems(opts, modelShape(data))) {
        const text = `model${
          suite.models.length > 1 ? `[${mi}]` : ""
        }.options on datasets[${di}] (${ds.id}): ${p}`;
        if (!shapeSeen.has(text)) problems.push(text);
        shapeSeen.add(text);
      }
    }
  }
  const shapeBad = shapeSeen.size > 0;

  // Memory.
  const wasmLimit = opts.backend === "wasm" || opts.backend === "native"
    ? (opts.maxMemory ?? WASM_HEAP_LIMIT)
    : Infinity;
  const processLimit = opts.maxMemory ?? (opts.machine ? perRunShare(opts.machine, opts.jobs) : Infinity);
  const estimates = new Map<string, MemoryEstimate | null>();
  // One problem per blamed field; it names the largest estimate and how many runs it concerns.
  const memoryProblems = new Map<string, { bytes: number; limit: string; kind: string; runs: string[] }>();
  for (const run of runs) {
    const data = loaded.get(canonicalJson(run.config.dataset as Component));
    if (!data || shapeBad) continue;
    const est = estimateRunMemory(
      run.config,
      { dataShape: modelShape(data), nTrain: data.nTrain },
      opts.backend === "native" ? "wasm" : opts.backend,
    );
    estimates.set(run.id, est);
    if (!est) continue;
    let over: { bytes: number; limit: string; kind: string } | null = null;
    if (est.wasmBytes > wasmLimit) {
      over = {
        bytes: est.wasmBytes,
        kind: "wasm heap",
        limit: opts.maxMemory !== undefined
          ? `--max-memory ${formatBytes(wasmLimit)}`
          : `the ${formatBytes(WASM_HEAP_LIMIT)} that tfjs-wasm (wasm32) can address`,
      };
    } else if (est.processBytes > processLimit) {
      over = {
        bytes: est.processBytes,
        kind: opts.backend === "webgpu" ? "host memory" : "memory",
        limit: opts.maxMemory !== undefined
          ? `--max-memory ${formatBytes(processLimit)}`
          : `${formatBytes(processLimit)}, the share of one of ${opts.jobs} parallel run(s) in 90% of this ` +
            `machine's ${formatBytes(opts.machine!.bytes)} (${opts.machine!.source})` +
            (opts.jobs > 1 ? "; use fewer --jobs" : ""),
      };
    }
    if (!over) continue;
    const key = blame(run, est);
    const entry = memoryProblems.get(key) ?? { bytes: 0, limit: over.limit, kind: over.kind, runs: [] };
    if (over.bytes > entry.bytes) Object.assign(entry, over);
    entry.runs.push(runLabel(run.config));
    memoryProblems.set(key, entry);
  }
  if (isAffinitySource(suite.affinity)) {
    const src = suite.affinity;
    for (const [i, ds] of suite.datasets.entries()) {
      const data = loaded.get(canonicalJson(ds));
      if (data && src.subset > data.nTrain) {
        problems.push(
          badValue(
            "affinity.subset",
            src.subset,
            `at most ${data.nTrain} (the training split of datasets[${i}] (${ds.id}))`,
          ),
        );
      }
    }
    const m = gridTimesteps(suite.T, src.grid).length;
    const P = Math.max(0, ...[...estimates.values()].map((e) => e?.params ?? 0));
    if (src.mode === "exact" && m * P * 8 > AFFINITY_DEFAULTS.memoryBudgetBytes) {
      problems.push(
        `affinity.mode: "exact" keeps ${m} gradients of ${P} parameters as float64 (${
          formatBytes(m * P * 8)
        }), ` +
          `over the ${
            formatBytes(AFFINITY_DEFAULTS.memoryBudgetBytes)
          } budget; use "sketch" or "auto", or a coarser grid`,
      );
    }
  }
  for (const [why, { bytes, limit, kind, runs: labels }] of memoryProblems) {
    problems.push(
      `${why}: estimated peak ${kind} ${formatBytes(bytes)} per run exceeds ${limit} ` +
        `(${labels.length === 1 ? `run ${labels[0]}` : `${labels.length} runs, e.g. ${labels[0]}`}; ` +
        `make it smaller, or pass --max-memory to override the estimate; formula: src/suite/memory.ts)`,
    );
  }
  throwIfProblems(`suite ${suite.name}`, problems);
  return { estimates, processLimit, wasmLimit };
}

/** The field that dominates a run's estimate, with its value and the estimate's inputs. */
function blame(run: PlannedRun, est: MemoryEstimate): string {
  const c = run.config;
  const act = 4 * c.train.batchSize * est.activations;
  const evalAct = 4 * Math.min(c.eval.samples, SAMPLING_BATCH) * est.inference;
  const inputs = `${est.params.toLocaleString("en-US")} parameters, ${
    Math.round(est.activations).toLocaleString("en-US")
  } activation values per training sample`;
  if (est.evalBytes > est.trainBytes && evalAct > est.evalBytes / 2) {
    return `eval.samples: got ${c.eval.samples} (sampled in batches of up to ${SAMPLING_BATCH}; ${
      est.params.toLocaleString("en-US")
    } parameters, ${Math.round(est.inference).toLocaleString("en-US")} values per sample)`;
  }
  if (act > est.trainBytes / 2) return `train.batchSize: got ${c.train.batchSize} (${inputs})`;
  const copies = est.segments > 0
    ? `weights, gradients and ${est.segments} per-cluster gradients on the backend, `
    : "weights and gradients on the backend, ";
  return `model ${c.model.id}: ${est.params.toLocaleString("en-US")} parameters (a training step holds ` +
    `${copies}Adam's moments and the EMA on the host)`;
}
