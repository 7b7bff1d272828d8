/**
 * Fixed number formatting for deterministic reports: the same float always prints the same way.
 *
 * @module
 */

/** Round to `digits` significant digits for JSON output; non-finite values become null. */
export function roundSig(x: number, digits = 6): number | null {
  if (!Number.isFinite(x)) return null;
  return x === 0 ? 0 : Number(x.toPrecision(digits));
}

/** Format for tables with `digits` significant digits ("n/a" for missing values). */
export function fmtNum(x: number | null | undefined, digits = 4): string {
  if (x === null || x === undefined || Number.isNaN(x)) return "n/a";
  if (!Number.isFinite(x)) return x > 0 ? "∞" : "-∞";
  if (x === 0) return "0";
  const a = Math.abs(x);
  if (a >= 1e6 || a < 1e-4) return x.toExponential(digits - 1);
  return Number(x.toPrecision(digits)).toString();
}

/** Format a p-value: 3 significant digits, "<1e-4" below that. */
export function fmtP(p: number | undefined): string {
  if (p === undefined || Number.isNaN(p)) return "n/a";
  if (p < 1e-4) return "<1e-4";
  return Number(p.toPrecision(2)).toString();
}

/** Format a signed relative change as a percentage. */
export function fmtPct(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return "n/a";
  const v = Number((100 * x).toPrecision(3));
  return `${v > 0 ? "+" : ""}${v}%`;
}
