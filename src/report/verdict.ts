/**
 * Verdicts: how a table's paired tests become words, by one documented rule (also printed in every
 * report by {@link verdictRuleText}).
 *
 * Family: every paired comparison of the table (group) — rows × metrics × comparisons (vs the matched
 * control, vs plain vanilla) — with a defined p-value. The paired t-test p-values are Holm-adjusted
 * together, and so are the TOST p-values. For one comparison, in this order:
 *
 * 1. saturated — the reference's mean (vanilla's or the control's) lies inside the metric's real-vs-real
 *    floor band: the metric cannot show a difference there; not a finding.
 * 2. inconclusive — fewer than 2 paired seeds (no test).
 * 3. better / worse — Holm-adjusted paired t p < alpha; the sign of the mean difference and the metric's
 *    direction decide which.
 * 4. equivalent — Holm-adjusted TOST p < alpha: the difference is within ± margin · |reference mean|.
 * 5. inconclusive — otherwise, reported with the minimum detectable relative effect at the suite's power
 *    (at level alpha, and at Holm's worst case alpha / m).
 *
 * The row's verdict is that of its headline metric; other metrics carry the same fields in results.json.
 * Why the paired t-test: with n seeds the exact sign-flip test cannot give p below 2/2^n (0.5 at n = 2,
 * 0.25 at n = 3, still 0.0625 at n = 5), so at the seed counts a CPU affords it can never reject, least
 * of all after Holm; the t-test can, at the price of assuming roughly normal per-seed differences. The
 * sign-flip p is printed beside it as the distribution-free check.
 *
 * @module
 */
import type { Group, MetricSummary, Row } from "./aggregate.ts";
import { holm, holmFamilySize } from "./holm.ts";
import type { PairedComparison, Verdict } from "./paired.ts";
import { relativeMde } from "./paired.ts";
import { atFloor } from "./floors.ts";
import { type Direction, metricInfo } from "./metric_info.ts";
import type { ReportSettings } from "./settings.ts";
import { fmtNum } from "./format.ts";

/** One test of a table's family. */
export interface FamilyMember {
  row: Row;
  metric: MetricSummary;
  comparison: PairedComparison;
}

/** Every comparison of a group, in table order (rows, metrics, comparisons). */
export function familyOf(g: Group): FamilyMember[] {
  const out: FamilyMember[] = [];
  for (const row of g.rows) {
    for (const metric of row.metrics) {
      for (const comparison of metric.comparisons) out.push({ row, metric, comparison });
    }
  }
  return out;
}

/** A relative effect as a percentage without sign ("n/a" when undefined). */
export function fmtEffect(x: number): string {
  if (!Number.isFinite(x)) return x === Infinity ? "∞" : "n/a";
  return `${fmtNum(100 * x, 3)}%`;
}

/** The verdict of one comparison whose Holm fields are set (steps 1-5 of the module doc). */
export function decideVerdict(c: PairedComparison, d: Direction, s: ReportSettings): Verdict {
  if (c.saturated) return { word: "saturated", text: "saturated (metric at its real-vs-real floor)" };
  if (!(c.n >= 2) || Number.isNaN(c.pHolm)) {
    return { word: "inconclusive", text: "inconclusive (fewer than 2 paired seeds)" };
  }
  if (c.pHolm < s.alpha) {
    const better = d === "lower" ? c.mean < 0 : c.mean > 0;
    return better ? { word: "better", text: "better" } : { word: "worse", text: "worse" };
  }
  if (c.pTostHolm < s.alpha) {
    return { word: "equivalent", text: `equivalent (within ±${fmtEffect(s.margin)})` };
  }
  return {
    word: "inconclusive",
    text: `inconclusive (MDE ±${fmtEffect(c.mde)}; ±${fmtEffect(c.mdeHolm)} under Holm)`,
  };
}

/**
 * Holm-adjust the group's family, set each comparison's Holm p, worst-case MDE, saturation and verdict,
 * the rows' headline verdicts and the group's family sizes.
 */
export function applyVerdicts(g: Group, s: ReportSettings): void {
  const fam = familyOf(g);
  const pT = fam.map((f) => f.comparison.pairedT.p);
  const pE = fam.map((f) => f.comparison.tost.p);
  const pHolm = holm(pT);
  const pTostHolm = holm(pE);
  const m = holmFamilySize(pT);
  g.family = { tests: m, tostTests: holmFamilySize(pE) };
  fam.forEach(({ metric, comparison: c }, i) => {
    const dir = metricInfo(metric.key).direction;
    c.pHolm = pHolm[i];
    c.pTostHolm = pTostHolm[i];
    c.mdeHolm = relativeMde(c.n, c.sd, c.referenceMean, s.alpha / Math.max(1, m), s.power);
    c.saturated = atFloor(c.referenceMean, g.floors[metric.key] ?? null, dir);
    c.verdict = decideVerdict(c, dir, s);
  });
  for (const row of g.rows) {
    row.verdicts = {};
    const h = row.metrics.find((x) => x.key === g.headline);
    for (const c of h?.comparisons ?? []) row.verdicts[c.against] = c.verdict;
  }
}

/** The "How verdicts are decided" paragraph of a group, with its numbers (Markdown). */
export function verdictRuleText(g: Group, s: ReportSettings): string {
  const h = g.headline ? metricInfo(g.headline) : undefined;
  const m = g.family.tests;
  const worst = s.alpha / Math.max(1, m);
  const hasControls = g.rows.some((r) => r.role === "control");
  const unmatched = g.rows.filter((r) =>
    r.role === "method" && r.sampler === "stratified" && !r.controlLabel
  );
  return [
    "**How verdicts are decided.**",
    h ? `Headline metric: ${h.label} (${h.direction} is better); the verdict words are about it.` : "",
    `Each comparison is a two-sided paired t-test on the per-seed differences (row − reference, same seed)` +
    (hasControls
      ? `, against the row's matched control (vanilla with the stratified sampler on the same clusters: it isolates the MTL method) and against plain vanilla (uniform timesteps: method and sampler together); controls are compared with plain vanilla, which isolates the sampler.`
      : ", against plain vanilla."),
    `All ${m} tests of this table (rows × metrics × comparisons with at least 2 paired seeds) are Holm-adjusted together at family-wise α = ${s.alpha}.`,
    `A row is **better** or **worse** than its reference when its Holm-adjusted p < ${s.alpha}; otherwise **equivalent** when two one-sided t-tests (TOST) reject a difference of ±${
      fmtEffect(s.margin)
    } of the reference mean (margin from the suite; Holm over the ${g.family.tostTests} TOST tests); otherwise **inconclusive**, with the minimum detectable effect (MDE): the relative difference a paired t-test with this many seeds and the observed sd of the differences detects with ${
      fmtEffect(s.power)
    } power (exact noncentral t) at α = ${s.alpha}, and at Holm's worst case α/m = ${fmtNum(worst, 3)}.`,
    "A comparison whose reference mean lies inside the metric's real-vs-real floor band is **saturated** and not a finding.",
    unmatched.length > 0
      ? `Caution: ${unmatched.length} row(s) use the stratified sampler but these results hold no matched control for them, so their Δ vs vanilla mixes the method with the sampler.`
      : "",
    `Why the t-test: with n seeds the exact sign-flip test cannot go below p = 2/2^n (0.5 for 2 seeds), so it could never reject here; it is shown as a distribution-free check on the t-test's normality assumption.`,
  ].filter((x) => x !== "").join(" ");
}
