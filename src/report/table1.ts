/**
 * A group's headline metric in the layout of the paper's Table 1 (Go et al. 2023, Table 1: one row per MTL
 * method, one column per clustering objective, at k = 5), one table per k with at least two objectives,
 * and a k sweep for every (objective, method) the group has at several k. Each cell gives the paired
 * differences of the group table against the matched control (Δc) and plain vanilla (Δv), relative to the
 * reference's mean, with the 95% t-interval of the paired mean difference, the Holm-adjusted p and the
 * verdict. Nothing is computed anew but the intervals: the numbers are those of the group table.
 *
 * @module
 */
import type { Group, PairedComparison, Row } from "./aggregate.ts";
import { comparisonOf } from "./aggregate.ts";
import { studentTQuantile } from "./stats.ts";
import { fmtP, fmtPct } from "./format.ts";

/** Relative 95% t-interval of a paired mean difference ([NaN, NaN] below 2 seeds). */
export function relativeCi(c: PairedComparison): [number, number] {
  if (c.n < 2 || !Number.isFinite(c.sd)) return [NaN, NaN];
  const half = studentTQuantile(0.975, c.n - 1) * c.sd / Math.sqrt(c.n);
  const ref = Math.abs(c.referenceMean);
  return [(c.mean - half) / ref, (c.mean + half) / ref];
}

function part(name: string, c: PairedComparison | undefined): string {
  if (!c) return `${name} –`;
  const [lo, hi] = relativeCi(c);
  const ci = Number.isFinite(lo) ? ` [${fmtPct(lo)}, ${fmtPct(hi)}]` : "";
  return `${name} ${fmtPct(c.relative)}${ci}, Holm ${fmtP(c.pHolm)}, ${c.verdict.word}`;
}

function cell(row: Row | undefined, key: string): string {
  if (!row) return "–";
  const m = row.metrics.find((x) => x.key === key);
  if (!m) return "–";
  return `${part("Δc", comparisonOf(m, "control"))}; ${
    part("Δv", comparisonOf(m, "vanilla"))
  } (${m.seeds.length} seed${m.seeds.length === 1 ? "" : "s"})`;
}

/** The paper's column order (timestep, SNR, gradient), then any other objective. */
const PAPER_ORDER = ["timestep", "snr", "gradient"];
function order(objective: string): number {
  const i = PAPER_ORDER.indexOf(objective);
  return i < 0 ? PAPER_ORDER.length : i;
}

/** The Table 1 sections of a group in Markdown ("" when the group has no such layout). */
export function table1Markdown(g: Group): string {
  const key = g.headline;
  if (!key) return "";
  const rows = g.rows.filter((r) => r.role === "method");
  const label = (r: Row) => r.method.id;
  const out: string[] = [];
  const ks = [...new Set(rows.map((r) => r.k))].sort((a, b) => a - b);
  for (const k of ks) {
    const atK = rows.filter((r) => r.k === k);
    const objectives = [...new Set(atK.map((r) => r.objective))].sort((a, b) => order(a) - order(b));
    if (objectives.length < 2) continue;
    const methods = [...new Set(atK.map(label))];
    out.push(
      `Headline ${key} in the layout of the paper's Table 1 at k = ${k}: Δc against the matched control, Δv ` +
        "against plain vanilla, relative to the reference's mean, [95% t-interval of the paired mean " +
        "difference], Holm-adjusted p, verdict.",
      "",
      `| method | ${objectives.join(" | ")} |`,
      `|---|${objectives.map(() => "---").join("|")}|`,
      ...methods.map((m) =>
        `| ${m} | ${
          objectives.map((o) => cell(atK.find((r) => r.objective === o && label(r) === m), key)).join(" | ")
        } |`
      ),
      "",
    );
  }
  const pairs = [...new Set(rows.map((r) => `${r.objective} ${label(r)}`))].filter((p) =>
    new Set(rows.filter((r) => `${r.objective} ${label(r)}` === p).map((r) => r.k)).size > 1
  );
  if (pairs.length > 0) {
    out.push(
      `k sweep of ${key} (same cells as above):`,
      "",
      `| clustering and method | ${ks.map((k) => `k = ${k}`).join(" | ")} |`,
      `|---|${ks.map(() => "---").join("|")}|`,
      ...pairs.map((p) =>
        `| ${p} | ${
          ks.map((k) => cell(rows.find((r) => r.k === k && `${r.objective} ${label(r)}` === p), key)).join(
            " | ",
          )
        } |`
      ),
      "",
    );
  }
  return out.join("\n");
}
