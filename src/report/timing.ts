/**
 * timing.json / timing.md: wall-clock facts of a suite (training step time per row, total run time).
 * Kept apart from results.json and README.md because they vary from run to run.
 *
 * @module
 */
import type { Group } from "./aggregate.ts";
import { fmtNum } from "./format.ts";
import { meanCi } from "./stats.ts";

/** Timing summary per group and row. */
export function buildTiming(groups: readonly Group[]) {
  return groups.map((g) => ({
    group: g.title,
    rows: g.rows.map((r) => {
      const ms = r.runs.map((x) => x.timing?.msPerStep).filter((x): x is number => Number.isFinite(x));
      const total = r.runs.map((x) => x.timing?.totalSeconds).filter((x): x is number => Number.isFinite(x));
      const ci = meanCi(ms);
      return {
        label: r.label,
        msPerStep: { mean: ci.mean, ci95: ci.halfWidth, n: ci.n },
        totalSeconds: total.reduce((s, x) => s + x, 0),
        environment: r.runs[0]?.environment ?? {},
      };
    }),
  }));
}

/** Render timing.md. */
export function renderTimingMarkdown(suite: string, groups: readonly Group[]): string {
  const out = [
    `# antbench timing: ${suite}`,
    "",
    "Wall-clock, not deterministic; not part of the compared report.",
    "",
  ];
  for (const g of buildTiming(groups)) {
    out.push(`## ${g.group}`, "", "| row | ms / training step | total run time (s) |", "|---|---|---|");
    for (const r of g.rows) {
      const ms = r.msPerStep.n === 0
        ? "n/a"
        : `${fmtNum(r.msPerStep.mean, 3)}${
          Number.isFinite(r.msPerStep.ci95) ? ` ± ${fmtNum(r.msPerStep.ci95, 2)}` : ""
        }`;
      out.push(`| ${r.label} | ${ms} | ${fmtNum(r.totalSeconds, 4)} |`);
    }
    out.push("");
  }
  return out.join("\n");
}
