/**
 * results.csv: the README tables in long form, one line per group × row × metric (deterministic). The
 * `delta*` / `p_*` columns without suffix compare with plain vanilla (as in schema 1 of the file); the
 * `*_control` columns with the row's matched control; verdicts come from src/report/verdict.ts.
 *
 * @module
 */
import { comparisonOf, type Group } from "./aggregate.ts";
import { metricInfo } from "./metric_info.ts";

function q(v: string | number | null | undefined): string {
  if (v === null || v === undefined || (typeof v === "number" && !Number.isFinite(v))) return "";
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const HEADER = [
  "group",
  "dataset",
  "model",
  "objective",
  "k",
  "method",
  "method_options",
  "metric",
  "label",
  "direction",
  "n",
  "mean",
  "sd",
  "ci95_half",
  "delta",
  "delta_rel",
  "p_paired_t",
  "p_sign_flip",
  "steps_to_target",
  "speedup",
  "role",
  "headline",
  "floor_lo",
  "floor_hi",
  "vanilla_saturated",
  "p_holm",
  "p_tost_holm",
  "mde_rel",
  "mde_rel_holm",
  "verdict",
  "control",
  "delta_control",
  "delta_rel_control",
  "p_paired_t_control",
  "p_sign_flip_control",
  "p_holm_control",
  "p_tost_holm_control",
  "mde_rel_control",
  "mde_rel_holm_control",
  "verdict_control",
  "steps_ci_lo",
  "steps_ci_hi",
  "speedup_ci_lo",
  "speedup_ci_hi",
  "speedup_withheld",
];

/** Render results.csv. */
export function renderCsv(groups: readonly Group[]): string {
  const lines = [HEADER.join(",")];
  for (const g of groups) {
    for (const r of g.rows) {
      for (const m of r.metrics) {
        const info = metricInfo(m.key);
        const st = m.key === g.headline ? r.stepsToTarget : undefined;
        const v = comparisonOf(m, "vanilla");
        const c = comparisonOf(m, "control");
        const floor = g.floors[m.key];
        lines.push([
          q(g.title),
          q(g.config.dataset.id),
          q(g.config.model.id),
          q(r.objective),
          q(r.k),
          q(r.method.id),
          q(JSON.stringify(r.method.options)),
          q(m.key),
          q(info.label),
          q(info.direction),
          q(m.ci.n),
          q(m.ci.mean),
          q(m.ci.sd),
          q(m.ci.halfWidth),
          q(v?.mean),
          q(v?.relative),
          q(v?.pairedT.p),
          q(v?.signFlip.p),
          q(st?.mean),
          q(st?.speedup),
          q(r.role),
          q(m.key === g.headline ? 1 : 0),
          q(floor?.lo),
          q(floor?.hi),
          q(g.saturated[m.key] ? 1 : 0),
          q(v?.pHolm),
          q(v?.pTostHolm),
          q(v?.mde),
          q(v?.mdeHolm),
          q(v?.verdict.word),
          q(r.controlLabel),
          q(c?.mean),
          q(c?.relative),
          q(c?.pairedT.p),
          q(c?.signFlip.p),
          q(c?.pHolm),
          q(c?.pTostHolm),
          q(c?.mde),
          q(c?.mdeHolm),
          q(c?.verdict.word),
          q(st?.ci?.[0]),
          q(st?.ci?.[1]),
          q(st?.speedupCi?.[0]),
          q(st?.speedupCi?.[1]),
          q(st?.withheld),
        ].join(","));
      }
    }
  }
  return lines.join("\n") + "\n";
}
