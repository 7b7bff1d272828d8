/**
 * Loading feature matrices and Fréchet statistics from files for the metric commands: `.npy` (an N×d
 * feature matrix) or `.npz` (pytorch-fid statistics, mu and sigma).
 *
 * @module
 */
import type { LinalgEngine } from "./native_linalg.ts";
import { UsageError } from "../runtime/errors.ts";
import { asMatrix, readNpy } from "./npy.ts";
import { readFidStats } from "./npz.ts";
import { type GaussianStats, gaussianStats } from "./gaussian_stats.ts";
import { requireFinite, requireFloat } from "./finite.ts";

/** An N×d feature matrix read from a file. */
export interface FeatureFile {
  path: string;
  n: number;
  d: number;
  data: Float32Array | Float64Array;
}

/**
 * Read an N×d feature matrix from a .npy file (N ≥ minRows): float32/float64 and finite, or a UsageError
 * naming the file (and the row and column of a non-finite value).
 */
export async function loadFeatures(path: string, minRows = 2): Promise<FeatureFile> {
  if (!path.endsWith(".npy")) {
    throw new UsageError(`${path}: expected a .npy file holding an N x d feature matrix`);
  }
  const arr = await readNpy(path);
  requireFloat(arr, path);
  const m = asMatrix(arr, path, minRows);
  requireFinite(m.data, m.d, path);
  return { path, ...m };
}

/** Fréchet statistics from a .npz (mu, sigma) or computed from a .npy feature matrix. */
export async function loadStats(path: string, linalg: LinalgEngine = "auto"): Promise<GaussianStats> {
  if (path.endsWith(".npz")) return await readFidStats(path);
  if (path.endsWith(".npy")) {
    const f = await loadFeatures(path, 2);
    return gaussianStats(f.data, f.n, f.d, { linalg });
  }
  throw new UsageError(`${path}: expected a .npz with mu and sigma, or a .npy N x d feature matrix`);
}
