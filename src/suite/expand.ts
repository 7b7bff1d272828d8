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
 * @module
 */
import type { Component, RunConfig } from "../train/types.ts";
import type { ExclusionSpec } from "./schema.ts";
import { BASELINE, CONTROL } from "./schema.ts";
import type { ResolvedSuite } from "./validate.ts";
import type { SuiteRegistries } from "./registries.ts";
import { canonicalJson, runId, withAffinityHash, withLatentHash } from "./content_id.ts";
import { UsageError } from "../runtime/errors.ts";

/** A run of a suite: its content id and resolved config. */
export interface PlannedRun {
  /** Content id (directory name). */
  id: string;
  /** The resolved config. */
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

/** Resolved configs of every run, without ids (synchronous; see {@link planRuns}). */
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
  const vanilla: Component = {
    id: BASELINE.method,
    options: clone((vanillaEntry?.defaults ?? {}) as Record<string, unknown>),
  };
  const make = (
    dataset: Component,
    model: Component,
    clustering: RunConfig["clustering"],
    method: Component,
    seed: number,
  ): RunConfig => ({
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
  });
  for (const dataset of suite.datasets) {
    for (const model of suite.models) {
      const candidates: RunConfig[] = [];
      if (suite.baselines) {
        for (const seed of suite.seeds) {
          const clustering = { objective: BASELINE.objective, k: BASELINE.k, sampler: BASELINE.sampler };
          candidates.push(make(dataset, model, clustering, vanilla, seed));
        }
      }
      for (const objective of suite.objectives) {
        for (const k of suite.k) {
          const methods = withControls ? [vanilla, ...suite.methods] : suite.methods;
          for (const method of methods) {
            for (const seed of suite.seeds) {
              const clustering: RunConfig["clustering"] = { objective, k, sampler: suite.sampler };
              if (objective === "gradient" && suite.affinity !== undefined) {
                clustering.affinity = suite.affinity;
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

/**
 * Every run of the suite with its content id. A run with a task-affinity file gets
 * `clustering.affinitySha256`, the SHA-256 of the file's bytes (read once here), which its id hashes in
 * place of the path; a latent run gets `latent.weightsHash` from its autoencoder's manifest. Ids are unique
 * (a duplicate is a bug and throws).
 */
export async function planRuns(suite: ResolvedSuite, registries: SuiteRegistries): Promise<PlannedRun[]> {
  const configs = expandSuite(suite, registries);
  const runs: PlannedRun[] = [];
  const seen = new Set<string>();
  const hashes = new Map<string, Promise<RunConfig>>();
  for (const raw of configs) {
    const path = raw.clustering.affinity;
    let config = raw;
    if (path !== undefined) {
      if (!hashes.has(path)) hashes.set(path, withAffinityHash(raw));
      const affinitySha256 = (await hashes.get(path)!).clustering.affinitySha256;
      config = { ...raw, clustering: { ...raw.clustering, affinitySha256 } };
    }
    config = await withLatentHash(config);
    const id = await runId(config);
    if (seen.has(id)) throw new Error(`two runs of suite ${suite.name} have the same content id ${id}`);
    seen.add(id);
    runs.push({ id, config });
  }
  return runs;
}
