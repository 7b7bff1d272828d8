import assert from "node:assert/strict";
import { sampleToy2d, TOY2D_FACTORIES } from "./toy2d.ts";
import { rngFor } from "../runtime/rng.ts";
import { getDatasetFactory } from "./registry.ts";

Deno.test("checkerboard: every point lies in a dark cell (row + column even) and cells are balanced", () => {
  const n = 16000;
  const x = sampleToy2d("checkerboard", n, rngFor(1, "t"));
  const counts = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const c = Math.floor(x[2 * i] + 2), r = Math.floor(x[2 * i + 1] + 2);
    assert.ok(c >= 0 && c < 4 && r >= 0 && r < 4);
    assert.equal((r + c) % 2, 0, `point ${x[2 * i]},${x[2 * i + 1]} in a light cell`);
    counts.set(`${r},${c}`, (counts.get(`${r},${c}`) ?? 0) + 1);
  }
  assert.equal(counts.size, 8);
  for (const v of counts.values()) assert.ok(Math.abs(v - n / 8) < 5 * Math.sqrt(n / 8));
});

Deno.test("gaussians8: points cluster at radius-2 compass centres with the given sigma", () => {
  const n = 16000, sigma = 0.1;
  const x = sampleToy2d("gaussians8", n, rngFor(2, "t"), sigma);
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const a = Math.round(Math.atan2(x[2 * i + 1], x[2 * i]) / (Math.PI / 4));
    const cx = 2 * Math.cos(a * Math.PI / 4), cy = 2 * Math.sin(a * Math.PI / 4);
    ss += (x[2 * i] - cx) ** 2 + (x[2 * i + 1] - cy) ** 2;
  }
  // E||x - c||² = 2σ²
  assert.ok(Math.abs(ss / n - 2 * sigma * sigma) < 0.1 * 2 * sigma * sigma);
});

Deno.test("swissroll without noise: radius equals angle / 5 (point θ(cos θ, sin θ)/5)", () => {
  const x = sampleToy2d("swissroll", 1000, rngFor(3, "t"), 0);
  for (let i = 0; i < 1000; i++) {
    const r = Math.hypot(x[2 * i], x[2 * i + 1]);
    const th = 5 * r; // θ in [1.5π, 4.5π]
    assert.ok(th >= 1.5 * Math.PI - 1e-4 && th <= 4.5 * Math.PI + 1e-4);
    assert.ok(Math.abs(Math.cos(th) * r - x[2 * i]) < 1e-4);
  }
});

Deno.test("moons without noise: points lie on the two unit arcs", () => {
  const x = sampleToy2d("moons", 2000, rngFor(4, "t"), 0);
  for (let i = 0; i < 2000; i++) {
    const u = x[2 * i] / 1.5 + 0.5, v = x[2 * i + 1] / 1.5 + 0.25;
    const outer = Math.abs(Math.hypot(u, v) - 1) < 1e-5 && v >= -1e-6;
    const inner = Math.abs(Math.hypot(u - 1, v - 0.5) - 1) < 1e-5 && v <= 0.5 + 1e-6;
    assert.ok(outer || inner, `(${u}, ${v}) is on neither arc`);
  }
});

Deno.test("toy datasets: deterministic train set, reference independent of it, options validated", async () => {
  const f = getDatasetFactory("swissroll");
  const a = await f.load({ ...f.defaults, n: 100 }, { cacheDir: ".cache" });
  const b = await f.load({ ...f.defaults, n: 100 }, { cacheDir: ".cache" });
  assert.deepEqual(a.train, b.train);
  assert.deepEqual(a.reference(50, 7), b.reference(50, 7));
  assert.notDeepEqual(a.reference(100, 0), a.train);
  assert.equal(TOY2D_FACTORIES.length, 4);
  const p = f.validate({ n: 1, seed: -1, noise: "x", bogus: 1 });
  assert.equal(p.length, 4);
  assert.throws(
    () => getDatasetFactory("swissrol"),
    /dataset: unknown dataset "swissrol"; allowed: swissroll/,
  );
});
