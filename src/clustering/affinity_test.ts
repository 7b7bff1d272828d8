import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import "../runtime/gradients.ts";
import {
  AFFINITY_DEFAULTS,
  cosineMatrix,
  CountSketch,
  gridTimesteps,
  interpolateAffinity,
  measureAffinity,
  resolveMode,
  taskGradient,
} from "./affinity.ts";
import { mlpFactory } from "../models/mlp.ts";
import { makeSchedule } from "../diffusion/schedule.ts";
import { epsilonLoss } from "../diffusion/loss.ts";
import { Rng, rngFor } from "../runtime/rng.ts";

await tf.setBackend("cpu");

const SCHED = makeSchedule("linear", 50);
const OPTS = { ...mlpFactory.defaults, hidden: 64, depth: 2, timeDim: 8, activation: "silu" as const };

function model(seed: number) {
  return mlpFactory.build(OPTS, { dataShape: [2], T: 50, initSeed: seed });
}

function data(n: number): Float32Array {
  return new Rng(77).normalArray(2 * n);
}

Deno.test("affinity: grid timesteps include 0 and T-1", () => {
  assert.deepEqual(Array.from(gridTimesteps(10, 3)), [0, 3, 6, 9]);
  assert.deepEqual(Array.from(gridTimesteps(10, 4)), [0, 4, 8, 9]);
  assert.deepEqual(Array.from(gridTimesteps(5, 1)), [0, 1, 2, 3, 4]);
  assert.deepEqual(Array.from(gridTimesteps(1, 1)), [0]);
});

Deno.test("affinity: cosineMatrix on hand-computed vectors", () => {
  const c = cosineMatrix([Float64Array.from([1, 0]), Float64Array.from([1, 1]), Float64Array.from([0, -1])]);
  const s = Math.SQRT1_2;
  const expected = [1, s, 0, s, 1, -s, 0, -s, 1];
  for (let i = 0; i < 9; i++) assert.ok(Math.abs(c[i] - expected[i]) < 1e-15, `${i}: ${c[i]}`);
});

Deno.test("affinity: bilinear interpolation is exact for bilinear functions, symmetric, unit diagonal", () => {
  const T = 23;
  const grid = gridTimesteps(T, 5); // 0 5 10 15 20 22
  const m = grid.length;
  // h(a, b) = 0.3 - 0.01 (a + b) + 0.0005 a b is bilinear and symmetric: interpolation reproduces it.
  const h = (a: number, b: number) => 0.3 - 0.01 * (a + b) + 0.0005 * (a * b);
  const gm = new Float64Array(m * m);
  // The grid diagonal holds h too (not 1), so every off-diagonal entry is an exact bilinear interpolant.
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) gm[i * m + j] = h(grid[i], grid[j]);
  const { data } = interpolateAffinity(grid, gm, T);
  for (let a = 0; a < T; a++) {
    for (let b = 0; b < T; b++) {
      if (a === b) {
        assert.equal(data[a * T + b], 1);
        continue;
      }
      assert.equal(data[a * T + b], data[b * T + a]);
      assert.ok(Math.abs(data[a * T + b] - h(a, b)) < 1e-12, `(${a}, ${b})`);
    }
  }
  // Grid points keep their values (off the diagonal).
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) if (i !== j) assert.equal(data[grid[i] * T + grid[j]], gm[i * m + j]);
  }
});

Deno.test("affinity: count sketch is unbiased with the stated variance (400 seeds)", () => {
  const P = 600;
  const d = 64;
  const rng = new Rng(5);
  const a = Float64Array.from({ length: P }, () => rng.normal());
  const b = Float64Array.from({ length: P }, (_, i) => 0.6 * a[i] + 0.8 * rng.normal());
  let ab = 0, aa = 0, bb = 0, a2b2 = 0;
  for (let p = 0; p < P; p++) {
    ab += a[p] * b[p];
    aa += a[p] * a[p];
    bb += b[p] * b[p];
    a2b2 += a[p] * a[p] * b[p] * b[p];
  }
  const variance = (aa * bb + ab * ab - 2 * a2b2) / d;
  const n = 400;
  const est: number[] = [];
  for (let s = 0; s < n; s++) {
    const S = new CountSketch(P, d, s);
    const sa = S.apply(a);
    const sb = S.apply(b);
    est.push(sa.reduce((acc, x, j) => acc + x * sb[j], 0));
  }
  const mean = est.reduce((x, y) => x + y, 0) / n;
  const empVar = est.reduce((x, y) => x + (y - mean) ** 2, 0) / (n - 1);
  assert.ok(Math.abs(mean - ab) < 4 * Math.sqrt(variance / n), `mean ${mean} vs ${ab}`);
  assert.ok(empVar > 0.75 * variance && empVar < 1.3 * variance, `var ${empVar} vs ${variance}`);
  assert.ok(variance <= (2 * aa * bb) / d);
});

