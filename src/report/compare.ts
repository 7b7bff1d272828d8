/**
 * Regression check between two reports (`deno task cli compare BASELINE CURRENT`): for every row and
 * metric present in both results.json files, the final values over seeds are compared with a two-sample
 * test (Welch's t-test by default, or Mann-Whitney U). A change is flagged only when it is both
 * statistically significant (p < α) and larger than a relative threshold in the metric's bad direction,
 * as asv does (Mann-Whitney p < 0.002 and a ratio factor) to keep seed noise from raising false alarms.
 * Rows that lost successful runs (diverged or crashed) are regressions too.
 *
 * @module
 */
import { mannWhitneyU, welchTTest } from "./stats.ts";
import { type Direction, metricInfo } from "./metric_info.ts";
import { fmtNum, fmtP, fmtPct } from "./format.ts";
import { RESULTS_SCHEMA } from "./results_json.ts";
import { UsageError } from "../runtime/errors.ts";

/** Settings of a comparison. */
export interface CompareOptions {
  alpha: number;
  /** Relative threshold for metrics without their own. */
  defaultThreshold: number;
  /** Relative threshold per metric key. */
  thresholds: Record<string, number>;
  /** Direction per metric key (overrides results.json and the built-in table). */
  directions: Record<string, Direction>;
  test: "welch" | "mannwhitney";
}

/** Outcome for one row and metric. */
export interface Finding {
  group: string;
  row: string;
  metric: string;
  direction: Direction;
  baseline: { n: number; mean: number };
  current: { n: number; mean: number };
  /** Relative change in the bad direction (positive = worse). */
  worse: number;
  threshold: number;
  test: string;
  p: number;
  verdict: "regression" | "improvement" | "unchanged";
  note?: string;
}

/** Result of a comparison. */
export interface Comparison {
  findings: Finding[];
  regressions: Finding[];
  improvements: Finding[];
  onlyInBaseline: string[];
  onlyInCurrent: string[];
}

interface RowJson {
  label: string;
  ok: number;
  failed: number;
  metrics: { key: string; values: number[] }[];
}
interface ResultsJsonShape {
  schema: string;
  metrics?: Record<string, { direction?: Direction }>;
  groups: { title: string; rows: RowJson[] }[];
}

/** Read and check a results.json (a file or a report directory); UsageError when unusable. */
export async function readResultsJson(path: string): Promise<ResultsJsonShape> {
  let file = path;
  try {
    if ((await Deno.stat(path)).isDirectory) file = `${path.replace(/\/+$/, "")}/results.json`;
  } catch {
    throw new UsageError(`compare: ${path}: no such file or directory`);
  }
  let v: ResultsJsonShape;
  try {
    v = JSON.parse(await Deno.readTextFile(file));
  } catch (e) {
    throw new UsageError(`compare: ${file}: cannot read results (${(e as Error).message})`);
  }
  if (v?.schema !== RESULTS_SCHEMA || !Array.isArray(v.groups)) {
    throw new UsageError(`compare: ${file}: schema ${JSON.stringify(v?.schema)}; allowed: ${RESULTS_SCHEMA}`);
  }
  return v;
}

function rowsOf(r: ResultsJsonShape): Map<string, RowJson> {
  const m = new Map<string, RowJson>();
  for (const g of r.groups) for (const row of g.rows) m.set(`${g.title} :: ${row.label}`, row);
  return m;
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
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
      if (!cm) continue;
      const direction = opts.directions[bm.key] ?? cur.metrics?.[bm.key]?.direction ??
        metricInfo(bm.key).direction;
      const threshold = opts.thresholds[bm.key] ?? opts.defaultThreshold;
      const bMean = mean(bm.values);
      const cMean = mean(cm.values);
      const rel = (cMean - bMean) / Math.abs(bMean);
      const worse = direction === "lower" ? rel : -rel;
      const t = opts.test === "welch" ? welchTTest(cm.values, bm.values) : mannWhitneyU(cm.values, bm.values);
      const significant = t.p < opts.alpha;
      const verdict = significant && worse > threshold
        ? "regression"
        : significant && -worse > threshold
        ? "improvement"
        : "unchanged";
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
        p: t.p,
        verdict,
      });
    }
    if (cr.ok < br.ok) {
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
        p: NaN,
        verdict: "regression",
        note: `${br.ok - cr.ok} fewer successful runs (failed: ${cr.failed})`,
      });
    }
  }
  return {
    findings,
    regressions: findings.filter((f) => f.verdict === "regression"),
    improvements: findings.filter((f) => f.verdict === "improvement"),
    onlyInBaseline: [...b.keys()].filter((k) => !c.has(k)).sort(),
    onlyInCurrent: [...c.keys()].filter((k) => !b.has(k)).sort(),
  };
}

/** Markdown summary of a comparison. */
export function renderComparison(cmp: Comparison, opts: CompareOptions, names: [string, string]): string {
  const testName = opts.test === "welch" ? "Welch t-test" : "Mann-Whitney U";
  const out = [
    `## antbench compare: ${
      cmp.regressions.length === 0 ? "no regression" : `${cmp.regressions.length} regression(s)`
    }`,
    "",
    `Baseline \`${names[0]}\`, current \`${
      names[1]
    }\`. A change is flagged only when it is significant (${testName} over seeds, ` +
    `p < ${opts.alpha}) and worse than the relative threshold (default ${fmtPct(opts.defaultThreshold)}` +
    `${
      Object.keys(opts.thresholds).length
        ? "; " + Object.entries(opts.thresholds).map(([k, v]) => `${k} ${fmtPct(v)}`).join(", ")
        : ""
    }).`,
    "",
    "| group | row | metric | baseline | current | change (+ = worse) | threshold | p | verdict |",
    "|---|---|---|---|---|---|---|---|---|",
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
        `${fmtPct(f.worse)} | ${fmtPct(f.threshold)} | ${fmtP(f.p)} | ${verdict}${
          f.note ? ` (${f.note})` : ""
        } |`,
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
