/**
 * From stored RunResults to the comparison tables: runs are grouped by everything that must match for a
 * fair comparison (dataset, model, schedule, T, training and evaluation settings), rows are clustering ×
 * k × method within a group, and every final metric is summarised over seeds (mean ± 95% t-interval),
 * compared with the group's vanilla baseline paired by seed (paired t-test and exact sign-flip test), and
 * turned into steps-to-target: the first evaluation step at which a run reaches vanilla's mean final
 * quality (MLPerf-style time-to-quality), with the speed-up that implies.
 *
 * Everything here is a pure function of the results, in a fixed order, so reports are deterministic.
 *
 * @module
 */
import type { Component, RunConfig, RunResult } from "../train/types.ts";
import { canonicalJson } from "../suite/content_id.ts";
import { type MeanCi, meanCi, pairedTTest, signFlipTest, type TestResult } from "./stats.ts";
import { type Direction, metricInfo } from "./metric_info.ts";

/** Paired comparison of a row's metric with the baseline. */
export interface DeltaStat {
  /** Number of seeds present in both. */
  n: number;
  /** Mean of (row − baseline) over paired seeds. */
  mean: number;
  /** `mean` relative to the baseline's mean over the same seeds. */
  relative: number;
  pairedT: TestResult;
  signFlip: TestResult;
}

/** Summary of one metric of one row. */
export interface MetricSummary {
  key: string;
  /** Final value per seed, in seed order. */
  seeds: number[];
  values: number[];
  ci: MeanCi;
  delta?: DeltaStat;
}

/** Steps-to-target of a row. */
export interface StepsToTarget {
  metric: string;
  target: number;
  /** Steps per seed (null = target not reached within the run). */
  perSeed: (number | null)[];
  reached: number;
  /**
   * First evaluation step at which the row's mean curve (mean over seeds at each evaluation step) reaches
   * the target, or null. Vanilla's own mean curve ends exactly at the target, so it always has one.
   */
  mean: number | null;
  /** Baseline mean steps / row mean steps (null when either is undefined). */
  speedup: number | null;
}

/** One table row: one clustering objective, k and method over seeds. */
export interface Row {
  key: string;
  objective: string;
  k: number;
  method: Component;
  label: string;
  isBaseline: boolean;
  /** Results with status "ok", sorted by seed. */
  runs: RunResult[];
  failed: RunResult[];
  metrics: MetricSummary[];
  stepsToTarget?: StepsToTarget;
  /** Clusters of the first ok run (identical across seeds for data-independent objectives). */
  clusters: [number, number][];
}

/** Runs that are comparable with each other. */
export interface Group {
  key: string;
  title: string;
  /** A representative config (the first run's). */
  config: RunConfig;
  /** Metric keys, in the order of the config's eval.metrics. */
  metricKeys: string[];
  rows: Row[];
  baseline?: Row;
}

/** The part of a config that must match for two runs to be compared. */
export function groupConfig(c: RunConfig): unknown {
  return {
    dataset: c.dataset,
    model: c.model,
    diffusion: c.diffusion,
    train: c.train,
    eval: c.eval,
    backend: c.backend,
  };
}

function rowKey(c: RunConfig): string {
  return canonicalJson([
    c.clustering.objective,
    c.clustering.k,
    c.clustering.sampler,
    c.clustering.affinity ?? null,
    c.method,
  ]);
}

function isBaselineConfig(c: RunConfig): boolean {
  return c.clustering.objective === "none" && c.method.id === "vanilla";
}

function compareStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function orderMetricKeys(results: RunResult[], config: RunConfig): string[] {
  const keys = new Set<string>();
  for (const r of results) for (const k of Object.keys(r.final)) keys.add(k);
  const rank = (k: string) => {
    const i = config.eval.metrics.indexOf(metricInfo(k).id);
    return i < 0 ? config.eval.metrics.length : i;
  };
  return [...keys].sort((a, b) => rank(a) - rank(b) || compareStr(a, b));
}

function firstReach(r: RunResult, key: string, target: number, d: Direction): number | null {
  for (const p of r.curve) {
    const v = p.metrics[key];
    if (v === undefined || !Number.isFinite(v)) continue;
    if (d === "lower" ? v <= target : v >= target) return p.step;
  }
  return null;
}

/** First step at which the mean over seeds reaches `target` (relative tolerance 1e-12 for equality). */
function meanCurveReach(runs: RunResult[], key: string, target: number, d: Direction): number | null {
  if (runs.length === 0) return null;
  const steps = [...new Set(runs.flatMap((r) => r.curve.map((p) => p.step)))].sort((a, b) => a - b);
  const tol = 1e-12 * Math.max(1, Math.abs(target));
  for (const s of steps) {
    const vals = runs.map((r) => r.curve.find((p) => p.step === s)?.metrics[key]);
    if (vals.some((v) => v === undefined || !Number.isFinite(v))) continue;
    const m = (vals as number[]).reduce((a, b) => a + b, 0) / vals.length;
    if (d === "lower" ? m <= target + tol : m >= target - tol) return s;
  }
  return null;
}

function summarise(key: string, runs: RunResult[]): MetricSummary {
  const withValue = runs.filter((r) => Number.isFinite(r.final[key]));
  const seeds = withValue.map((r) => r.config.seed);
  const values = withValue.map((r) => r.final[key]);
  return { key, seeds, values, ci: meanCi(values) };
}

