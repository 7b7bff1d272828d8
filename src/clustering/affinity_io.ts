/**
 * Task-affinity files: read a T x T matrix for the "gradient" objective (ANT, Go et al. 2023, §4.1) from
 * `.npy` or `.json`, and write the output of `deno task cli affinity`:
 *
 * - `PREFIX.npy`: the T x T matrix, float64, C order (numpy-compatible, src/metrics/npy.ts);
 * - `PREFIX.json`: `{format: "antbench.affinity/1", T, schedule, grid, gridMatrix, matrix, ...provenance}`,
 *   the same numbers at full float64 precision (about 19 MB for T = 1000);
 * - `PREFIX.svg`: a heatmap on t and log-SNR axes (src/clustering/heatmap_svg.ts).
 *
 * Accepted JSON inputs: an object with a `matrix` field, a bare T x T array of arrays, or the grid form
 * `{T, grid, gridMatrix}` without `matrix` (what suites write for matrices they measure themselves,
 * src/suite/affinity_job.ts: 1/G² of the size), which is expanded to T x T by the same bilinear
 * interpolation the measurement uses (src/clustering/affinity.ts, `interpolateAffinity`).
 *
 * @module
 */
import type { AffinityMatrix } from "./objective.ts";
import { readNpy, writeNpy } from "../metrics/npy.ts";
import { requireFloat } from "../metrics/finite.ts";
import { atomicWriteFile, atomicWriteJson } from "../runtime/atomic_write.ts";
import { badValue, formatValue, UsageError } from "../runtime/errors.ts";
import type { NoiseSchedule } from "../diffusion/schedule.ts";
import { affinityHeatmapSvg } from "./heatmap_svg.ts";
import { interpolateAffinity } from "./affinity.ts";
import type { Interval } from "./dp.ts";

/** Format tag of affinity JSON files. */
export const AFFINITY_FORMAT = "antbench.affinity/1";

function checkSquare(path: string, rows: number, cols: number, expectedT?: number): number {
  if (rows !== cols || rows < 1) {
    throw new UsageError(
      `affinity ${formatValue(path)}: expected a square T x T matrix; got ${rows} x ${cols}`,
    );
  }
  if (expectedT !== undefined && rows !== expectedT) {
    throw new UsageError(
      badValue(
        `affinity ${formatValue(path)}`,
        `a ${rows} x ${rows} matrix`,
        `a ${expectedT} x ${expectedT} matrix (T = ${expectedT})`,
      ),
    );
  }
  return rows;
}

function checkFinite(path: string, T: number, data: Float64Array): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      const a = Math.floor(i / T);
      throw new UsageError(
        badValue(`affinity ${formatValue(path)}[${a}][${i - a * T}]`, data[i], "a finite number"),
      );
    }
  }
}

/** Relative tolerance of the symmetry check: |A[a][b] - A[b][a]| <= tol · max(1, |A[a][b]|, |A[b][a]|). */
export const AFFINITY_SYMMETRY_TOLERANCE = 1e-6;

/**
 * Task affinity is symmetric (TAS[a][b] = cos(g_a, g_b) = TAS[b][a]); a matrix that is not, within
 * {@link AFFINITY_SYMMETRY_TOLERANCE}, is a wrong file or a transposition bug. UsageError naming the entry.
 */
export function checkSymmetric(path: string, T: number, data: Float64Array): void {
  for (let a = 0; a < T; a++) {
    for (let b = a + 1; b < T; b++) {
      const x = data[a * T + b], y = data[b * T + a];
      if (Math.abs(x - y) > AFFINITY_SYMMETRY_TOLERANCE * Math.max(1, Math.abs(x), Math.abs(y))) {
        throw new UsageError(
          `affinity ${formatValue(path)}: not symmetric: [${a}][${b}] = ${x} but [${b}][${a}] = ${y} ` +
            `(task affinity cos(g_a, g_b) is symmetric; tolerance ${AFFINITY_SYMMETRY_TOLERANCE} relative)`,
        );
      }
    }
  }
}

/** Parse the JSON form (object with `matrix`, or a bare array of rows). */
export function parseAffinityJson(text: string, path = "affinity.json", expectedT?: number): AffinityMatrix {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`affinity ${formatValue(path)}: not valid JSON (${(e as Error).message})`);
  }
  const obj = parsed as { matrix?: unknown; grid?: unknown; gridMatrix?: unknown; T?: unknown } | null;
  if (!Array.isArray(parsed) && obj && obj.matrix === undefined && obj.gridMatrix !== undefined) {
    return parseGridForm(path, obj, expectedT);
  }
  const rows = Array.isArray(parsed) ? parsed : obj?.matrix;
  if (!Array.isArray(rows) || !rows.every((r) => Array.isArray(r))) {
    throw new UsageError(
      `affinity ${
        formatValue(path)
      }: expected a T x T array of arrays, or an object with a "matrix" field holding one`,
    );
  }
  const T = checkSquare(path, rows.length, (rows[0] as unknown[]).length, expectedT);
  const data = new Float64Array(T * T);
  rows.forEach((r: unknown[], a: number) => {
    if (r.length !== T) {
      throw new UsageError(`affinity ${formatValue(path)}: row ${a} has ${r.length} entries, not ${T}`);
    }
    r.forEach((v, b) => {
      if (typeof v !== "number" || !Number.isFinite(v)) {
        throw new UsageError(badValue(`affinity ${formatValue(path)}[${a}][${b}]`, v, "a finite number"));
      }
      data[a * T + b] = v;
    });
  });
  checkSymmetric(path, T, data);
  return { T, data };
}

