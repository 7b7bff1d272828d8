/**
 * Resolution of the suite fields that decide how results are read rather than how runs train: the
 * evaluation points (at least `eval.minPoints`, default 8), the headline metric (`eval.headline`), the
 * verdict settings (`verdict.alpha`, `verdict.margin`, `verdict.power`) and the matched controls
 * (`controls`). Headline and verdict settings go to the resolved suite (suite.json, read by the report),
 * not into run configs, so changing them never changes a run's content id.
 *
 * @module
 */
import { SUITE_DEFAULTS } from "./schema.ts";
import { type Checker, isObject } from "./checker.ts";

/** How the report decides verdicts, as resolved from the suite (see src/report/verdict.ts). */
export interface VerdictSettings {
  /** Metric id (from eval.metrics) whose verdict each row gets. */
  headline: string;
  /** Family-wise level of the Holm-adjusted tests. */
  alpha: number;
  /** Relative equivalence margin of the TOST verdict. */
  margin: number;
  /** Power of the reported minimum detectable effect. */
  power: number;
}

/** Default evaluation steps: `points` evenly spaced steps ending at `steps` (every step if fewer). */
export function defaultEvalSteps(steps: number, points: number = SUITE_DEFAULTS.eval.points): number[] {
  const out: number[] = [];
  for (let i = 1; i <= points; i++) {
    const s = Math.max(1, Math.round(i * steps / points));
    if (out[out.length - 1] !== s) out.push(s);
  }
  return out;
}

/**
 * Check that the resolved evaluation steps give at least `eval.minPoints` points (or every step, for a
 * run shorter than that). `source` names the field that produced them.
 */
export function checkEvalPoints(
  c: Checker,
  at: number[],
  steps: number,
  minPointsRaw: unknown,
  source: "eval.at" | "eval.every" | "default",
  given: unknown,
): number {
  const before = c.problems.length;
  const minPoints = c.int("eval.minPoints", minPointsRaw, SUITE_DEFAULTS.eval.points, 1, 100_000);
  const need = Math.min(minPoints, steps);
  if (source !== "default" && at.length < need && c.problems.length === before) {
    const hint = source === "eval.every"
      ? `an interval of at most ${Math.floor(steps / need)} steps`
      : `at least ${need} ascending steps`;
    c.add(
      source,
      given,
      `${hint}: ${at.length} evaluation point(s) in ${steps} steps, and at least ${need} are needed to ` +
        `read convergence and steps-to-target (set eval.minPoints to accept fewer)`,
    );
  }
  return minPoints;
}

/** Resolve `eval.headline` against the suite's metric ids (default: the first). */
export function resolveHeadline(c: Checker, raw: unknown, metrics: readonly string[]): string {
  const fallback = metrics[0] ?? SUITE_DEFAULTS.eval.metrics[0];
  if (raw === undefined) return fallback;
  if (typeof raw !== "string" || !metrics.includes(raw)) {
    c.add("eval.headline", raw, `a metric id of eval.metrics: ${metrics.join(" | ")}`);
    return fallback;
  }
  return raw;
}

/** Resolve the `verdict` block. */
export function resolveVerdict(c: Checker, raw: unknown, headline: string): VerdictSettings {
  const d = SUITE_DEFAULTS.verdict;
  const out: VerdictSettings = { headline, alpha: d.alpha, margin: d.margin, power: d.power };
  if (raw === undefined) return out;
  if (!isObject(raw)) {
    c.add("verdict", raw, "an object {alpha, margin, power}");
    return out;
  }
  c.unknownKeys("verdict", raw, ["alpha", "margin", "power"]);
  out.alpha = c.num("verdict.alpha", raw.alpha, d.alpha, (x) => x > 0 && x < 0.5, "a number in (0, 0.5)");
  out.margin = c.num(
    "verdict.margin",
    raw.margin,
    d.margin,
    (x) => x > 0 && x < 1,
    "a relative margin in (0, 1), e.g. 0.05 for ±5% of the reference mean",
  );
  out.power = c.num(
    "verdict.power",
    raw.power,
    d.power,
    (x) => x > out.alpha && x < 1,
    `a number in (verdict.alpha = ${out.alpha}, 1)`,
  );
  return out;
}
