/**
 * The paired comparison of one row's final metric with a reference row (plain vanilla, or the row's
 * matched control: vanilla with the stratified sampler on the same clusters), over the seeds both have.
 * Runs of the same seed share every random stream that does not depend on the method (data order,
 * timesteps, noise, initial weights), so the per-seed differences d_s = row_s − reference_s carry the
 * comparison: paired t-test (the verdict test), exact sign-flip test (shown as a distribution-free check),
 * TOST for equivalence within ± margin · |reference mean|, and the minimum detectable effect.
 *
 * @module
 */
import { mean, pairedTTest, signFlipTest, stdDev, type TestResult } from "./stats.ts";
import { pairedTost, type TostResult } from "./tost.ts";
import { minimumDetectableEffect } from "./power.ts";
import type { ReportSettings } from "./settings.ts";

/** What a comparison is against. */
export type Against = "vanilla" | "control";

/** Verdict words (src/report/verdict.ts). */
export type VerdictWord = "better" | "worse" | "equivalent" | "inconclusive" | "saturated";

/** The verdict of one comparison, with the text the tables print. */
export interface Verdict {
  /** The verdict word. */
  word: VerdictWord;
  /** The word with its qualifier, e.g. "inconclusive (MDE ±35%; ±140% under Holm)". */
  text: string;
}

/** Final values of one metric over seeds (the part a comparison needs). */
export interface SeedValues {
  /** Seeds, in order. */
  seeds: number[];
  /** Value per seed. */
  values: number[];
}

/** A row's metric compared with a reference row, paired by seed. */
export interface PairedComparison {
  /** The reference: the matched control or plain vanilla. */
  against: Against;
  /** Label of the reference row. */
  reference: string;
  /** Paired seeds. */
  n: number;
  /** Mean of (row − reference) over the paired seeds. */
  mean: number;
  /** The reference's mean over the paired seeds. */
  referenceMean: number;
  /** `mean` / |referenceMean|. */
  relative: number;
  /** Standard deviation of the differences (n − 1). */
  sd: number;
  /** Two-sided paired t-test (the verdict test). */
  pairedT: TestResult;
  /** Exact sign-flip permutation test (distribution-free check). */
  signFlip: TestResult;
  /** TOST with margin = settings.margin · |referenceMean|. */
  tost: TostResult;
  /** Relative minimum detectable effect at settings.power and level settings.alpha (NaN for n < 2). */
  mde: number;
  /** Holm-adjusted p of the paired t-test over the table's family (set by src/report/verdict.ts). */
  pHolm: number;
  /** Holm-adjusted TOST p over the table's TOST family. */
  pTostHolm: number;
  /** Relative MDE at Holm's worst-case level alpha / m. */
  mdeHolm: number;
  /** The reference's mean lies inside the metric's real-vs-real floor band. */
  saturated: boolean;
  /** The verdict by the rule of src/report/verdict.ts. */
  verdict: Verdict;
}

/** Values of `row` and `ref` at the seeds both have, in the row's seed order. */
export function pairBySeed(row: SeedValues, ref: SeedValues): { seeds: number[]; a: number[]; b: number[] } {
  const seeds: number[] = [];
  const a: number[] = [];
  const b: number[] = [];
  row.seeds.forEach((s, i) => {
    const j = ref.seeds.indexOf(s);
    if (j >= 0) {
      seeds.push(s);
      a.push(row.values[i]);
      b.push(ref.values[j]);
    }
  });
  return { seeds, a, b };
}

/** Relative MDE of a paired t-test with n pairs whose differences have sd `sd`, at level `alpha`. */
export function relativeMde(
  n: number,
  sd: number,
  referenceMean: number,
  alpha: number,
  power: number,
): number {
  if (n < 2 || !Number.isFinite(sd) || referenceMean === 0) return NaN;
  return minimumDetectableEffect(n, alpha, power) * sd / Math.abs(referenceMean);
}

/**
 * Compare `row` with `ref` paired by seed; undefined when they share no seed. The Holm-dependent fields
 * are placeholders until the table's family is known (src/report/verdict.ts fills them).
 */
export function pairedComparison(
  against: Against,
  reference: string,
  row: SeedValues,
  ref: SeedValues,
  settings: ReportSettings,
): PairedComparison | undefined {
  const { a, b } = pairBySeed(row, ref);
  if (a.length === 0) return undefined;
  const d = a.map((x, i) => x - b[i]);
  const referenceMean = mean(b);
  const sd = stdDev(d);
  const m = mean(d);
  return {
    against,
    reference,
    n: a.length,
    mean: m,
    referenceMean,
    relative: referenceMean === 0 ? NaN : m / Math.abs(referenceMean),
    sd,
    pairedT: pairedTTest(a, b),
    signFlip: signFlipTest(a, b),
    tost: pairedTost(a, b, settings.margin * Math.abs(referenceMean)),
    mde: relativeMde(a.length, sd, referenceMean, settings.alpha, settings.power),
    pHolm: NaN,
    pTostHolm: NaN,
    mdeHolm: NaN,
    saturated: false,
    verdict: { word: "inconclusive", text: "inconclusive" },
  };
}
