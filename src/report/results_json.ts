/**
 * results.json: the versioned, deterministic record of a suite's results, regenerated from the stored run
 * results alone. Per run: config, seed, environment fingerprint, convergence curve, final metrics, status;
 * per group and row: the statistics of the tables. Wall-clock timing is deliberately absent (it lives in
 * timing.json), so two runs of the same suite give byte-identical files.
 *
 * @module
 */
import type { RunResult } from "../train/types.ts";
import { ANTBENCH_VERSION } from "../suite/version.ts";
import type { Group, MetricSummary } from "./aggregate.ts";
import { metricInfo } from "./metric_info.ts";
import { roundSig } from "./format.ts";

/** Schema id of results.json. */
export const RESULTS_SCHEMA = "antbench.results/1";

/** Keys of an environment record that vary between identical runs and are left out of the fingerprint. */
const VOLATILE = /time|date|host|pid|started|finished|duration|seconds|elapsed/i;

/** The stable part of a run's environment (versions, backend, device), for results.json. */
export function stableEnvironment(env: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(env).sort()) if (!VOLATILE.test(k)) out[k] = env[k];
  return out;
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(o).sort().filter((k) => o[k] !== undefined).map((k) => [k, sortKeys(o[k])]),
    );
  }
  return v;
}

function metricJson(m: MetricSummary) {
  return {
    key: m.key,
    n: m.ci.n,
    seeds: m.seeds,
    values: m.values,
    mean: roundSig(m.ci.mean),
    sd: roundSig(m.ci.sd),
    ci95: roundSig(m.ci.halfWidth),
    ...(m.delta
      ? {
        delta: {
          n: m.delta.n,
          mean: roundSig(m.delta.mean),
          relative: roundSig(m.delta.relative),
          pPairedT: roundSig(m.delta.pairedT.p),
          pSignFlip: roundSig(m.delta.signFlip.p),
        },
      }
      : {}),
  };
}

/** Build the results.json value (keys sorted at every level). */
export function buildResultsJson(
  suite: string,
  results: readonly RunResult[],
  groups: readonly Group[],
  regression?: unknown,
): unknown {
  const metricKeys = [...new Set(groups.flatMap((g) => g.metricKeys))].sort();
  const runs = [...results].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((r) => ({
    id: r.id,
    status: r.status,
    ...(r.error ? { error: r.error } : {}),
    seed: r.config.seed,
    config: r.config,
    environment: stableEnvironment(r.environment ?? {}),
    clusters: r.clusters,
    curve: r.curve,
    final: r.final,
    paramCount: r.paramCount,
    method: r.method,
  }));
  return sortKeys({
    schema: RESULTS_SCHEMA,
    antbench: ANTBENCH_VERSION,
    suite,
    // The suite's regression-check settings (alpha, thresholds), read by `compare`.
    regression,
    counts: {
      runs: results.length,
      ok: results.filter((r) => r.status === "ok").length,
      failed: results.filter((r) => r.status !== "ok").length,
    },
    metrics: Object.fromEntries(metricKeys.map((k) => {
      const i = metricInfo(k);
      return [k, {
        label: i.label,
        direction: i.direction,
        featureSpace: i.featureSpace,
        description: i.description,
      }];
    })),
    groups: groups.map((g) => ({
      title: g.title,
      dataset: g.config.dataset,
      model: g.config.model,
      diffusion: g.config.diffusion,
      train: g.config.train,
      eval: g.config.eval,
      rows: g.rows.map((r) => ({
        label: r.label,
        objective: r.objective,
        k: r.k,
        method: r.method,
        baseline: r.isBaseline,
        ok: r.runs.length,
        failed: r.failed.length,
        clusters: r.clusters,
        metrics: r.metrics.map(metricJson),
        ...(r.stepsToTarget
          ? {
            stepsToTarget: {
              metric: r.stepsToTarget.metric,
              target: roundSig(r.stepsToTarget.target),
              perSeed: r.stepsToTarget.perSeed,
              reached: r.stepsToTarget.reached,
              mean: r.stepsToTarget.mean === null ? null : roundSig(r.stepsToTarget.mean),
              speedup: r.stepsToTarget.speedup === null ? null : roundSig(r.stepsToTarget.speedup),
            },
          }
          : {}),
      })),
    })),
    runs,
  });
}
