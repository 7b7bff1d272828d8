/**
 * How reports name and read a metric key such as "fd-data": its id ("fd"), its feature space ("data"),
 * its direction (lower or higher is better) and its printed label ("FD-data"). A Fréchet distance is only
 * called "FID" when its feature space is Inception ("inception"), as Heusel et al. (2017) define FID.
 *
 * @module
 */

import { METRICS } from "../metrics/registry.ts";

/** Whether smaller or larger values are better. */
export type Direction = "lower" | "higher";

/** Description of a metric key in reports. */
export interface MetricInfo {
  /** The metric key, e.g. "fd-data". */
  key: string;
  /** The metric id, e.g. "fd". */
  id: string;
  /** The feature space, e.g. "data". */
  featureSpace: string;
  /** Whether lower or higher is better. */
  direction: Direction;
  /** Printed label, e.g. "FD-data" ("FID" only with Inception features). */
  label: string;
  /** One line on the metric. */
  description: string;
}

const KNOWN: Record<string, { direction: Direction; description: string }> = {
  fd: {
    direction: "lower",
    description: "Fréchet distance between Gaussian fits of generated and reference features",
  },
  fid: { direction: "lower", description: "Fréchet Inception distance" },
  kid: {
    direction: "lower",
    description: "kernel inception-style distance (unbiased polynomial-kernel MMD²)",
  },
  swd: { direction: "lower", description: "sliced Wasserstein distance" },
  mmd: { direction: "lower", description: "maximum mean discrepancy" },
  loss: { direction: "lower", description: "training loss" },
  precision: {
    direction: "higher",
    description: "improved precision (k-NN manifold, Kynkäänniemi et al. 2019)",
  },
  recall: { direction: "higher", description: "improved recall (k-NN manifold, Kynkäänniemi et al. 2019)" },
  density: { direction: "higher", description: "density" },
  coverage: { direction: "higher", description: "coverage" },
};

/** Info for a metric key ("<id>-<feature space>" or a bare id). The metric registry (src/metrics/registry.ts) decides direction and description; a small built-in table covers ids outside it, and unknown ids default to lower-is-better. */
export function metricInfo(key: string): MetricInfo {
  const dash = key.indexOf("-");
  const id = dash < 0 ? key : key.slice(0, dash);
  const featureSpace = dash < 0 ? "" : key.slice(dash + 1);
  const registered = METRICS.get(id);
  const known = registered
    ? { direction: registered.direction, description: registered.description }
    : KNOWN[id];
  const direction: Direction = known?.direction ?? "lower";
  let label = featureSpace ? `${id.toUpperCase()}-${featureSpace}` : id.toUpperCase();
  if (id === "precision" || id === "recall" || id === "energy") {
    label = featureSpace ? `${id}-${featureSpace}` : id;
  }
  if (id === "fd" && featureSpace === "inception") label = "FID";
  return { key, id, featureSpace, direction, label, description: known?.description ?? key };
}

/** The arrow printed after a metric label. */
export function directionArrow(d: Direction): string {
  return d === "lower" ? "↓" : "↑";
}

/** True when `a` is better than `b` for direction `d`. */
export function isBetter(a: number, b: number, d: Direction): boolean {
  return d === "lower" ? a < b : a > b;
}
