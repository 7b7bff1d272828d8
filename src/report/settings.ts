/**
 * The settings a report is computed with: the suite's headline metric and verdict settings (from the
 * resolved suite in suite.json, see src/suite/validate_report.ts) plus the bootstrap of steps-to-target.
 * A directory without suite.json (merged or hand-assembled) gets the defaults, with each group's first
 * metric as its headline.
 *
 * @module
 */
import { SUITE_DEFAULTS } from "../suite/schema.ts";
import type { VerdictSettings } from "../suite/validate_report.ts";

/** Settings of the statistics of a report. */
export interface ReportSettings {
  /** Headline metric id (e.g. "fd"); undefined = each group's first metric. */
  headline?: string;
  /** Family-wise level of the Holm-adjusted tests of a table. */
  alpha: number;
  /** Relative equivalence margin of TOST. */
  margin: number;
  /** Power of the reported minimum detectable effects. */
  power: number;
  /** Bootstrap resamples of the steps-to-target intervals. */
  bootstrap: number;
  /** Seed of the bootstrap stream (derived with purpose "steps-to-target bootstrap"). */
  bootstrapSeed: number;
}

/** Defaults of every setting. */
export const DEFAULT_REPORT_SETTINGS: ReportSettings = {
  alpha: SUITE_DEFAULTS.verdict.alpha,
  margin: SUITE_DEFAULTS.verdict.margin,
  power: SUITE_DEFAULTS.verdict.power,
  bootstrap: 2000,
  bootstrapSeed: 0,
};

/**
 * Settings from a resolved suite value (suite.json); fields that are missing or malformed fall back to the
 * defaults (suite.json was validated when it was written; older ones lack `verdict`).
 */
export function reportSettings(suite: unknown): ReportSettings {
  const out: ReportSettings = { ...DEFAULT_REPORT_SETTINGS };
  const v = (suite as { verdict?: Partial<VerdictSettings> } | null)?.verdict;
  if (!v || typeof v !== "object") return out;
  if (typeof v.headline === "string" && v.headline !== "") out.headline = v.headline;
  if (typeof v.alpha === "number" && v.alpha > 0 && v.alpha < 0.5) out.alpha = v.alpha;
  if (typeof v.margin === "number" && v.margin > 0 && v.margin < 1) out.margin = v.margin;
  if (typeof v.power === "number" && v.power > out.alpha && v.power < 1) out.power = v.power;
  return out;
}

/** Settings from `dir`/suite.json (defaults when it is missing or unreadable). */
export async function readReportSettings(dir: string): Promise<ReportSettings> {
  try {
    return reportSettings(JSON.parse(await Deno.readTextFile(`${dir}/suite.json`)));
  } catch {
    return reportSettings(undefined);
  }
}
