/**
 * Loading feature matrices and Fréchet statistics from files for the metric commands: `.npy` (an N×d
 * feature matrix) or `.npz` (pytorch-fid statistics, mu and sigma).
 *
 * @module
 */
import type { LinalgEngine } from "./native_linalg.ts";
import { UsageError } from "../runtime/errors.ts";
import { asMatrix, readNpy } from "./npy.ts";
import { fidStatsFromArrays, readNpz } from "./npz.ts";
import { type GaussianStats, gaussianStats } from "./gaussian_stats.ts";
import { requireFinite, requireFloat } from "./finite.ts";

/** An N×d feature matrix read from a file. */
export interface FeatureFile {
  /** The file it was read from. */
  path: string;
  /** Rows (samples). */
  n: number;
  /** Columns (feature dimension). */
  d: number;
  /** Row-major N×d values. */
  data: Float32Array | Float64Array;
}

/**
 * Read an N×d feature matrix (N ≥ minRows) from a .npy file, or from a .npz holding one array (or an array
 * named "features" among others): float32/float64 and finite, or a UsageError naming the file (and the row
 * and column of a non-finite value).
 */
export async function loadFeatures(path: string, minRows = 2): Promise<FeatureFile> {
  let arr;
  let name = path;
  if (path.endsWith(".npy")) arr = await readNpy(path);
  else if (path.endsWith(".npz")) {
    const arrays = await readNpz(path);
    const names = [...arrays.keys()];
    const pick = arrays.has("features") ? "features" : names.length === 1 ? names[0] : null;
    if (pick === null) {
      throw new UsageError(
        `${path}: a .npz of features must hold one array or one named "features"; it holds ${
          names.length ? names.join(", ") : "none"
        }`,
      );
    }
    arr = arrays.get(pick)!;
    name = `${path}:${pick}`;
  } else {
    throw new UsageError(`${path}: expected a .npy (or .npz) file holding an N x d feature matrix`);
  }
  requireFloat(arr, name);
  const m = asMatrix(arr, name, minRows);
  requireFinite(m.data, m.d, name);
  return { path, ...m };
}

/**
 * Fréchet statistics from a .npz with mu and sigma (pytorch-fid layout), or computed from a feature matrix
 * (a .npy, or a .npz of features as {@link loadFeatures} reads it) with the `linalg` engine.
 */
export async function loadStats(path: string, linalg: LinalgEngine = "auto"): Promise<GaussianStats> {
  if (path.endsWith(".npz")) {
    const arrays = await readNpz(path);
    if (arrays.has("mu") || arrays.has("sigma")) return fidStatsFromArrays(arrays, path);
  } else if (!path.endsWith(".npy")) {
    throw new UsageError(`${path}: expected a .npz with mu and sigma, or a .npy/.npz N x d feature matrix`);
  }
  const f = await loadFeatures(path, 2);
  return gaussianStats(f.data, f.n, f.d, { linalg });
}
