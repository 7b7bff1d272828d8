/**
 * results.csv: the README tables in long form, one line per group × row × metric (deterministic).
 *
 * @module
 */
import type { Group } from "./aggregate.ts";
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
];

/** Render results.csv. */
export function renderCsv(groups: readonly Group[]): string {
  const lines = [HEADER.join(",")];
  for (const g of groups) {
    for (const r of g.rows) {
      r.metrics.forEach((m, i) => {
        const info = metricInfo(m.key);
        const primary = i === 0 && r.stepsToTarget;
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
          q(m.delta?.mean),
          q(m.delta?.relative),
          q(m.delta?.pairedT.p),
          q(m.delta?.signFlip.p),
          q(primary ? r.stepsToTarget!.mean : null),
          q(primary ? r.stepsToTarget!.speedup : null),
        ].join(","));
      });
    }
  }
  return lines.join("\n") + "\n";
}
