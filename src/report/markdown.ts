/**
 * README.md of a report: one table per group (dataset / model with identical settings); rows =
 * clustering × k × method; per final metric: mean ± 95% CI over seeds (Student t), Δ vs vanilla paired by
 * seed with its significance (paired t-test, exact sign-flip permutation test); steps-to-target and the
 * speed-up it implies. States N (generated and reference samples) and the feature space of every metric.
 * Deterministic: no timestamps or durations (those go to timing.md).
 *
 * @module
 */
import type { RunResult } from "../train/types.ts";
import { ANTBENCH_VERSION } from "../suite/version.ts";
import type { Group, MetricSummary, Row } from "./aggregate.ts";
import { directionArrow, metricInfo } from "./metric_info.ts";
import { fmtNum, fmtP, fmtPct } from "./format.ts";
import { canonicalJson } from "../suite/content_id.ts";

/** Significance mark of a p-value: "**" below 0.01, "*" below 0.05. */
export function significanceMark(p: number | undefined): string {
  if (p === undefined || !(p < 0.05)) return "";
  return p < 0.01 ? "**" : "*";
}

function cell(m: MetricSummary): string {
  if (m.ci.n === 0) return "n/a";
  if (m.ci.n === 1) return `${fmtNum(m.ci.mean)} (n=1)`;
  return `${fmtNum(m.ci.mean)} ± ${fmtNum(m.ci.halfWidth, 2)}`;
}

function deltaCell(m: MetricSummary, row: Row): string {
  if (row.isBaseline) return "—";
  if (!m.delta) return "n/a";
  return `${fmtNum(m.delta.mean, 3)} (${fmtPct(m.delta.relative)})${significanceMark(m.delta.pairedT.p)}`;
}

function pCell(m: MetricSummary, row: Row): string {
  if (row.isBaseline || !m.delta) return "—";
  return `${fmtP(m.delta.pairedT.p)} / ${fmtP(m.delta.signFlip.p)}`;
}

function stepsCell(row: Row): string {
  const s = row.stepsToTarget;
  if (!s) return "n/a";
  const seeds = `${s.reached}/${s.perSeed.length} seeds`;
  return s.mean !== null ? `${fmtNum(s.mean, 6)} (${seeds})` : `not reached (${seeds})`;
}

function options(o: Record<string, unknown>): string {
  const keys = Object.keys(o).sort();
  return keys.length === 0 ? "defaults" : keys.map((k) => `${k}=${canonicalJson(o[k])}`).join(", ");
}

/** The Markdown table of one group. */
export function groupTable(g: Group): string {
  const head = ["clustering", "k", "method", "seeds"];
  for (const key of g.metricKeys) {
    const i = metricInfo(key);
    head.push(`${i.label} ${directionArrow(i.direction)}`, `Δ ${i.label}`, "p (t / flip)");
  }
  head.push("steps to target", "speed-up");
  const lines = [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`];
  for (const row of g.rows) {
    const cells = [
      row.isBaseline ? "none (vanilla)" : row.objective,
      String(row.k),
      row.isBaseline ? "vanilla" : row.label.split(" ").slice(2).join(" "),
      row.failed.length > 0 ? `${row.runs.length} (+${row.failed.length} failed)` : String(row.runs.length),
    ];
    for (const m of row.metrics) cells.push(cell(m), deltaCell(m, row), pCell(m, row));
    cells.push(
      stepsCell(row),
      row.stepsToTarget?.speedup != null ? `${fmtNum(row.stepsToTarget.speedup, 3)}×` : "n/a",
    );
    lines.push(`| ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}

function groupSection(g: Group): string {
  const c = g.config;
  const e = c.eval;
  const out = [`## ${g.title}`, ""];
  out.push(
    `- dataset \`${c.dataset.id}\` (${options(c.dataset.options)}); model \`${c.model.id}\` (${
      options(c.model.options)
    })`,
    `- diffusion: ${c.diffusion.schedule} schedule, T = ${c.diffusion.T}; training: ${c.train.steps} steps, batch ${c.train.batchSize}, ` +
      `Adam lr ${c.train.lr} (β1 ${c.train.beta1}, β2 ${c.train.beta2}), EMA ${c.train.emaDecay}`,
    `- evaluation at steps ${
      e.at.join(", ")
    }: ${e.sampler.kind.toUpperCase()} sampler, ${e.sampler.steps} steps` +
      (e.sampler.kind === "ddim" ? `, η = ${e.sampler.eta}` : "") + `, ${e.useEma ? "EMA" : "raw"} weights`,
  );
  for (const key of g.metricKeys) {
    const i = metricInfo(key);
    out.push(
      `- ${i.label} (${i.direction} is better): ${i.description} in the \`${
        i.featureSpace || "default"
      }\` feature space; ` +
        `N = ${e.samples} generated vs ${e.referenceSamples} reference samples`,
    );
  }
  if (g.baseline?.stepsToTarget) {
    const s = g.baseline.stepsToTarget;
    out.push(
      `- steps to target: first evaluation step at which the row's mean ${
        metricInfo(s.metric).label
      } over seeds reaches vanilla's mean final value ${
        fmtNum(s.target)
      } (in brackets: how many single seeds reach it)`,
    );
  } else if (!g.baseline) {
    out.push("- no vanilla baseline in this group: no Δ, significance or steps to target");
  }
  out.push("", groupTable(g), "");
  return out.join("\n");
}

/** Render README.md. */
export function renderMarkdown(
  suite: string,
  description: string,
  results: readonly RunResult[],
  groups: readonly Group[],
): string {
  const ok = results.filter((r) => r.status === "ok").length;
  const failed = results.filter((r) => r.status !== "ok");
  const out = [
    `# antbench report: ${suite}`,
    "",
    ...(description ? [description, ""] : []),
    `antbench ${ANTBENCH_VERSION}; ${results.length} runs (${ok} ok, ${failed.length} failed). ` +
    "Generated from the stored run results by `deno task cli report`; wall-clock timing is in timing.md.",
    "",
    "How to read the tables: values are final metrics, mean ± half-width of the 95% confidence interval over seeds " +
    "(Student t, n − 1 degrees of freedom). Δ is the mean difference from vanilla paired by seed (relative to vanilla's mean); " +
    '`*` p < 0.05, `**` p < 0.01 by a two-sided paired t-test; "p (t / flip)" gives the paired t-test and the exact ' +
    "sign-flip permutation test (whose smallest possible p with n seeds is 2/2^n). Speed-up = vanilla's steps to target / the row's.",
    "",
    ...groups.map(groupSection),
  ];
  if (failed.length > 0) {
    out.push(
      "## Failed runs",
      "",
      "| run | dataset / model | clustering | method | seed | error |",
      "|---|---|---|---|---|---|",
    );
    for (const r of [...failed].sort((a, b) => (a.id < b.id ? -1 : 1))) {
      const c = r.config;
      out.push(
        `| ${r.id} | ${c.dataset.id} / ${c.model.id} | ${c.clustering.objective} k=${c.clustering.k} | ${c.method.id} | ${c.seed} | ` +
          `${(r.error ?? "failed").replace(/\|/g, "\\|").replace(/\n/g, " ")} |`,
      );
    }
    out.push("");
  }
  return out.join("\n");
}
