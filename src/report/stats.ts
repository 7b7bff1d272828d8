/**
 * Small-sample statistics for benchmark reports and regression checks: Student-t quantiles and confidence
 * intervals, the paired t-test, the exact sign-flip (paired permutation) test, Welch's t-test and the
 * Mann-Whitney U test. Everything runs in float64 on plain arrays; no dependencies.
 *
 * Special functions: log Γ by the Lanczos approximation (g = 7, n = 9), the regularized incomplete beta
 * function I_x(a, b) by its continued fraction (modified Lentz), the regularized lower incomplete gamma
 * P(a, x) by series / continued fraction. Student-t: P(|T| > t) = I_{ν/(ν+t²)}(ν/2, 1/2).
 *
 * Conventions follow SciPy's `scipy.stats` (the oracle the tests compare against): sample standard
 * deviation with n - 1, two-sided p-values, Mann-Whitney "auto" method (exact when both samples have
 * fewer than 8 values and there are no ties, else the normal approximation with tie and continuity
 * corrections).
 *
 * @module
 */

const LANCZOS = [
  0.99999999999980993,
  676.5203681218851,
  -1259.1392167224028,
  771.32342877765313,
  -176.61502916214059,
  12.507343278686905,
  -0.13857109526572012,
  9.9843695780195716e-6,
  1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos, relative error about 1e-15). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  x -= 1;
  let a = LANCZOS[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/**
 * Remainder of Stirling's series, ln Γ(y) − [(y − ½) ln y − y + ½ ln 2π] ≈ 1/(12y) − 1/(360y³) + 1/(1260y⁵)
 * − 1/(1680y⁷), for y ≥ 10 (truncation error below 1e-17 there).
 */
export function stirlingTail(y: number): number {
  const y2 = y * y;
  return (1 / 12 - (1 / 360 - (1 / 1260 - 1 / (1680 * y2)) / y2) / y2) / y;
}

/**
 * ln Γ(x + d) − ln Γ(x) for x > 0, x + d > 0, without the cancellation of two large ln Γ values: for
 * x, x + d ≥ 10 by the difference of Stirling's series,
 * d·ln x + (x + d − ½)·log1p(d/x) − d + tail(x + d) − tail(x) (error below 1e-15 relative to the result
 * plus 1e-16 absolute), else directly.
 */
export function logGammaDiff(x: number, d: number): number {
  if (x < 10 || x + d < 10) return logGamma(x + d) - logGamma(x);
  return d * Math.log(x) + (x + d - 0.5) * Math.log1p(d / x) - d + stirlingTail(x + d) - stirlingTail(x);
}

/** Continued fraction of the incomplete beta function (modified Lentz). */
function betaContinuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - (a + b) * x / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 10000; m++) {
    const m2 = 2 * m;
    let num = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
    d = 1 + num * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + num / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    num = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
    d = 1 + num * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + num / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return h;
}

/**
 * Regularized incomplete beta function I_x(a, b), a, b > 0, 0 ≤ x ≤ 1. `oneMinusX` may give 1 − x when the
 * caller knows it more accurately than 1 − x rounds (x close to 1): the factor x^a amplifies the rounding of
 * x by a, and src/report/noncentral_t.ts calls this with a up to 1e5.
 */
export function regularizedBeta(x: number, a: number, b: number, oneMinusX?: number): number {
  const y = oneMinusX ?? 1 - x;
  if (x <= 0) return 0;
  if (y <= 0) return 1;
  // ln Γ(a + b) − ln Γ(a) − ln Γ(b), with the two large terms combined exactly when a or b is large.
  const lnBeta = a >= b ? logGammaDiff(a, b) - logGamma(b) : logGammaDiff(b, a) - logGamma(a);
  const lnX = oneMinusX !== undefined && x > 0.5 ? Math.log1p(-y) : Math.log(x);
  const lnFront = lnBeta + a * lnX + b * (oneMinusX !== undefined ? Math.log(y) : Math.log1p(-x));
  if (x < (a + 1) / (a + b + 2)) return Math.exp(lnFront) * betaContinuedFraction(x, a, b) / a;
  return 1 - Math.exp(lnFront) * betaContinuedFraction(y, b, a) / b;
}

/** Regularized lower incomplete gamma P(a, x). */
export function regularizedGammaP(a: number, x: number): number {
  if (x <= 0) return 0;
  const lnFront = a * Math.log(x) - x - logGamma(a);
  if (x < a + 1) {
    let sum = 1 / a;
    let term = sum;
    for (let n = 1; n < 10000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-17) break;
    }
    return Math.exp(lnFront) * sum;
  }
  // Continued fraction for Q(a, x) (modified Lentz).
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return 1 - Math.exp(lnFront) * h;
}

/** Standard normal CDF Φ(z). */
export function normalCdf(z: number): number {
  const p = regularizedGammaP(0.5, z * z / 2);
  return z >= 0 ? 0.5 + 0.5 * p : 0.5 - 0.5 * p;
}

