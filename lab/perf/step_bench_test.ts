import assert from "node:assert/strict";
import { renderPerfTable, runPerf, summarize, syntheticBatch } from "./step_bench.ts";

Deno.test("summarize: median, quartiles (linear interpolation) and range by hand", () => {
  // Sorted: 1 2 3 4 10. Positions (n-1)q: 0.25 -> 1.0 -> 2; 0.5 -> 2 -> 3; 0.75 -> 3 -> 4.
  assert.deepEqual(summarize([10, 1, 3, 2, 4]), { n: 5, median: 3, p25: 2, p75: 4, min: 1, max: 10 });
  // Even count: 1 2 3 4 -> median at 1.5 = 2.5; p25 at 0.75 = 1.75; p75 at 2.25 = 3.25.
  assert.deepEqual(summarize([4, 3, 2, 1]), { n: 4, median: 2.5, p25: 1.75, p75: 3.25, min: 1, max: 4 });
  assert.throws(() => summarize([]), RangeError);
});

Deno.test("syntheticBatch: shapes, t in range, clusters are the k uniform intervals, seeded", () => {
  const w = { model: "mlp", dataShape: [2], batch: 50 };
  const b = syntheticBatch(w, 1000, 5, 3, 0);
  assert.equal(b.x0.length, 100);
  assert.equal(b.noise.length, 100);
  for (let i = 0; i < 50; i++) {
    assert.ok(b.t[i] >= 0 && b.t[i] < 1000);
    assert.equal(b.cluster[i], Math.floor(b.t[i] / 200));
  }
  assert.deepEqual(syntheticBatch(w, 1000, 5, 3, 0), b);
  assert.notDeepEqual(syntheticBatch(w, 1000, 5, 3, 1).x0, b.x0);
});

Deno.test("runPerf on wasm (MLP, batch 8): rows, exact matmul FLOPs, method ratio, failures as rows", async () => {
  const report = await runPerf({
    backends: ["wasm"],
    workloads: [{ model: "mlp", dataShape: [2], batch: 8 }],
    methods: ["pcgrad"],
    repeats: 2,
    warmup: 1,
  });
  assert.equal(report.schema, "antbench.perf/1");
  assert.equal(report.environments.wasm?.backend.name, "wasm");
  const [v, p] = report.rows;
  assert.equal(v.status, "ok", v.note);
  assert.equal(v.method, "vanilla");
  assert.equal(v.params, 37762);
  // Hand count for the default MLP (src/models/mlp.ts: x·W_x (2→128) + emb·W_t (32→128), two 128→128, 128→2):
  // forward 2B·37376; dW of all five matmuls 2B·37376; dX of the three matmuls on hidden activations
  // 2B·(2·128² + 128·2) = 2B·33024; no dX for the data and embedding inputs. Total 2B·107776.
  assert.equal(v.flopsPerStep, 2 * 8 * 107776);
  assert.equal(v.ms?.n, 2);
  assert.ok(v.samplesPerSec! > 0 && v.gflops! > 0);
  assert.equal(p.method, "pcgrad");
  assert.equal(p.status, "ok", p.note);
  assert.ok(p.ratioToVanilla! > 0);
  assert.match(renderPerfTable(report), /\| wasm \| mlp \| 2 \| 8 \| 37762 \| vanilla \|/);

  const bad = await runPerf({
    backends: ["wasm"],
    workloads: [{ model: "unet", dataShape: [2], batch: 4 }],
    methods: [],
    repeats: 1,
    warmup: 0,
  });
  assert.equal(bad.rows[0].status, "failed");
  assert.match(bad.rows[0].note!, /unet/);
});
