/**
 * Regression check between two reports (`deno task cli compare BASELINE CURRENT`): for every row and
 * metric present in both results.json files, the final values over seeds are compared. When both sides
 * have the same seeds (two or more), the test is paired by seed — runs of one seed share their data
 * order, timesteps, noise and initial weights, so pairing removes that variance: the paired t-test
 * (`t`, default) or the exact Wilcoxon signed-rank test (`rank`). Otherwise the samples are independent:
 * Welch's t-test or Mann-Whitney U. The p-values of all row × metric tests are Holm-adjusted together, and
 * a change is flagged only when it is both significant after Holm (p < α) and larger than a relative
 * threshold in the metric's bad direction, as asv does (Mann-Whitney p < 0.002 and a ratio factor) to keep
 * seed noise from raising false alarms. Rows that lost successful runs (diverged or crashed) are
 * regressions too.
 *
 * @module
 */
import { mannWhitneyU, pairedTTest, type TestResult, welchTTest } from "./stats.ts";
import { wilcoxonSignedRank } from "./wilcoxon.ts";
import { holm } from "./holm.ts";
import { type Direction, metricInfo } from "./metric_info.ts";
import { fmtNum, fmtP, fmtPct } from "./format.ts";
import type { ResultsJsonShape, RowJson } from "./compare_input.ts";

export { metricKeysOf, readResultsJson, resultsJsonProblems } from "./compare_input.ts";
export type { ResultsJsonShape } from "./compare_input.ts";

/** Test family: `t` (paired t / Welch) or `rank` (Wilcoxon signed-rank / Mann-Whitney U). */
export type CompareTest = "t" | "rank";

/** Settings of a comparison. */
export interface CompareOptions {
  /** Family-wise level of the Holm-adjusted tests. */
  alpha: number;
  /** Relative threshold for metrics without their own. */
  defaultThreshold: number;
  /** Relative threshold per metric key. */
  thresholds: Record<string, number>;
  /** Direction per metric key (overrides results.json and the built-in table). */
  directions: Record<string, Direction>;
  /** Test family. */
  test: CompareTest;
  /** Never pair by seed, even when both sides have the same seeds. */
  unpaired?: boolean;
}

/** Outcome for one row and metric. */
export interface Finding {
  /** Group title. */
  group: string;
  /** Row label. */
  row: string;
  /** Metric key, or "successful runs". */
  metric: string;
  /** Direction of the metric. */
  direction: Direction;
  /** Seeds and mean on the baseline side. */
  baseline: { n: number; mean: number };
  /** Seeds and mean on the current side. */
  current: { n: number; mean: number };
  /** Relative change in the bad direction (positive = worse). */
  worse: number;
  /** Relative threshold that applies. */
  threshold: number;
  /** Name of the test used. */
  test: string;
  /** Paired by seed (same seeds on both sides). */
  paired: boolean;
  /** Raw p-value. */
  p: number;
  /** Holm-adjusted p over every metric test of the comparison. */
  pHolm: number;
  /** Outcome. */
  verdict: "regression" | "improvement" | "unchanged";
  /** Extra explanation (lost runs). */
  note?: string;
}

/** Result of a comparison. */
export interface Comparison {
  /** Every finding, in row order. */
  findings: Finding[];
  /** Findings with verdict "regression". */
  regressions: Finding[];
  /** Findings with verdict "improvement". */
  improvements: Finding[];
  /** Number of tests in the Holm family. */
  tests: number;
  /** Rows only in the baseline. */
  onlyInBaseline: string[];
  /** Rows only in the current report. */
  onlyInCurrent: string[];
}

