/**
 * Expansion of a resolved suite into runs: the cartesian product datasets × models × objectives × k ×
 * methods × seeds, minus exclusions, plus the vanilla baseline (objective "none", k = 1, uniform
 * timesteps, method "vanilla") for every dataset, model and seed, plus — when the rows use the stratified
 * sampler and `controls` is on — a matched control per clustering: method "vanilla" with the same
 * objective, k, affinity file and stratified sampler, for every seed. The stratified sampler changes how
 * often each timestep is drawn (every cluster gets B/k of the batch whatever its width) and lowers the
 * variance of the loss, so only this control separates an MTL method from its sampler. Every run is a
 * complete RunConfig (src/train/types.ts) with its content id.
 *
 * Order is deterministic: dataset, model, then the baseline, then per objective and k the control followed
 * by the methods, each in suite order, seeds innermost. A method listed by the user that equals a control
 * (vanilla with default options) is the control, not a second copy.
 *
 * A suite whose affinity is a source (measured by the suite: src/suite/affinity_source.ts) plans in two
 * steps: {@link planSuite} returns the affinity jobs of phase 1 and the gradient runs that wait for them;
 * once a seed's matrix exists, its gradient runs get the file and the SHA-256 of its bytes, and ids.
 *
 * @module
 */
import type { Component, RunConfig } from "../train/types.ts";
import type { ExclusionSpec } from "./schema.ts";
import { BASELINE, CONTROL } from "./schema.ts";
import type { ResolvedSuite } from "./validate.ts";
import type { SuiteRegistries } from "./registries.ts";
import { canonicalJson, runId, withAffinityHash, withLatentHash } from "./content_id.ts";
import { UsageError } from "../runtime/errors.ts";
import {
  AFFINITY_KEY_LENGTH,
  affinityDone,
  type AffinityJob,
  affinityJobHash,
  affinityJobLabel,
  affinityPaths,
  affinitySourceLabel,
  isAffinitySource,
  type ResolvedAffinitySource,
} from "./affinity_source.ts";

/** A run of a suite: its content id and resolved config. */
export interface PlannedRun {
  /** Content id (src/suite/content_id.ts). */
  id: string;
  /** The resolved configuration. */
  config: RunConfig;
}

/** True when `config` matches every field the exclusion gives. */
export function isExcluded(config: RunConfig, ex: ExclusionSpec): boolean {
  return (ex.dataset === undefined || ex.dataset === config.dataset.id) &&
    (ex.model === undefined || ex.model === config.model.id) &&
    (ex.objective === undefined || ex.objective === config.clustering.objective) &&
    (ex.k === undefined || ex.k === config.clustering.k) &&
    (ex.method === undefined || ex.method === config.method.id);
}

function clone<T>(x: T): T {
  return structuredClone(x);
}

/** The run config of one grid point (shared by the runs, the baseline and the affinity jobs). */
function makeConfig(
  suite: ResolvedSuite,
  dataset: Component,
  model: Component,
  clustering: RunConfig["clustering"],
  method: Component,
  seed: number,
): RunConfig {
  return {
    suite: suite.name,
    dataset: clone(dataset),
    model: clone(model),
    diffusion: { schedule: suite.schedule, T: suite.T },
    clustering,
    method: clone(method),
    seed,
    train: { ...suite.train },
    eval: clone(suite.eval),
    ...(suite.latent ? { latent: { ...suite.latent } } : {}),
    backend: suite.backend,
  };
}

/** The vanilla method with the registry's default options. */
function vanillaMethod(registries: SuiteRegistries): Component {
  return {
    id: BASELINE.method,
    options: clone((registries.methods.get(BASELINE.method)?.defaults ?? {}) as Record<string, unknown>),
  };
}

/**
 * The vanilla baseline configuration of one dataset, model and seed (objective "none", k = 1, uniform
 * timesteps, method "vanilla"): the baseline run, and the run an affinity source measures.
 */
export function baselineConfig(
  suite: ResolvedSuite,
  registries: SuiteRegistries,
  dataset: Component,
  model: Component,
  seed: number,
): RunConfig {
  const clustering = { objective: BASELINE.objective, k: BASELINE.k, sampler: BASELINE.sampler };
  return makeConfig(suite, dataset, model, clustering, vanillaMethod(registries), seed);
}

/**
 * Resolved configs of every run, without ids (synchronous; see {@link planSuite}). With an affinity
 * source, the gradient runs carry `clustering.affinitySource` and no `clustering.affinity` yet.
 */
export function expandSuite(suite: ResolvedSuite, registries: SuiteRegistries): RunConfig[] {
  const out: RunConfig[] = [];
  const vanillaEntry = registries.methods.get(BASELINE.method);
  const withControls = suite.controls && suite.sampler === CONTROL.sampler && suite.objectives.length > 0;
  if ((suite.baselines || withControls) && !vanillaEntry) {
    throw new UsageError(
      `${suite.baselines ? "baselines" : "controls"}: the method registry has no "${BASELINE.method}" ` +
        "method for the baseline and the matched controls",
    );
  }
  const vanilla = vanillaMethod(registries);
  const source = isAffinitySource(suite.affinity) ? affinitySourceLabel(suite.affinity) : undefined;
  const make = (
    dataset: Component,
    model: Component,
    clustering: RunConfig["clustering"],
    method: Component,
    seed: number,
  ): RunConfig => makeConfig(suite, dataset, model, clustering, method, seed);
  for (const dataset of suite.datasets) {
    for (const model of suite.models) {
      const candidates: RunConfig[] = [];
      if (suite.baselines) {
        for (const seed of suite.seeds) {
          candidates.push(baselineConfig(suite, registries, dataset, model, seed));
        }
      }
      for (const objective of suite.objectives) {
        for (const k of suite.k) {
          const methods = withControls ? [vanilla, ...suite.methods] : suite.methods;
          for (const method of methods) {
            for (const seed of suite.seeds) {
              const clustering: RunConfig["clustering"] = { objective, k, sampler: suite.sampler };
              if (objective === "gradient" && typeof suite.affinity === "string") {
                clustering.affinity = suite.affinity;
              } else if (objective === "gradient" && source !== undefined) {
                clustering.affinitySource = source;
              }
              candidates.push(make(dataset, model, clustering, method, seed));
            }
          }
        }
      }
      const seen = new Set<string>();
      for (const c of candidates) {
        if (suite.exclude.some((ex) => isExcluded(c, ex))) continue;
        const key = canonicalJson(c);
        if (seen.has(key)) continue; // a user-listed vanilla that is the control
        seen.add(key);
        out.push(c);
      }
    }
  }
  return out;
}

