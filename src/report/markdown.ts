/**
 * README.md of a report: per group (dataset / model with identical settings) the settings, the metrics
 * with N, feature space and real-vs-real floor, the rule that decides verdicts (with this table's numbers),
 * the summary table (src/report/markdown_tables.ts: metrics, Δ vs matched control and vs vanilla with raw
 * and Holm p, verdicts, steps-to-target and speed-up with bootstrap intervals) and the table of every
 * test of the Holm family. Deterministic: no timestamps or durations (those go to timing.md).
 *
 * @module
 */
import type { RunResult } from "../train/types.ts";
import { ANTBENCH_VERSION } from "../suite/version.ts";
import type { Group } from "./aggregate.ts";
import { metricInfo } from "./metric_info.ts";
import { fmtNum } from "./format.ts";
import { canonicalJson } from "../suite/content_id.ts";
import { groupTable, testsTable } from "./markdown_tables.ts";
import { verdictRuleText } from "./verdict.ts";
import { SUITE_DEFAULTS } from "../suite/schema.ts";
import { affinityMarkdown } from "./affinity_section.ts";
import { table1Markdown } from "./table1.ts";

export { groupTable, testsTable };

function options(o: Record<string, unknown>): string {
  const keys = Object.keys(o).sort();
  return keys.length === 0 ? "defaults" : keys.map((k) => `${k}=${canonicalJson(o[k])}`).join(", ");
}

function groupSection(g: Group): string {
  const c = g.config;
  const e = c.eval;
  const out = [`## ${g.title}`, ""];
  out.push(
    `- dataset \`${c.dataset.id}\` (${options(c.dataset.options)}); model \`${c.model.id}\` (${
      options(c.model.options)
    })`,
    ...(c.latent
      ? [
        `- latent diffusion: the denoiser trains on the scaled latents of autoencoder \`${c.latent.autoencoder}\` ` +
        `(weights ${
          c.latent.weightsHash ?? "unresolved"
        }); samples are decoded to images before every metric`,
      ]
      : []),
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
      `- ${i.label} (${i.direction} is better${
        key === g.headline ? "; headline metric" : ""
      }): ${i.description} in the \`${i.featureSpace || "default"}\` feature space; ` +
        `N = ${e.samples} generated vs ${e.referenceSamples} reference samples; ${floorSentence(g, key)}`,
    );
  }
  const s = g.baseline?.stepsToTarget;
  if (s) {
    out.push(
      `- steps to target: the training step at which the row's mean ${
        metricInfo(s.metric).label
      } over seeds first reaches vanilla's mean final value ${
        fmtNum(s.target)
      }, interpolated linearly between the two evaluations around it (${e.at.length} evaluations per run; ` +
        `"≤ s": reached at the first evaluation); [95% CI]: percentile bootstrap over seeds ` +
        `(${s.resamples} seeded resamples, paired with vanilla's seeds); in brackets how many single seeds reach ` +
        "it. Speed-up = vanilla's steps / the row's, not given for a row whose mean final value is worse than the target.",
    );
    if (e.at.length < SUITE_DEFAULTS.eval.points) {
      out.push(
        `- only ${e.at.length} evaluation points per run (fewer than the default ${SUITE_DEFAULTS.eval.points}): ` +
          "steps to target is coarse",
      );
    }
  } else if (!g.baseline) {
    out.push("- no vanilla baseline in this group: no Δ vs vanilla, no steps to target");
  }
  out.push("", verdictRuleText(g, g.settings), "", groupTable(g), "");
  const tests = testsTable(g);
  if (tests) out.push(`Every test of this table (Holm family of ${g.family.tests}):`, "", tests, "");
  const table1 = table1Markdown(g);
  if (table1) out.push(table1);
  const affinity = affinityMarkdown(g);
  if (affinity) out.push(affinity);
  return out.join("\n");
}

function floorSentence(g: Group, key: string): string {
  const f = g.floors[key];
  if (!f) return "real-vs-real floor: not measured";
  const base = g.baseline?.metrics.find((m) => m.key === key);
  return `real-vs-real floor (${f.resamples} resamples of ${f.n} real samples from ${f.source} against the ` +
    `${f.referenceN} reference samples): 5–95% band ${fmtNum(f.lo)}–${fmtNum(f.hi)}, mean ${fmtNum(f.mean)}` +
    (base && base.ci.n > 0
      ? g.saturated[key]
        ? `; vanilla's mean ${
          fmtNum(base.ci.mean)
        } lies inside it: **saturated**, no verdict from this metric`
        : `; vanilla's mean ${fmtNum(base.ci.mean)} is outside it`
      : "");
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
    "(Student t, n − 1 degrees of freedom); each metric's column head gives its real-vs-real floor band. " +
    "Rows: plain vanilla (uniform timesteps), matched controls (vanilla with the stratified sampler on one clustering) " +
    "and methods. Δ is the mean difference paired by seed (relative to the reference's mean), against the row's matched " +
    "control (isolates the MTL method) and against plain vanilla (method and sampler together); p is the two-sided paired " +
    "t-test, Holm its Holm-adjusted value over every test of the table. Verdicts follow the rule stated above each table. " +
    "Speed-up = vanilla's steps to target / the row's.",
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
