import assert from "node:assert/strict";
import { decode } from "fast-png";
import { parseAffinityJson, readAffinity, writeAffinity } from "./affinity_io.ts";
import { affinityColor, affinityHeatmapSvg, base64, logSnrPixels, timestepPixels } from "./heatmap_svg.ts";
import { makeSchedule } from "../diffusion/schedule.ts";
import { UsageError } from "../runtime/errors.ts";
import type { AffinityMatrix } from "./objective.ts";
import { interpolateAffinity } from "./affinity.ts";

function band(T: number): AffinityMatrix {
  const data = new Float64Array(T * T);
  for (let a = 0; a < T; a++) for (let b = 0; b < T; b++) data[a * T + b] = Math.cos((Math.PI * (a - b)) / T);
  return { T, data };
}

Deno.test("affinity io: .npy and .json round-trip the matrix exactly", async () => {
  const dir = await Deno.makeTempDir();
  const T = 12;
  const matrix = band(T);
  const schedule = makeSchedule("cosine", T);
  const grid = Int32Array.from([0, 11]);
  const paths = await writeAffinity(`${dir}/aff`, {
    matrix,
    grid,
    gridMatrix: Float64Array.from([1, -1, -1, 1]),
    provenance: { dataset: "moons" },
  }, schedule);
  for (const p of [paths.npy, paths.json]) {
    const back = await readAffinity(p, T);
    assert.equal(back.T, T);
    assert.deepEqual(back.data, matrix.data, p);
  }
  const json = JSON.parse(await Deno.readTextFile(paths.json));
  assert.equal(json.format, "antbench.affinity/1");
  assert.equal(json.dataset, "moons");
  assert.deepEqual(json.grid, [0, 11]);
  assert.deepEqual(json.gridMatrix, [[1, -1], [-1, 1]]);
  assert.ok((await Deno.readTextFile(paths.svg)).startsWith("<svg"));
  await assert.rejects(() => readAffinity(paths.npy, 13), /a 13 x 13 matrix/);
  await assert.rejects(() => readAffinity(`${dir}/aff.csv`), /allowed: a .npy or .json file/);
  await assert.rejects(() => readAffinity(`${dir}/missing.json`), UsageError);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("affinity io: a measured matrix (the grid's interpolation) is written as the grid form alone", async () => {
  const dir = await Deno.makeTempDir();
  const T = 21;
  const grid = Int32Array.from([0, 10, 20]);
  // Affinity falling with the gap: 1 on the diagonal, 0.5 at 10, 0 at 20.
  const gridMatrix = Float64Array.from([1, 0.5, 0, 0.5, 1, 0.5, 0, 0.5, 1]);
  const matrix = interpolateAffinity(grid, gridMatrix, T);
  const paths = await writeAffinity(
    `${dir}/aff`,
    { matrix, grid, gridMatrix, provenance: {} },
    makeSchedule("linear", T),
  );
  const json = JSON.parse(await Deno.readTextFile(paths.json));
  assert.equal(json.matrix, undefined);
  assert.deepEqual(json.gridMatrix, [[1, 0.5, 0], [0.5, 1, 0.5], [0, 0.5, 1]]);
  // Read back bit for bit, from the JSON and from the .npy (which keeps the full matrix).
  for (const p of [paths.json, paths.npy]) assert.deepEqual((await readAffinity(p, T)).data, matrix.data, p);
  // Hand value: between grid points 0 and 10, (t_a, t_b) = (0, 5) interpolates 1 and 0.5 halfway.
  assert.ok(Math.abs(matrix.data[0 * T + 5] - 0.75) < 1e-12);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("affinity io: JSON forms and their errors", () => {
  assert.deepEqual(parseAffinityJson("[[1, 0.5], [0.5, 1]]").data, Float64Array.from([1, 0.5, 0.5, 1]));
  assert.deepEqual(parseAffinityJson('{"matrix": [[1, 2], [2, 4]]}').data, Float64Array.from([1, 2, 2, 4]));
  assert.throws(
    () => parseAffinityJson('{"matrix": [[1, 2], [3, 4]]}'),
    /not symmetric: \[0\]\[1\] = 2 but \[1\]\[0\] = 3/,
  );
  // Within the relative tolerance 1e-6 (float32 round-trips of a symmetric matrix pass).
  assert.equal(parseAffinityJson("[[1, 0.5], [0.5000004, 1]]").T, 2);
  assert.throws(() => parseAffinityJson("[[1, 2, 3], [1, 2, 3]]"), /got 2 x 3/);
  assert.throws(() => parseAffinityJson("[[1, 2], [3]]"), /row 1 has 1 entries/);
  assert.throws(() => parseAffinityJson('[[1, "x"], [3, 4]]'), /\[0\]\[1\]: got "x"/);
  assert.throws(() => parseAffinityJson('{"m": 1}'), /"matrix" field/);
  assert.throws(() => parseAffinityJson("{"), /not valid JSON/);
});

Deno.test("heatmap: base64 agrees with the platform btoa", () => {
  for (const n of [0, 1, 2, 3, 4, 5, 100]) {
    const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + 11) & 255);
    assert.equal(base64(bytes), btoa(String.fromCharCode(...bytes)));
  }
});

Deno.test("heatmap: colour ramp ends and midpoint", () => {
  assert.deepEqual(affinityColor(1), [180, 4, 38]);
  assert.deepEqual(affinityColor(-1), [59, 76, 192]);
  assert.deepEqual(affinityColor(0), [247, 247, 247]);
  assert.deepEqual(affinityColor(5), affinityColor(1));
});

Deno.test("heatmap: pixel maps on t and log-SNR axes", () => {
  assert.deepEqual(Array.from(timestepPixels(10, 5)), [1, 3, 5, 7, 9]);
  assert.deepEqual(Array.from(timestepPixels(4, 4)), [0, 1, 2, 3]);
  // Linear λ_t = 10 - t: the uniform log-SNR axis is the uniform t axis.
  const lam = Float64Array.from({ length: 11 }, (_, t) => 10 - t);
  assert.deepEqual(Array.from(logSnrPixels(lam, 11)), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  // Every pixel's timestep is the one whose λ is nearest to the pixel centre (brute force, cosine schedule).
  const s = makeSchedule("cosine", 200);
  const px = logSnrPixels(s.logSnr, 50);
  for (let i = 0; i < 50; i++) {
    const target = s.logSnr[0] + ((i + 0.5) / 50) * (s.logSnr[199] - s.logSnr[0]);
    let best = 0;
    for (let t = 1; t < 200; t++) {
      if (Math.abs(s.logSnr[t] - target) < Math.abs(s.logSnr[best] - target)) best = t;
    }
    assert.equal(px[i], best, `pixel ${i}`);
  }
});

Deno.test("heatmap: the embedded t-axis PNG shows the matrix colours", () => {
  const T = 8;
  const m = band(T); // cos(π(a-b)/T): 1 on the diagonal, cos(π·7/8) at the corners
  const svg = affinityHeatmapSvg(m, makeSchedule("linear", T), { intervals: [[0, 3], [4, 7]] });
  const hrefs = [...svg.matchAll(/href="data:image\/png;base64,([^"]+)"/g)].map((x) => x[1]);
  assert.equal(hrefs.length, 2);
  const png = decode(Uint8Array.from(atob(hrefs[0]), (c) => c.charCodeAt(0)));
  assert.equal(png.width, T);
  assert.equal(png.height, T);
  const px = (x: number, y: number) => Array.from(png.data.subarray((y * T + x) * 3, (y * T + x) * 3 + 3));
  assert.deepEqual(px(3, 3), affinityColor(1));
  assert.deepEqual(px(7, 0), affinityColor(Math.cos((Math.PI * -7) / 8)));
  assert.deepEqual(px(2, 5), affinityColor(Math.cos((Math.PI * 3) / 8)));
  // One dashed boundary per panel and direction for the single inner boundary.
  assert.equal((svg.match(/stroke-dasharray/g) ?? []).length, 4);
});
