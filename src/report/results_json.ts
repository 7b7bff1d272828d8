/**
 * results.json: the versioned, deterministic record of a suite's results, regenerated from the stored run
 * results alone. Per run: config, seed, environment fingerprint, convergence curve, final metrics, floors,
 * status; per group: headline metric, floors, the verdict rule and its Holm family; per row and metric:
 * every paired comparison (vs matched control, vs vanilla) with raw, sign-flip, Holm and TOST p, MDE,
 * saturation and verdict; per row: headline verdicts and steps-to-target with bootstrap intervals.
 * Wall-clock timing is deliberately absent (it lives in timing.json), so two runs of the same suite give
 * byte-identical files.
 *
 * Schema history: /1 had one `delta` (vs vanilla, raw p only) per metric; /2 replaces it by
 * `comparisons` and adds floors, Holm, TOST, MDE, verdicts, roles and interpolated steps-to-target.
 *
 * @module
 */
import type { RunResult } from "../train/types.ts";
import { ANTBENCH_VERSION } from "../suite/version.ts";
import type { Group, MetricSummary, Row } from "./aggregate.ts";
import type { PairedComparison } from "./paired.ts";
import type { StepsToTarget } from "./steps_to_target.ts";
import { verdictRuleText } from "./verdict.ts";
import { metricInfo } from "./metric_info.ts";
import { roundSig } from "./format.ts";

/** Schema id of results.json. */
export const RESULTS_SCHEMA = "antbench.results/2";

/** Schema ids `compare` reads (the committed nightly baseline may predate the current one). */
export const READABLE_RESULTS_SCHEMAS: readonly string[] = ["antbench.results/1", RESULTS_SCHEMA];

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

function r6(x: number | null): number | null {
  return x === null ? null : roundSig(x);
}

function comparisonJson(c: PairedComparison) {
  return {
    against: c.against,
    reference: c.reference,
    n: c.n,
    mean: roundSig(c.mean),
    relative: roundSig(c.relative),
    referenceMean: roundSig(c.referenceMean),
    sd: roundSig(c.sd),
    pPairedT: roundSig(c.pairedT.p),
    pSignFlip: roundSig(c.signFlip.p),
    pHolm: roundSig(c.pHolm),
    tost: {
      margin: roundSig(c.tost.margin),
      pLower: roundSig(c.tost.pLower),
      pUpper: roundSig(c.tost.pUpper),
      p: roundSig(c.tost.p),
      pHolm: roundSig(c.pTostHolm),
    },
    mde: roundSig(c.mde),
    mdeHolm: roundSig(c.mdeHolm),
    saturated: c.saturated,
    verdict: c.verdict,
  };
}

function metricJson(g: Group, m: MetricSummary) {
  const f = g.floors[m.key];
  return {
    key: m.key,
    headline: m.key === g.headline,
    n: m.ci.n,
    seeds: m.seeds,
    values: m.values,
    mean: roundSig(m.ci.mean),
    sd: roundSig(m.ci.sd),
    ci95: roundSig(m.ci.halfWidth),
    floor: f
      ? { ...f, mean: roundSig(f.mean), sd: roundSig(f.sd), lo: roundSig(f.lo), hi: roundSig(f.hi) }
      : null,
    vanillaSaturated: g.saturated[m.key] ?? false,
    comparisons: m.comparisons.map(comparisonJson),
  };
}

function stepsJson(s: StepsToTarget) {
  return {
    metric: s.metric,
    target: roundSig(s.target),
    evalPoints: s.evalPoints,
    seeds: s.seeds,
    perSeed: s.perSeed.map(r6),
    reached: s.reached,
    mean: r6(s.mean),
    atFirstEval: s.atFirstEval,
    ci: s.ci ? s.ci.map(r6) : null,
    speedup: r6(s.speedup),
    speedupCi: s.speedupCi ? s.speedupCi.map(r6) : null,
    withheld: s.withheld ?? null,
    resamples: s.resamples,
  };
}

function rowJson(g: Group, r: Row) {
  return {
    label: r.label,
    role: r.role,
    objective: r.objective,
    k: r.k,
    sampler: r.sampler,
    affinity: r.affinity,
    method: r.method,
    baseline: r.isBaseline,
    control: r.controlLabel ?? null,
    ok: r.runs.length,
    failed: r.failed.length,
    clusters: r.clusters,
    verdicts: r.verdicts,
    metrics: r.metrics.map((m) => metricJson(g, m)),
    ...(r.stepsToTarget ? { stepsToTarget: stepsJson(r.stepsToTarget) } : {}),
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
    floors: r.floors,
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
      headline: g.headline ?? null,
      verdictRule: {
        test: "paired t-test (two-sided), Holm over the table; TOST for equivalence",
        alpha: g.settings.alpha,
        margin: g.settings.margin,
        power: g.settings.power,
        family: g.family,
        text: verdictRuleText(g, g.settings),
      },
      rows: g.rows.map((r) => rowJson(g, r)),
    })),
    runs,
  });
}