/** The grid form {T, grid, gridMatrix}: checked, then interpolated to T x T. */
function parseGridForm(
  path: string,
  obj: { grid?: unknown; gridMatrix?: unknown; T?: unknown },
  expectedT?: number,
): AffinityMatrix {
  const where = `affinity ${formatValue(path)}`;
  const T = obj.T;
  if (typeof T !== "number" || !Number.isInteger(T) || T < 1) {
    throw new UsageError(badValue(`${where}: T`, T, "a positive integer (the grid form needs T)"));
  }
  if (expectedT !== undefined && T !== expectedT) {
    throw new UsageError(badValue(`${where}: T`, T, `${expectedT} (the suite's T)`));
  }
  const g = obj.grid;
  const ok = Array.isArray(g) && g.length >= 1 && g[0] === 0 && g[g.length - 1] === T - 1 &&
    g.every((x, i) => Number.isInteger(x) && (i === 0 || x > g[i - 1]));
  if (!ok) {
    throw new UsageError(
      badValue(`${where}: grid`, g, `ascending integer timesteps from 0 to T-1 = ${T - 1}`),
    );
  }
  const grid = Int32Array.from(g as number[]);
  const m = grid.length;
  const rows = obj.gridMatrix;
  if (!Array.isArray(rows) || rows.length !== m || !rows.every((r) => Array.isArray(r) && r.length === m)) {
    throw new UsageError(`${where}: gridMatrix must be ${m} x ${m} (one row and column per grid timestep)`);
  }
  const data = new Float64Array(m * m);
  rows.forEach((r: unknown[], a: number) =>
    r.forEach((v, b) => {
      if (typeof v !== "number" || !Number.isFinite(v)) {
        throw new UsageError(badValue(`${where}: gridMatrix[${a}][${b}]`, v, "a finite number"));
      }
      data[a * m + b] = v;
    })
  );
  checkSymmetric(`${path} (gridMatrix)`, m, data);
  return interpolateAffinity(grid, data, T);
}

/**
 * Read a task-affinity matrix from `.npy` (2-D, float32 or float64) or `.json`. With `expectedT`, the size
 * must match. Errors (missing file, wrong shape, non-finite or asymmetric entries, other extensions) are
 * UsageErrors.
 */
export async function readAffinity(path: string, expectedT?: number): Promise<AffinityMatrix> {
  if (path.endsWith(".npy")) {
    const arr = await readNpy(path);
    requireFloat(arr, `affinity ${formatValue(path)}`);
    if (arr.shape.length !== 2) {
      throw new UsageError(
        `affinity ${formatValue(path)}: expected a 2-D array; got shape (${arr.shape.join(", ")})`,
      );
    }
    const T = checkSquare(path, arr.shape[0], arr.shape[1], expectedT);
    const data = Float64Array.from(arr.data);
    checkFinite(path, T, data);
    checkSymmetric(path, T, data);
    return { T, data };
  }
  if (path.endsWith(".json")) {
    let text: string;
    try {
      text = await Deno.readTextFile(path);
    } catch (e) {
      throw new UsageError(`affinity ${formatValue(path)}: cannot read (${(e as Error).message})`);
    }
    return parseAffinityJson(text, path, expectedT);
  }
  throw new UsageError(badValue("affinity", path, "a .npy or .json file"));
}

function rowsOf(data: Float64Array, n: number): number[][] {
  return Array.from({ length: n }, (_, a) => Array.from(data.subarray(a * n, (a + 1) * n)));
}

/** What {@link writeAffinity} stores. */
export interface AffinityOutput {
  /** The T x T affinity matrix (interpolated between grid timesteps). */
  matrix: AffinityMatrix;
  /** Timesteps at which gradients were measured. */
  grid: Int32Array;
  /** Affinity between the grid timesteps (grid.length squared, row-major). */
  gridMatrix: Float64Array;
  /** Provenance stored in the JSON (checkpoints, dataset, subset, seed, mode, ...). */
  provenance: Record<string, unknown>;
}

/** Write PREFIX.npy, PREFIX.json and PREFIX.svg (atomically); returns the three paths. */
export async function writeAffinity(
  prefix: string,
  out: AffinityOutput,
  schedule: NoiseSchedule,
  svg: { title?: string; intervals?: readonly Interval[] } = {},
): Promise<{ npy: string; json: string; svg: string }> {
  const T = out.matrix.T;
  const m = out.grid.length;
  const paths = { npy: `${prefix}.npy`, json: `${prefix}.json`, svg: `${prefix}.svg` };
  await writeNpy(paths.npy, { dtype: "<f8", shape: [T, T], data: out.matrix.data });
  // The grid form alone when the T x T matrix is its interpolation (as measured matrices are): readAffinity
  // expands it to the same matrix bit for bit, at 1/G² of the size (26 MB -> 60 KB for T = 1000, G = 20).
  const interpolated = interpolateAffinity(out.grid, out.gridMatrix, T).data;
  const gridOnly = interpolated.every((v, i) => Object.is(v, out.matrix.data[i]));
  await atomicWriteJson(paths.json, {
    format: AFFINITY_FORMAT,
    T,
    schedule: schedule.id,
    ...out.provenance,
    grid: Array.from(out.grid),
    gridMatrix: rowsOf(out.gridMatrix, m),
    ...(gridOnly ? {} : { matrix: rowsOf(out.matrix.data, T) }),
  });
  await atomicWriteFile(paths.svg, affinityHeatmapSvg(out.matrix, schedule, svg));
  return paths;
}