/** A run that waits for the affinity matrix of its seed (phase 1). */
export interface PendingRun {
  /** The config without `clustering.affinity` (it gets the job's file once the matrix exists). */
  config: RunConfig;
  /** The affinity job whose matrix it needs. */
  job: AffinityJob;
}

/** A suite's plan: runs with known ids, the affinity jobs of phase 1, and the runs waiting for them. */
export interface SuitePlan {
  /** Every run whose content id is known (all of them without an affinity source, or once phase 1 is done). */
  runs: PlannedRun[];
  /** Affinity jobs (one per dataset, model and seed of a gradient run), done or not; empty without a source. */
  affinity: AffinityJob[];
  /** Gradient runs whose seed's matrix does not exist yet (no id until it does). */
  pending: PendingRun[];
}

/** Options of {@link planSuite}. */
export interface PlanOptions {
  /** Suite output directory, where affinity sources keep their matrices (default reports/<suite>). */
  outDir?: string;
}

/**
 * Plan a suite: every run with its content id, plus, for a suite with an affinity source, its affinity
 * jobs and the runs that wait for them. A run with a task-affinity file gets `clustering.affinitySha256`,
 * the SHA-256 of the file's bytes (read once here), which its id hashes in place of the path; a gradient
 * run of an affinity source gets its seed's matrix file when that exists, and is pending otherwise. A latent
 * run gets `latent.weightsHash` from its autoencoder's manifest. Ids are unique (a duplicate is a bug and throws).
 */
export async function planSuite(
  suite: ResolvedSuite,
  registries: SuiteRegistries,
  opts: PlanOptions = {},
): Promise<SuitePlan> {
  const configs = expandSuite(suite, registries);
  const outDir = opts.outDir ?? `reports/${suite.name}`;
  const runs: PlannedRun[] = [];
  const pending: PendingRun[] = [];
  const seen = new Set<string>();
  const hashes = new Map<string, Promise<RunConfig>>();
  const jobs = new Map<string, Promise<{ job: AffinityJob; done: boolean }>>();
  const source = isAffinitySource(suite.affinity) ? suite.affinity : undefined;
  const jobFor = (c: RunConfig) => {
    const key = canonicalJson([c.dataset, c.model, c.seed]);
    if (!jobs.has(key)) jobs.set(key, makeJob(suite, registries, source!, c, outDir));
    return jobs.get(key)!;
  };
  for (const raw of configs) {
    let config = raw;
    if (raw.clustering.affinitySource !== undefined && raw.clustering.affinity === undefined) {
      const { job, done } = await jobFor(raw);
      if (!done) {
        pending.push({ config: raw, job });
        continue;
      }
      config = { ...raw, clustering: { ...raw.clustering, affinity: affinityPaths(job).json } };
    }
    const path = config.clustering.affinity;
    if (path !== undefined) {
      if (!hashes.has(path)) hashes.set(path, withAffinityHash(config));
      const affinitySha256 = (await hashes.get(path)!).clustering.affinitySha256;
      config = { ...config, clustering: { ...config.clustering, affinitySha256 } };
    }
    config = await withLatentHash(config);
    const id = await runId(config);
    if (seen.has(id)) throw new Error(`two runs of suite ${suite.name} have the same content id ${id}`);
    seen.add(id);
    runs.push({ id, config });
  }
  const affinity = await Promise.all([...jobs.values()].map(async (j) => (await j).job));
  return { runs, affinity, pending };
}

async function makeJob(
  suite: ResolvedSuite,
  registries: SuiteRegistries,
  source: ResolvedAffinitySource,
  c: RunConfig,
  outDir: string,
): Promise<{ job: AffinityJob; done: boolean }> {
  const vanilla = await withLatentHash(baselineConfig(suite, registries, c.dataset, c.model, c.seed));
  const job: AffinityJob = {
    key: (await affinityJobHash(vanilla, source)).slice(0, AFFINITY_KEY_LENGTH),
    label: affinityJobLabel(c.dataset, c.model, c.seed),
    seed: c.seed,
    source,
    sourceLabel: affinitySourceLabel(source),
    vanilla: { id: await runId(vanilla), config: vanilla },
    outDir,
  };
  return { job, done: await affinityDone(job) };
}

/**
 * Every run of the suite whose content id is known, with its id (see {@link planSuite}; runs waiting for
 * an affinity matrix measured by the suite are left out until it exists).
 */
export async function planRuns(
  suite: ResolvedSuite,
  registries: SuiteRegistries,
  opts: PlanOptions = {},
): Promise<PlannedRun[]> {
  return (await planSuite(suite, registries, opts)).runs;
}