function pairWith(row: MetricSummary, base: MetricSummary): DeltaStat | undefined {
  const a: number[] = [];
  const b: number[] = [];
  row.seeds.forEach((s, i) => {
    const j = base.seeds.indexOf(s);
    if (j >= 0) {
      a.push(row.values[i]);
      b.push(base.values[j]);
    }
  });
  if (a.length === 0) return undefined;
  const d = a.map((x, i) => x - b[i]);
  const mean = d.reduce((s, x) => s + x, 0) / d.length;
  const baseMean = b.reduce((s, x) => s + x, 0) / b.length;
  return {
    n: a.length,
    mean,
    relative: baseMean === 0 ? NaN : mean / Math.abs(baseMean),
    pairedT: pairedTTest(a, b),
    signFlip: signFlipTest(a, b),
  };
}

function rowLabel(c: RunConfig, methodNeedsOptions: boolean): string {
  const m = methodNeedsOptions ? `${c.method.id} ${canonicalJson(c.method.options)}` : c.method.id;
  return isBaselineConfig(c) ? "vanilla" : `${c.clustering.objective} k=${c.clustering.k} ${m}`;
}

/** Group results and compute every row's statistics. Results of any status may be passed. */
export function aggregate(results: readonly RunResult[]): Group[] {
  const byGroup = new Map<string, RunResult[]>();
  for (const r of results) {
    const k = canonicalJson(groupConfig(r.config));
    if (!byGroup.has(k)) byGroup.set(k, []);
    byGroup.get(k)!.push(r);
  }
  const groups: Group[] = [];
  for (const [key, rs] of byGroup) {
    rs.sort((a, b) => a.config.seed - b.config.seed || compareStr(a.id, b.id));
    const config = rs[0].config;
    const metricKeys = orderMetricKeys(rs.filter((r) => r.status === "ok"), config);
    const byRow = new Map<string, RunResult[]>();
    for (const r of rs) {
      const k = rowKey(r.config);
      if (!byRow.has(k)) byRow.set(k, []);
      byRow.get(k)!.push(r);
    }
    // Methods that appear with several option sets get their options in the label.
    const optionSets = new Map<string, Set<string>>();
    for (const r of rs) {
      const id = `${r.config.clustering.objective}|${r.config.clustering.k}|${r.config.method.id}`;
      if (!optionSets.has(id)) optionSets.set(id, new Set());
      optionSets.get(id)!.add(canonicalJson(r.config.method.options));
    }
    const rows: Row[] = [...byRow.entries()].map(([k, runs]) => {
      const c = runs[0].config;
      const ok = runs.filter((r) => r.status === "ok");
      const id = `${c.clustering.objective}|${c.clustering.k}|${c.method.id}`;
      return {
        key: k,
        objective: c.clustering.objective,
        k: c.clustering.k,
        method: c.method,
        label: rowLabel(c, (optionSets.get(id)?.size ?? 1) > 1),
        isBaseline: isBaselineConfig(c),
        runs: ok,
        failed: runs.filter((r) => r.status !== "ok"),
        metrics: metricKeys.map((m) => summarise(m, ok)),
        clusters: ok[0]?.clusters ?? runs[0].clusters,
      };
    });
    rows.sort((a, b) =>
      Number(b.isBaseline) - Number(a.isBaseline) || compareStr(a.objective, b.objective) || a.k - b.k ||
      compareStr(a.method.id, b.method.id) || compareStr(a.key, b.key)
    );
    const baseline = rows.find((r) => r.isBaseline);
    if (baseline) {
      for (const row of rows) {
        if (row === baseline) continue;
        row.metrics.forEach((m, i) => {
          const delta = pairWith(m, baseline.metrics[i]);
          if (delta) m.delta = delta;
        });
      }
      const primary = metricKeys[0];
      const baseStat = baseline.metrics[0];
      if (primary !== undefined && baseStat && baseStat.values.length > 0) {
        const dir = metricInfo(primary).direction;
        const target = baseStat.ci.mean;
        for (const row of rows) {
          const perSeed = row.runs.map((r) => firstReach(r, primary, target, dir));
          const reached = perSeed.filter((s) => s !== null).length;
          const mean = meanCurveReach(row.runs, primary, target, dir);
          row.stepsToTarget = { metric: primary, target, perSeed, reached, mean, speedup: null };
        }
        const baseSteps = baseline.stepsToTarget?.mean ?? null;
        for (const row of rows) {
          const s = row.stepsToTarget!;
          s.speedup = baseSteps !== null && s.mean !== null && s.mean > 0 ? baseSteps / s.mean : null;
        }
      }
    }
    groups.push({
      key,
      title: groupTitle(config),
      config,
      metricKeys,
      rows,
      ...(baseline ? { baseline } : {}),
    });
  }
  groups.sort((a, b) => compareStr(a.title, b.title) || compareStr(a.key, b.key));
  // Disambiguate equal titles (same dataset/model, different settings).
  const seen = new Map<string, number>();
  for (const g of groups) {
    const n = (seen.get(g.title) ?? 0) + 1;
    seen.set(g.title, n);
    if (n > 1) g.title = `${g.title} (settings ${n})`;
  }
  return groups;
}

function groupTitle(c: RunConfig): string {
  return `${c.dataset.id} / ${c.model.id}`;
}
