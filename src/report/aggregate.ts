/**
 * From stored RunResults to the comparison tables: runs are grouped by everything that must match for a
 * fair comparison (dataset, model, schedule, T, training and evaluation settings); rows are clustering ×
 * k × sampler × method within a group, in three roles: the vanilla baseline (one cluster, uniform
 * timesteps), matched controls (vanilla with the stratified sampler on one clustering) and method rows.
 * Every final metric is summarised over seeds (mean ± 95% t-interval) and compared, paired by seed, with
 * the row's matched control and with plain vanilla (src/report/paired.ts); the whole table's tests are
 * Holm-adjusted and turned into verdicts (src/report/verdict.ts); floors come from the results
 * (src/report/floors.ts); steps-to-target is interpolated with a bootstrap interval
 * (src/report/steps_to_target.ts).
 *
 * Everything here is a pure function of the results and the settings, in a fixed order, so reports are
 * deterministic.
 *
 * @module
 */
import type { Component, MetricFloor, RunConfig, RunResult } from "../train/types.ts";
import { canonicalJson } from "../suite/content_id.ts";
import { type MeanCi, meanCi } from "./stats.ts";
import { metricInfo } from "./metric_info.ts";
import {
  type Against,
  type PairedComparison,
  pairedComparison,
  type Verdict,
  type VerdictWord,
} from "./paired.ts";
import { atFloor, floorOf } from "./floors.ts";
import { type StepsToTarget, stepsToTarget } from "./steps_to_target.ts";
import { applyVerdicts } from "./verdict.ts";
import { DEFAULT_REPORT_SETTINGS, type ReportSettings } from "./settings.ts";

export type { Against, PairedComparison, StepsToTarget, Verdict, VerdictWord };

/** Summary of one metric of one row. */
export interface MetricSummary {
  /** Metric key, e.g. "fd-data". */
  key: string;
  /** Seeds with a finite final value, in order. */
  seeds: number[];
  /** Final value per seed, in seed order. */
  values: number[];
  /** Mean ± 95% t-interval over seeds. */
  ci: MeanCi;
  /** Paired comparisons: with the matched control (when the row has one), then with plain vanilla. */
  comparisons: PairedComparison[];
}

/** What a row is in its table. */
export type RowRole = "baseline" | "control" | "method";

/** One table row: one clustering objective, k, sampler and method over seeds. */
export interface Row {
  /** Canonical JSON of objective, k, sampler, affinity and method. */
  key: string;
  /** Clustering objective ("none" for the baseline). */
  objective: string;
  /** Number of clusters. */
  k: number;
  /** Timestep sampler of the row's runs. */
  sampler: RunConfig["clustering"]["sampler"];
  /**
   * Affinity of the gradient objective: the suite's affinity source label when the suite measured the
   * matrices (one file per seed, src/suite/affinity_source.ts), else the affinity file.
   */
  affinity?: string;
  /** MTL method with its options. */
  method: Component;
  /** Printed label, e.g. "snr k=5 uw" or "snr k=5 vanilla (stratified control)". */
  label: string;
  /** Baseline, matched control or method row. */
  role: RowRole;
  /** role === "baseline". */
  isBaseline: boolean;
  /** Label of the row's matched control (method rows with the stratified sampler, when present). */
  controlLabel?: string;
  /** Results with status "ok", sorted by seed. */
  runs: RunResult[];
  /** Results with another status. */
  failed: RunResult[];
  /** One summary per metric key of the group, in the group's order. */
  metrics: MetricSummary[];
  /** Steps to vanilla's final headline value (absent without a baseline). */
  stepsToTarget?: StepsToTarget;
  /** Verdicts on the group's headline metric, per comparison. */
  verdicts: Partial<Record<Against, Verdict>>;
  /**
   * Clusters of the first ok run (identical across seeds for data-independent objectives; a suite's
   * affinity source gives each seed its own: src/report/affinity_section.ts lists them).
   */
  clusters: [number, number][];
}