/** Student-t CDF with `df` degrees of freedom (df > 0, may be fractional). */
export function studentTCdf(t: number, df: number): number {
  if (!Number.isFinite(t)) return t > 0 ? 1 : 0;
  const tail = 0.5 * regularizedBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** Two-sided tail probability P(|T| ≥ |t|) of Student's t. */
export function studentTTwoSided(t: number, df: number): number {
  if (!Number.isFinite(t)) return Number.isNaN(t) ? NaN : 0;
  return regularizedBeta(df / (df + t * t), df / 2, 0.5);
}

/** Quantile of Student's t: the q with CDF(q) = p, 0 < p < 1 (bisection to full precision). */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1) || !(df > 0)) return NaN;
  if (p === 0.5) return 0;
  if (p < 0.5) return -studentTQuantile(1 - p, df);
  let lo = 0;
  let hi = 1;
  while (studentTCdf(hi, df) < p) {
    lo = hi;
    hi *= 2;
    if (hi > 1e300) return Infinity;
  }
  for (let i = 0; i < 300; i++) {
    const mid = 0.5 * (lo + hi);
    if (mid === lo || mid === hi) break;
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/** Arithmetic mean (NaN for an empty sample). */
export function mean(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** Sample variance with n - 1 (NaN for fewer than two values). */
export function variance(xs: readonly number[]): number {
  if (xs.length < 2) return NaN;
  const m = mean(xs);
  let s = 0;
  for (const x of xs) s += (x - m) * (x - m);
  return s / (xs.length - 1);
}

/** Sample standard deviation with n - 1. */
export function stdDev(xs: readonly number[]): number {
  return Math.sqrt(variance(xs));
}

/** Mean with a two-sided t-distribution confidence interval. */
export interface MeanCi {
  /** Sample size. */
  n: number;
  /** Sample mean. */
  mean: number;
  /** Sample standard deviation (n - 1). */
  sd: number;
  /** Half-width t_{1-α/2, n-1} · sd / √n (NaN when n < 2). */
  halfWidth: number;
  /** Confidence level, e.g. 0.95. */
  level: number;
}

/** Mean ± t-based confidence interval at `level` (default 0.95) over independent values (e.g. seeds). */
export function meanCi(xs: readonly number[], level = 0.95): MeanCi {
  const n = xs.length;
  const m = mean(xs);
  const sd = stdDev(xs);
  const halfWidth = n < 2 ? NaN : studentTQuantile(1 - (1 - level) / 2, n - 1) * sd / Math.sqrt(n);
  return { n, mean: m, sd, halfWidth, level };
}

/** Result of a hypothesis test. */
export interface TestResult {
  /** Name of the test as printed in reports. */
  test: string;
  /** Test statistic. */
  statistic: number;
  /** Degrees of freedom where the test has them. */
  df?: number;
  /** Two-sided p-value (NaN when the test is undefined, e.g. n < 2 or zero variance with zero effect). */
  p: number;
  /** Sample size (pairs, or both samples together). */
  n: number;
}

/**
 * Paired two-sided t-test of H0: mean(a - b) = 0 (SciPy `ttest_rel`). Identical differences that are all
 * non-zero give p = 0 (infinite t); all-zero differences give p = 1.
 */
export function pairedTTest(a: readonly number[], b: readonly number[]): TestResult {
  if (a.length !== b.length) throw new RangeError("pairedTTest: samples must have the same length");
  const d = a.map((x, i) => x - b[i]);
  const n = d.length;
  if (n < 2) return { test: "paired t-test", statistic: NaN, df: n - 1, p: NaN, n };
  const m = mean(d);
  const se = stdDev(d) / Math.sqrt(n);
  if (se === 0) {
    return {
      test: "paired t-test",
      statistic: m === 0 ? 0 : Math.sign(m) * Infinity,
      df: n - 1,
      p: m === 0 ? 1 : 0,
      n,
    };
  }
  const t = m / se;
  return { test: "paired t-test", statistic: t, df: n - 1, p: studentTTwoSided(t, n - 1), n };
}

/**
 * Exact two-sided sign-flip permutation test for paired data (Fisher's randomization test): under H0 each
 * difference d_i = a_i - b_i is symmetric about 0, so all 2^n sign assignments are equally likely;
 * p = #{s : |Σ s_i d_i| ≥ |Σ d_i|} / 2^n (the observed assignment included, so p ≥ 2^-n·2 for n ≥ 1).
 * Exact enumeration up to n = 20.
 */
export function signFlipTest(a: readonly number[], b: readonly number[]): TestResult {
  if (a.length !== b.length) throw new RangeError("signFlipTest: samples must have the same length");
  const d = a.map((x, i) => x - b[i]);
  const n = d.length;
  if (n === 0) return { test: "sign-flip permutation test", statistic: NaN, p: NaN, n };
  if (n > 20) throw new RangeError("signFlipTest: exact enumeration supports at most 20 pairs");
  const observed = Math.abs(d.reduce((s, x) => s + x, 0));
  const scale = d.reduce((s, x) => s + Math.abs(x), 0);
  const tol = 1e-12 * Math.max(scale, 1e-300);
  let count = 0;
  const total = 2 ** n;
  for (let mask = 0; mask < total; mask++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += (mask >>> i) & 1 ? -d[i] : d[i];
    if (Math.abs(s) >= observed - tol) count++;
  }
  return { test: "sign-flip permutation test", statistic: mean(d), p: count / total, n };
}

/** Welch's unequal-variance two-sided t-test of H0: mean(a) = mean(b) (SciPy `ttest_ind(equal_var=False)`). */
export function welchTTest(a: readonly number[], b: readonly number[]): TestResult {
  const na = a.length;
  const nb = b.length;
  const name = "Welch t-test";
  if (na < 2 || nb < 2) return { test: name, statistic: NaN, p: NaN, n: na + nb };
  const va = variance(a) / na;
  const vb = variance(b) / nb;
  const diff = mean(a) - mean(b);
  const se2 = va + vb;
  if (se2 === 0) {
    return {
      test: name,
      statistic: diff === 0 ? 0 : Math.sign(diff) * Infinity,
      p: diff === 0 ? 1 : 0,
      n: na + nb,
    };
  }
  const t = diff / Math.sqrt(se2);
  const df = se2 * se2 / (va * va / (na - 1) + vb * vb / (nb - 1));
  return { test: name, statistic: t, df, p: studentTTwoSided(t, df), n: na + nb };
}

/** Number of ways to get each U = 0..n1·n2 for samples of size n1, n2 without ties. */
function mannWhitneyCounts(n1: number, n2: number): number[] {
  // f(u; i, j) = f(u - j; i - 1, j) + f(u; i, j - 1); iterate over i with a table in j.
  const max = n1 * n2;
  let prev: number[][] = [];
  for (let j = 0; j <= n2; j++) prev.push([1]); // i = 0: only U = 0
  for (let i = 1; i <= n1; i++) {
    const cur: number[][] = [[1]]; // j = 0
    for (let j = 1; j <= n2; j++) {
      const len = i * j + 1;
      const row = new Array<number>(len).fill(0);
      const a = prev[j];
      const b = cur[j - 1];
      for (let u = 0; u < len; u++) {
        if (u - j >= 0 && u - j < a.length) row[u] += a[u - j];
        if (u < b.length) row[u] += b[u];
      }
      cur.push(row);
    }
    prev = cur;
  }
  const out = prev[n2];
  while (out.length < max + 1) out.push(0);
  return out;
}

/**
 * Two-sided Mann-Whitney U test (Wilcoxon rank-sum) of H0: the two samples come from the same
 * distribution. `statistic` is U of sample `a`. Exact when both samples have < 8 values and no ties,
 * otherwise the normal approximation with tie and continuity corrections (SciPy `mannwhitneyu`, "auto").
 */
export function mannWhitneyU(a: readonly number[], b: readonly number[]): TestResult {
  const n1 = a.length;
  const n2 = b.length;
  const name = "Mann-Whitney U";
  if (n1 === 0 || n2 === 0) return { test: name, statistic: NaN, p: NaN, n: n1 + n2 };
  const all = [...a.map((v) => ({ v, g: 0 })), ...b.map((v) => ({ v, g: 1 }))].sort((x, y) => x.v - y.v);
  const ranks = new Array<number>(all.length);
  let tieTerm = 0;
  let hasTies = false;
  for (let i = 0; i < all.length;) {
    let j = i;
    while (j + 1 < all.length && all[j + 1].v === all[i].v) j++;
    const r = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[k] = r;
    const t = j - i + 1;
    if (t > 1) hasTies = true;
    tieTerm += t * t * t - t;
    i = j + 1;
  }
  let r1 = 0;
  for (let i = 0; i < all.length; i++) if (all[i].g === 0) r1 += ranks[i];
  const u1 = r1 - n1 * (n1 + 1) / 2;
  const u2 = n1 * n2 - u1;
  const u = Math.max(u1, u2);
  let p: number;
  if (n1 < 8 && n2 < 8 && !hasTies) {
    const counts = mannWhitneyCounts(n1, n2);
    const total = counts.reduce((s, c) => s + c, 0);
    let sf = 0;
    for (let k = Math.ceil(u); k < counts.length; k++) sf += counts[k];
    p = Math.min(1, 2 * sf / total);
  } else {
    const n = n1 + n2;
    const mu = n1 * n2 / 2;
    const s = Math.sqrt(n1 * n2 / 12 * ((n + 1) - tieTerm / (n * (n - 1))));
    if (s === 0) p = 1;
    else {
      const z = (u - mu - 0.5) / s;
      p = Math.min(1, 2 * (1 - normalCdf(z)));
    }
  }
  return { test: name, statistic: u1, p, n: n1 + n2 };
}