Deno.test("affinity: task gradient matches central finite differences of the subset loss", async () => {
  const mdl = model(1);
  const n = 20;
  const x0 = data(n);
  const t = 17;
  const g = await taskGradient(mdl, SCHED, x0, n, t, 9, 7); // batches 7 + 7 + 6
  const noise = rngFor(9, "affinity-noise", t).normalArray(2 * n);
  const loss = () =>
    tf.tidy(() =>
      tf.mean(
        epsilonLoss(
          mdl,
          SCHED,
          tf.tensor2d(x0, [n, 2]),
          tf.tensor2d(noise, [n, 2]),
          new Int32Array(n).fill(t),
        ),
      )
        .dataSync()[0]
    );
  const rng = new Rng(3);
  const orig = mdl.variables.map((v) => v.dataSync().slice() as Float32Array);
  for (let rep = 0; rep < 3; rep++) {
    const dirs = orig.map((o) => Float32Array.from(o, () => rng.normal()));
    const norm = Math.sqrt(dirs.reduce((s, dv) => s + dv.reduce((a, x) => a + x * x, 0), 0));
    for (const dv of dirs) for (let j = 0; j < dv.length; j++) dv[j] /= norm; // unit direction
    const eps = 1e-2;
    const shift = (s: number) =>
      mdl.variables.forEach((v, i) =>
        v.assign(tf.tensor(orig[i].map((x, j) => x + s * dirs[i][j]), v.shape))
      );
    shift(eps);
    const up = loss();
    shift(-eps);
    const down = loss();
    shift(0);
    const fd = (up - down) / (2 * eps);
    let dot = 0;
    let off = 0;
    for (const dv of dirs) {
      for (let j = 0; j < dv.length; j++) dot += g[off + j] * dv[j];
      off += dv.length;
    }
    assert.ok(Math.abs(fd - dot) < 1e-3 * Math.abs(dot) + 1e-5, `fd ${fd} vs grad·v ${dot}`);
  }
  // The batch split does not change the subset gradient.
  const g1 = await taskGradient(mdl, SCHED, x0, n, t, 9, n);
  for (let p = 0; p < g.length; p++) assert.ok(Math.abs(g[p] - g1[p]) < 1e-6 * (1 + Math.abs(g1[p])));
  mdl.dispose();
});

Deno.test("affinity: matrix is symmetric with unit diagonal; sketch agrees with exact within the bound", async () => {
  const mdl = model(2);
  const n = 48;
  const x0 = data(n);
  const before = tf.memory().numTensors;
  const exact = await measureAffinity([mdl], SCHED, x0, n, {
    grid: 7,
    batchSize: 16,
    seed: 4,
    mode: "exact",
  });
  assert.equal(tf.memory().numTensors, before, "no leaked tensors");
  const T = 50;
  const { data: A } = exact.matrix;
  assert.deepEqual(Array.from(exact.grid), [0, 7, 14, 21, 28, 35, 42, 49]);
  for (let a = 0; a < T; a++) {
    assert.equal(A[a * T + a], 1);
    for (let b = 0; b < T; b++) {
      assert.equal(A[a * T + b], A[b * T + a]);
      assert.ok(A[a * T + b] >= -1 && A[a * T + b] <= 1);
    }
  }

  const P = mdl.paramCount();
  const d = 512;
  assert.ok(P > 2 * d, `P = ${P}`);
  const sk = await measureAffinity([mdl], SCHED, x0, n, {
    grid: 7,
    batchSize: 16,
    seed: 4,
    mode: "sketch",
    sketchDim: d,
  });
  assert.deepEqual(sk.modes, ["sketch"]);
  const m = exact.grid.length;
  let maxErr = 0, sumErr = 0;
  for (let i = 0; i < m * m; i++) {
    const e = Math.abs(sk.gridMatrix[i] - exact.gridMatrix[i]);
    maxErr = Math.max(maxErr, e);
    sumErr += e;
  }
  const sigma = Math.sqrt(2 / d); // std bound of the inner-product error for unit vectors
  assert.ok(maxErr < 4 * sigma, `max error ${maxErr} vs 4σ = ${4 * sigma}`);
  assert.ok(sumErr / (m * m) < sigma, `mean error ${sumErr / (m * m)} vs σ = ${sigma}`);
  mdl.dispose();
});

Deno.test("affinity: several models average their matrices; auto mode follows the budget", async () => {
  const a = model(3);
  const b = model(4);
  const n = 16;
  const x0 = data(n);
  const o = { grid: 10, batchSize: 16, seed: 1, mode: "exact" as const };
  const ra = await measureAffinity([a], SCHED, x0, n, o);
  const rb = await measureAffinity([b], SCHED, x0, n, o);
  const rab = await measureAffinity([a, b], SCHED, x0, n, o);
  for (let i = 0; i < rab.gridMatrix.length; i++) {
    assert.ok(Math.abs(rab.gridMatrix[i] - (ra.gridMatrix[i] + rb.gridMatrix[i]) / 2) < 1e-15);
  }
  const base = { ...AFFINITY_DEFAULTS, sketchDim: 100 };
  assert.equal(resolveMode({ ...base, memoryBudgetBytes: 8 * 1000 * 50 }, 50, 1000), "exact");
  assert.equal(resolveMode({ ...base, memoryBudgetBytes: 8 * 1000 * 50 - 1 }, 50, 1000), "sketch");
  assert.equal(resolveMode({ ...base, memoryBudgetBytes: 1 }, 50, 100), "exact"); // P <= d: nothing to gain
  await assert.rejects(
    () => measureAffinity([a], SCHED, x0, n, { ...o, memoryBudgetBytes: 1000 }),
    /exact mode needs/,
  );
  await assert.rejects(() => measureAffinity([a], SCHED, x0, n, { grid: 0 }), /grid: got 0/);
  a.dispose();
  b.dispose();
});
