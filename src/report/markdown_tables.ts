/**
 * The two Markdown tables of a group, shared by README.md and report.html:
 *
 * - the summary table: per row, every final metric (mean ± 95% CI over seeds, with the metric's real-vs-real
 *   floor band in the column head), the headline metric's Δ against the matched control and against plain
 *   vanilla (raw and Holm-adjusted p), the verdict of each comparison, steps-to-target and speed-up with
 *   their bootstrap intervals;
 * - the tests table: every test of the table's Holm family (rows × metrics × comparisons) with raw p,
 *   sign-flip p, Holm p, TOST p, the minimum detectable effect and the verdict the rule gives it.
 *
 * @module
 */
import type { Group, MetricSummary, Row } from "./aggregate.ts";
import { comparisonOf } from "./aggregate.ts";
import type { PairedComparison } from "./paired.ts";
import { directionArrow, metricInfo } from "./metric_info.ts";
import { fmtNum, fmtP, fmtPct } from "./format.ts";
import { fmtEffect } from "./verdict.ts";
import type { StepsToTarget } from "./steps_to_target.ts";

function cell(m: MetricSummary): string {
  if (m.ci.n === 0) return "n/a";
  if (m.ci.n === 1) return `${fmtNum(m.ci.mean)} (n=1)`;
  return `${fmtNum(m.ci.mean)} ± ${fmtNum(m.ci.halfWidth, 2)}`;
}

/** "floor lo–hi" or "floor: not measured", plus the saturation of vanilla. */
export function floorNote(g: Group, key: string): string {
  const f = g.floors[key];
  if (!f) return "floor: not measured";
  return `floor ${fmtNum(f.lo, 3)}–${fmtNum(f.hi, 3)}${g.saturated[key] ? "; vanilla saturated" : ""}`;
}

function deltaCell(c: PairedComparison | undefined): string {
  if (!c) return "n/a";
  return `${fmtNum(c.mean, 3)} (${fmtPct(c.relative)}); p ${fmtP(c.pairedT.p)}, Holm ${fmtP(c.pHolm)}`;
}

function steps(x: number | null): string {
  return x === null ? "not reached" : fmtNum(x, 4);
}

function stepsCell(s: StepsToTarget | undefined): string {
  if (!s) return "n/a";
  const seeds = `${s.reached}/${s.perSeed.length} seeds`;
  if (s.mean === null) return `not reached (${seeds})`;
  const ci = s.ci ? ` [${steps(s.ci[0])}, ${steps(s.ci[1])}]` : "";
  return `${s.atFirstEval ? "≤ " : ""}${fmtNum(s.mean, 4)}${ci} (${seeds})`;
}

function speedupCell(row: Row): string {
  const s = row.stepsToTarget;
  if (!s) return "n/a";
  if (row.isBaseline) return "1× (reference)";
  if (s.speedup === null) return `n/a (${s.withheld ?? "undefined"})`;
  const ci = s.speedupCi ? ` [${fmtNum(s.speedupCi[0], 3)}, ${fmtNum(s.speedupCi[1], 3)}]` : "";
  return `${fmtNum(s.speedup, 3)}×${ci}`;
}

function methodCell(row: Row): string {
  if (row.isBaseline) return "vanilla";
  return row.label.split(" ").slice(2).join(" ");
}

/** The summary table of one group. */
export function groupTable(g: Group): string {
  const h = g.headline ? metricInfo(g.headline).label : "headline";
  const head = ["clustering", "k", "sampler", "method", "seeds"];
  for (const key of g.metricKeys) {
    const i = metricInfo(key);
    head.push(`${i.label} ${directionArrow(i.direction)} (${floorNote(g, key)})`);
  }
  head.push(
    `Δ ${h} vs matched control`,
    `Δ ${h} vs vanilla`,
    "verdict vs matched control",
    "verdict vs vanilla",
    "steps to target [95% CI]",
    "speed-up [95% CI]",
  );
  const lines = [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`];
  for (const row of g.rows) {
    const cells = [
      row.isBaseline ? "none (vanilla)" : row.objective,
      String(row.k),
      row.sampler,
      methodCell(row),
      row.failed.length > 0 ? `${row.runs.length} (+${row.failed.length} failed)` : String(row.runs.length),
    ];
    for (const m of row.metrics) cells.push(cell(m));
    const hm = row.metrics.find((m) => m.key === g.headline);
    const noControl = row.role === "control" ? "— (this is a control)" : "no matched control in the results";
    if (row.isBaseline) cells.push("—", "—", "—", "—");
    else {
      const vc = hm && comparisonOf(hm, "control");
      const vv = hm && comparisonOf(hm, "vanilla");
      cells.push(
        vc ? deltaCell(vc) : noControl,
        deltaCell(vv),
        row.verdicts.control?.text ?? (row.role === "control" ? "—" : "n/a"),
        row.verdicts.vanilla?.text ?? "n/a",
      );
    }
    cells.push(stepsCell(row.stepsToTarget), speedupCell(row));
    lines.push(`| ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}

/** Every test of the group's Holm family, one line each. */
export function testsTable(g: Group): string {
  const head = [
    "row",
    "metric",
    "vs",
    "seeds",
    "Δ",
    "Δ %",
    "sd of Δ",
    "p (t)",
    "p (flip)",
    "Holm p",
    `TOST p, Holm`,
    `MDE ${fmtEffect(g.settings.power)} power (under Holm)`,
    "verdict",
  ];
  const lines = [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`];
  for (const row of g.rows) {
    for (const m of row.metrics) {
      for (const c of m.comparisons) {
        const label = metricInfo(m.key).label + (m.key === g.headline ? " (headline)" : "");
        lines.push(
          `| ${row.label} | ${label} | ${
            c.against === "control" ? "matched control" : "vanilla"
          } | ${c.n} | ` +
            `${fmtNum(c.mean, 3)} | ${fmtPct(c.relative)} | ${fmtNum(c.sd, 3)} | ${fmtP(c.pairedT.p)} | ` +
            `${fmtP(c.signFlip.p)} | ${fmtP(c.pHolm)} | ${fmtP(c.tost.p)}, ${fmtP(c.pTostHolm)} | ` +
            `±${fmtEffect(c.mde)} (±${fmtEffect(c.mdeHolm)}) | ${c.verdict.text} |`,
        );
      }
    }
  }
  return lines.length > 2 ? lines.join("\n") : "";
}
