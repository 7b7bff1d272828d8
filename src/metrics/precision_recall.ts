/**
 * Improved precision and recall (Kynkäänniemi, Karras, Laine, Lehtinen & Aila 2019, "Improved Precision
 * and Recall Metric for Assessing Generative Models", eqs. 1–3). The manifold of a feature set Φ is the
 * union of balls B(φ, NN_k(φ)) where NN_k(φ) is the distance to the k-th nearest neighbour of φ in Φ
 * (excluding φ itself; k = 3). A sample φ is inside if ‖φ − φ'‖ ≤ NN_k(φ') for some φ' ∈ Φ.
 *
 *   precision = fraction of generated samples inside the real manifold
 *   recall    = fraction of real samples inside the generated manifold
 *
 * Exact brute force in float64 (squared distances), as kynkaat/improved-precision-and-recall-metric
 * computes it (without its batching).
 *
 * @module
 */
import { badValue, UsageError } from "../runtime/errors.ts";
import { checkMetricNumber, type MetricFactory, unknownMetricOptions } from "./metric.ts";
import { requireFinite } from "./finite.ts";

/** Precision and recall of one comparison. */
export interface PrecisionRecall {
  /** Share of generated samples inside the real manifold. */
  precision: number;
  /** Share of real samples inside the generated manifold. */
  recall: number;
  /** Neighbourhood size k. */
  k: number;
}

/** Default neighbourhood size. */
export const PR_DEFAULT_K = 3;

function sqDist(a: Float64Array, ao: number, b: Float64Array, bo: number, d: number): number {
  let s = 0;
  for (let j = 0; j < d; j++) {
    const t = a[ao + j] - b[bo + j];
    s += t * t;
  }
  return s;
}

/** Squared k-th nearest-neighbour distance of every row of the n×d set (self excluded). */
export function kthNeighbourRadii(x: Float64Array, d: number, k: number): Float64Array {
  const n = x.length / d;
  if (n <= k) {
    throw new UsageError(
      `precision/recall: a set of ${n} samples has no ${k}-th nearest neighbour; need > ${k}`,
    );
  }
  const radii = new Float64Array(n);
  const best = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    best.fill(Infinity);
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const v = sqDist(x, i * d, x, j * d, d);
      if (v < best[k - 1]) {
        let p = k - 1;
        while (p > 0 && best[p - 1] > v) {
          best[p] = best[p - 1];
          p--;
        }
        best[p] = v;
      }
    }
    radii[i] = best[k - 1];
  }
  return radii;
}

/** Fraction of rows of `query` inside the manifold of `ref` with squared radii `radii`. */
export function manifoldCoverage(
  query: Float64Array,
  ref: Float64Array,
  radii: Float64Array,
  d: number,
): number {
  const nq = query.length / d, nr = ref.length / d;
  let inside = 0;
  for (let i = 0; i < nq; i++) {
    for (let j = 0; j < nr; j++) {
      if (sqDist(query, i * d, ref, j * d, d) <= radii[j]) {
        inside++;
        break;
      }
    }
  }
  return inside / nq;
}

/** Improved precision and recall of generated vs real features (row-major n×d each). */
export function precisionRecall(
  real: Float32Array | Float64Array,
  gen: Float32Array | Float64Array,
  d: number,
  opts: { k?: number } = {},
): PrecisionRecall {
  const k = opts.k ?? PR_DEFAULT_K;
  if (!Number.isInteger(k) || k < 1) {
    throw new UsageError(badValue("precision/recall: k", k, "an integer >= 1"));
  }
  if (!Number.isInteger(d) || d < 1) {
    throw new UsageError(badValue("precision/recall: d", d, "an integer >= 1"));
  }
  if (real.length % d !== 0 || gen.length % d !== 0) {
    throw new UsageError(
      `precision/recall: sizes ${real.length} and ${gen.length} are not multiples of d = ${d}`,
    );
  }
  requireFinite(real, d, "precision/recall: real features");
  requireFinite(gen, d, "precision/recall: generated features");
  const r = Float64Array.from(real), g = Float64Array.from(gen);
  const rr = kthNeighbourRadii(r, d, k), rg = kthNeighbourRadii(g, d, k);
  return { precision: manifoldCoverage(g, r, rr, d), recall: manifoldCoverage(r, g, rg, d), k };
}

function prFactory(which: "precision" | "recall"): MetricFactory<{ k: number; [key: string]: unknown }> {
  return {
    id: which,
    direction: "higher",
    description: `improved ${which}, k = 3 (Kynkäänniemi et al. 2019)`,
    reference: "Kynkäänniemi et al. 2019 (eq. 1-3), k-NN manifold estimate",
    defaults: { k: PR_DEFAULT_K },
    validate(o) {
      return [...unknownMetricOptions(which, o, ["k"]), ...checkMetricNumber(which, o, "k", 1, 1000, true)];
    },
    create(o, ctx) {
      return {
        compute(gen, _n, _seed, memo) {
          // precision and recall share one k-NN computation per generated set.
          const key = `precision-recall:${o.k}`;
          let pr = memo.get(key) as PrecisionRecall | undefined;
          if (!pr) {
            pr = precisionRecall(ctx.real, gen, ctx.d, { k: o.k });
            memo.set(key, pr);
          }
          return pr[which];
        },
      };
    },
  };
}

/** Registry entry of `precision`. */
export const precisionFactory: MetricFactory<{ k: number; [key: string]: unknown }> = prFactory("precision");
/** Registry entry of `recall`. */
export const recallFactory: MetricFactory<{ k: number; [key: string]: unknown }> = prFactory("recall");