/** Runs that are comparable with each other. */
export interface Group {
  /** Canonical JSON of the shared config part. */
  key: string;
  /** "dataset / model", disambiguated when needed. */
  title: string;
  /** A representative config (the first run's). */
  config: RunConfig;
  /** Metric keys, in the order of the config's eval.metrics. */
  metricKeys: string[];
  /** Key of the headline metric (the verdict's), if the group has metrics. */
  headline?: string;
  /** Rows: baseline first, then per clustering the control and the methods. */
  rows: Row[];
  /** The vanilla baseline row, if any. */
  baseline?: Row;
  /** Real-vs-real floor per metric key (null: not measured). */
  floors: Record<string, MetricFloor | null>;
  /** Per metric key: vanilla's mean lies inside the floor band. */
  saturated: Record<string, boolean>;
  /** Sizes of the Holm families (paired t-tests, TOST tests) of the table. */
  family: { tests: number; tostTests: number };
  /** The settings the statistics were computed with. */
  settings: ReportSettings;
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

/** What identifies a row's affinity: the source (same for every seed) or the file. */
function affinityOf(c: RunConfig): string | undefined {
  return c.clustering.affinitySource ?? c.clustering.affinity;
}

function rowKey(c: RunConfig): string {
  return canonicalJson([
    c.clustering.objective,
    c.clustering.k,
    c.clustering.sampler,
    affinityOf(c) ?? null,
    c.method,
  ]);
}

/** The role of a config's row. */
export function roleOf(c: RunConfig): RowRole {
  if (c.method.id !== "vanilla") return "method";
  if (c.clustering.objective === "none") return "baseline";
  return c.clustering.sampler === "stratified" ? "control" : "method";
}

function clusteringKey(objective: string, k: number, affinity: string | undefined): string {
  return canonicalJson([objective, k, affinity ?? null]);
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

function summarise(key: string, runs: RunResult[]): MetricSummary {
  const withValue = runs.filter((r) => Number.isFinite(r.final[key]));
  const seeds = withValue.map((r) => r.config.seed);
  const values = withValue.map((r) => r.final[key]);
  return { key, seeds, values, ci: meanCi(values), comparisons: [] };
}

function rowLabel(c: RunConfig, methodNeedsOptions: boolean): string {
  const role = roleOf(c);
  if (role === "baseline") return "vanilla";
  if (role === "control") return `${c.clustering.objective} k=${c.clustering.k} vanilla (stratified control)`;
  const m = methodNeedsOptions ? `${c.method.id} ${canonicalJson(c.method.options)}` : c.method.id;
  return `${c.clustering.objective} k=${c.clustering.k} ${m}`;
}

function buildRows(rs: RunResult[], metricKeys: string[]): Row[] {
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
    const role = roleOf(c);
    return {
      key: k,
      objective: c.clustering.objective,
      k: c.clustering.k,
      sampler: c.clustering.sampler,
      ...(affinityOf(c) !== undefined ? { affinity: affinityOf(c) } : {}),
      method: c.method,
      label: rowLabel(c, (optionSets.get(id)?.size ?? 1) > 1),
      role,
      isBaseline: role === "baseline",
      runs: ok,
      failed: runs.filter((r) => r.status !== "ok"),
      metrics: metricKeys.map((m) => summarise(m, ok)),
      verdicts: {},
      clusters: ok[0]?.clusters ?? runs[0].clusters,
    };
  });
  const rank = { baseline: 0, control: 1, method: 2 };
  rows.sort((a, b) =>
    Number(b.isBaseline) - Number(a.isBaseline) || compareStr(a.objective, b.objective) || a.k - b.k ||
    compareStr(a.affinity ?? "", b.affinity ?? "") || rank[a.role] - rank[b.role] ||
    compareStr(a.method.id, b.method.id) || compareStr(a.key, b.key)
  );
  return rows;
}

/** Paired comparisons of every row with its matched control and with vanilla. */
function compareRows(rows: Row[], baseline: Row | undefined, s: ReportSettings): void {
  const controls = new Map<string, Row>();
  for (const r of rows) {
    if (r.role === "control") controls.set(clusteringKey(r.objective, r.k, r.affinity), r);
  }
  for (const row of rows) {
    if (row.role === "baseline") continue;
    const control = row.role === "method" && row.sampler === "stratified"
      ? controls.get(clusteringKey(row.objective, row.k, row.affinity))
      : undefined;
    if (control) row.controlLabel = control.label;
    row.metrics.forEach((m, i) => {
      const vsControl = control && pairedComparison("control", control.label, m, control.metrics[i], s);
      const vsVanilla = baseline && pairedComparison("vanilla", baseline.label, m, baseline.metrics[i], s);
      m.comparisons = [vsControl, vsVanilla].filter((x): x is PairedComparison => x !== undefined);
    });
  }
}

/** The headline metric key of a group: the first key of the headline metric id, else the first key. */
function headlineKey(metricKeys: string[], headline: string | undefined): string | undefined {
  return metricKeys.find((k) => metricInfo(k).id === headline) ?? metricKeys[0];
}

/**
 * Group results and compute every row's statistics. Results of any status may be passed; `settings`
 * (headline metric, alpha, margin, power, bootstrap) default to the suite defaults.
 */
export function aggregate(results: readonly RunResult[], settings: Partial<ReportSettings> = {}): Group[] {
  const s: ReportSettings = { ...DEFAULT_REPORT_SETTINGS, ...settings };
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
    const rows = buildRows(rs, metricKeys);
    const baseline = rows.find((r) => r.isBaseline);
    const floorRuns = [...(baseline?.runs ?? []), ...rows.flatMap((r) => r.runs)];
    const floors = Object.fromEntries(metricKeys.map((k) => [k, floorOf(floorRuns, k)]));
    const saturated = Object.fromEntries(metricKeys.map((k, i) => [
      k,
      !!baseline && baseline.metrics[i].ci.n > 0 &&
      atFloor(baseline.metrics[i].ci.mean, floors[k], metricInfo(k).direction),
    ]));
    const headline = headlineKey(metricKeys, s.headline);
    compareRows(rows, baseline, s);
    if (baseline && headline !== undefined) {
      const dir = metricInfo(headline).direction;
      for (const row of rows) {
        const st = stepsToTarget(row.runs, baseline.runs, headline, dir, s);
        if (st) row.stepsToTarget = st;
      }
    }
    const g: Group = {
      key,
      title: `${config.dataset.id} / ${config.model.id}`,
      config,
      metricKeys,
      ...(headline !== undefined ? { headline } : {}),
      rows,
      ...(baseline ? { baseline } : {}),
      floors,
      saturated,
      family: { tests: 0, tostTests: 0 },
      settings: s,
    };
    applyVerdicts(g, s);
    groups.push(g);
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

/** The comparison of a metric against `against`, if the row has one. */
export function comparisonOf(m: MetricSummary, against: Against): PairedComparison | undefined {
  return m.comparisons.find((c) => c.against === against);
}