function rowsOf(r: ResultsJsonShape): Map<string, RowJson> {
  const m = new Map<string, RowJson>();
  for (const g of r.groups) for (const row of g.rows) m.set(`${g.title} :: ${row.label}`, row);
  return m;
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Current and baseline values aligned by seed when both sides have the same ≥ 2 seeds, else null. */
function alignBySeed(
  b: { values: number[]; seeds?: number[] },
  c: { values: number[]; seeds?: number[] },
): { base: number[]; cur: number[] } | null {
  if (!b.seeds || !c.seeds || b.seeds.length !== c.seeds.length || b.seeds.length < 2) return null;
  const bi = new Map(b.seeds.map((s, i) => [s, i]));
  if (!c.seeds.every((s) => bi.has(s))) return null;
  return { cur: c.values, base: c.seeds.map((s) => b.values[bi.get(s)!]) };
}

function runTest(
  bm: { values: number[]; seeds?: number[] },
  cm: { values: number[]; seeds?: number[] },
  opts: CompareOptions,
): { t: TestResult; paired: boolean } {
  const aligned = opts.unpaired ? null : alignBySeed(bm, cm);
  if (aligned) {
    const t = opts.test === "t"
      ? pairedTTest(aligned.cur, aligned.base)
      : wilcoxonSignedRank(aligned.cur, aligned.base);
    return { t, paired: true };
  }
  const t = opts.test === "t" ? welchTTest(cm.values, bm.values) : mannWhitneyU(cm.values, bm.values);
  return { t, paired: false };
}

/** Compare two results.json documents. */
export function compareResults(
  base: ResultsJsonShape,
  cur: ResultsJsonShape,
  opts: CompareOptions,
): Comparison {
  const b = rowsOf(base);
  const c = rowsOf(cur);
  const findings: Finding[] = [];
  for (const [key, br] of [...b.entries()].sort(([x], [y]) => (x < y ? -1 : 1))) {
    const cr = c.get(key);
    if (!cr) continue;
    const [group, row] = key.split(" :: ");
    for (const bm of br.metrics) {
      const cm = cr.metrics.find((m) => m.key === bm.key);
      // No values on one side (every run of the row failed): the lost runs are the finding, not a test.
      if (!cm || cm.values.length === 0 || bm.values.length === 0) continue;
      const direction = opts.directions[bm.key] ?? cur.metrics?.[bm.key]?.direction ??
        metricInfo(bm.key).direction;
      const threshold = opts.thresholds[bm.key] ?? opts.defaultThreshold;
      const bMean = mean(bm.values);
      const cMean = mean(cm.values);
      const rel = (cMean - bMean) / Math.abs(bMean);
      const worse = direction === "lower" ? rel : -rel;
      const { t, paired } = runTest(bm, cm, opts);
      findings.push({
        group,
        row,
        metric: bm.key,
        direction,
        baseline: { n: bm.values.length, mean: bMean },
        current: { n: cm.values.length, mean: cMean },
        worse,
        threshold,
        test: t.test,
        paired,
        p: t.p,
        pHolm: NaN,
        verdict: "unchanged",
      });
    }
  }
  // Holm over every metric test, then the verdicts.
  const adjusted = holm(findings.map((f) => f.p));
  findings.forEach((f, i) => {
    f.pHolm = adjusted[i];
    const significant = f.pHolm < opts.alpha;
    f.verdict = significant && f.worse > f.threshold
      ? "regression"
      : significant && -f.worse > f.threshold
      ? "improvement"
      : "unchanged";
  });
  const tests = adjusted.filter((p) => !Number.isNaN(p)).length;
  for (const [key, br] of [...b.entries()].sort(([x], [y]) => (x < y ? -1 : 1))) {
    const cr = c.get(key);
    if (!cr || cr.ok >= br.ok) continue;
    const [group, row] = key.split(" :: ");
    findings.push({
      group,
      row,
      metric: "successful runs",
      direction: "higher",
      baseline: { n: br.ok + br.failed, mean: br.ok },
      current: { n: cr.ok + cr.failed, mean: cr.ok },
      worse: (br.ok - cr.ok) / Math.max(1, br.ok),
      threshold: 0,
      test: "count",
      paired: false,
      p: NaN,
      pHolm: NaN,
      verdict: "regression",
      note: `${br.ok - cr.ok} fewer successful runs (failed: ${cr.failed})`,
    });
  }
  return {
    findings,
    regressions: findings.filter((f) => f.verdict === "regression"),
    improvements: findings.filter((f) => f.verdict === "improvement"),
    tests,
    onlyInBaseline: [...b.keys()].filter((k) => !c.has(k)).sort(),
    onlyInCurrent: [...c.keys()].filter((k) => !b.has(k)).sort(),
  };
}

/** Markdown summary of a comparison. */
export function renderComparison(cmp: Comparison, opts: CompareOptions, names: [string, string]): string {
  const testName = opts.test === "t"
    ? "paired t-test where both sides have the same seeds, else Welch t-test"
    : "exact Wilcoxon signed-rank test where both sides have the same seeds, else Mann-Whitney U";
  const out = [
    `## antbench compare: ${
      cmp.regressions.length === 0 ? "no regression" : `${cmp.regressions.length} regression(s)`
    }`,
    "",
    `Baseline \`${names[0]}\`, current \`${names[1]}\`. A change is flagged only when it is significant ` +
    `(${
      opts.unpaired ? testName.replace(/.*else /, "") : testName
    } over seeds, Holm-adjusted over the ${cmp.tests} tests, ` +
    `p < ${opts.alpha}) and worse than the relative threshold (default ${fmtPct(opts.defaultThreshold)}` +
    `${
      Object.keys(opts.thresholds).length
        ? "; " + Object.entries(opts.thresholds).map(([k, v]) => `${k} ${fmtPct(v)}`).join(", ")
        : ""
    }).`,
    "",
    "| group | row | metric | baseline | current | change (+ = worse) | threshold | test | p | Holm p | verdict |",
    "|---|---|---|---|---|---|---|---|---|---|---|",
  ];
  const order = { regression: 0, improvement: 1, unchanged: 2 };
  const sorted = [...cmp.findings].sort((a, b) => order[a.verdict] - order[b.verdict]);
  for (const f of sorted) {
    const label = f.metric === "successful runs"
      ? f.metric
      : `${metricInfo(f.metric).label} ${f.direction === "lower" ? "↓" : "↑"}`;
    const verdict = f.verdict === "regression"
      ? "**REGRESSION**"
      : f.verdict === "improvement"
      ? "improvement"
      : "~";
    out.push(
      `| ${f.group} | ${f.row} | ${label} | ${fmtNum(f.baseline.mean)} (n=${f.baseline.n}) | ${
        fmtNum(f.current.mean)
      } (n=${f.current.n}) | ` +
        `${fmtPct(f.worse)} | ${fmtPct(f.threshold)} | ${
          f.test === "count" ? "count" : f.paired ? "paired" : "unpaired"
        } | ` +
        `${fmtP(f.p)} | ${fmtP(f.pHolm)} | ${verdict}${f.note ? ` (${f.note})` : ""} |`,
    );
  }
  if (cmp.onlyInBaseline.length) {
    out.push("", `Only in the baseline (not compared): ${cmp.onlyInBaseline.join("; ")}`);
  }
  if (cmp.onlyInCurrent.length) {
    out.push("", `Only in the current report (not compared): ${cmp.onlyInCurrent.join("; ")}`);
  }
  return out.join("\n") + "\n";
}
