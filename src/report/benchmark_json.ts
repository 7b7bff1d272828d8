/**
 * Export for github-action-benchmark's custom tools: arrays of {name, unit, value, range?, extra?}
 * (`customSmallerIsBetter` for lower-is-better metrics and steps-to-target, `customBiggerIsBetter` for the
 * rest; the action needs one direction per file).
 *
 * @module
 */
import { comparisonOf, type Group } from "./aggregate.ts";
import { metricInfo } from "./metric_info.ts";
import { fmtNum, fmtP, fmtPct } from "./format.ts";

/** One github-action-benchmark entry. */
export interface BenchmarkEntry {
  name: string;
  unit: string;
  value: number;
  range?: string;
  extra?: string;
}

/** Entries split by direction. */
export function benchmarkEntries(
  suite: string,
  groups: readonly Group[],
): { smaller: BenchmarkEntry[]; bigger: BenchmarkEntry[] } {
  const smaller: BenchmarkEntry[] = [];
  const bigger: BenchmarkEntry[] = [];
  for (const g of groups) {
    for (const r of g.rows) {
      for (const m of r.metrics) {
        if (m.ci.n === 0 || !Number.isFinite(m.ci.mean)) continue;
        const info = metricInfo(m.key);
        const extra = [`n=${m.ci.n} seeds`];
        for (const c of [comparisonOf(m, "control"), comparisonOf(m, "vanilla")]) {
          if (!c) continue;
          extra.push(
            `Δ vs ${c.against === "control" ? "matched control" : "vanilla"} ${fmtPct(c.relative)} ` +
              `(paired t p=${fmtP(c.pairedT.p)}, Holm p=${fmtP(c.pHolm)}; ${c.verdict.word})`,
          );
        }
        const e: BenchmarkEntry = {
          name: `${suite} / ${g.title} / ${r.label} / ${info.label}`,
          unit: info.label,
          value: m.ci.mean,
          ...(Number.isFinite(m.ci.halfWidth) ? { range: `± ${fmtNum(m.ci.halfWidth, 3)}` } : {}),
          extra: extra.join("; "),
        };
        (info.direction === "lower" ? smaller : bigger).push(e);
      }
      const s = r.stepsToTarget;
      if (s && s.mean !== null) {
        smaller.push({
          name: `${suite} / ${g.title} / ${r.label} / steps to vanilla ${metricInfo(s.metric).label}`,
          unit: "steps",
          value: s.mean,
          extra: `target ${fmtNum(s.target)}; ${s.reached}/${s.perSeed.length} seeds reached`,
        });
      }
    }
  }
  return { smaller, bigger };
}
