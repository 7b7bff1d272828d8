import assert from "node:assert/strict";
import { regeneratedReadme, renderTable, updateReadme } from "./readme.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

Deno.test("README: the performance tables are the ones generated from reports/perf/*.json (deno task perf-readme)", async () => {
  const readme = await Deno.readTextFile(`${ROOT}README.md`);
  assert.ok(readme.includes("<!-- perf-table:steps "), "the README has its generated perf tables");
  const regenerated = await regeneratedReadme(readme, ROOT);
  assert.ok(regenerated === readme, "README perf tables are stale: run `deno task perf-readme`");
});

Deno.test("perf-readme: rows of a quiet v2 report, its load status, and unknown kinds are errors", async () => {
  const report = {
    schema: "antbench.perf/2",
    createdAt: "2027-01-02T03:04:05Z",
    quiet: true,
    peak: { formula: "2 cores × (512/32 = 16 lanes) × 2 FLOP/FMA × 2 FMA units × 2.100 GHz = 268.8 GFLOP/s" },
    rows: [
      {
        backend: "wasm",
        model: "mlp",
        dataShape: [2],
        batch: 250,
        params: 37762,
        method: "vanilla",
        k: 1,
        status: "ok",
        msPerStep: 4,
        samplesPerSec: 62500,
        gflops: 13.5,
        fractionOfCorePeak: 0.1,
        kernelsPerStep: 58,
        noisy: false,
      },
      {
        backend: "wasm",
        model: "mlp",
        dataShape: [2],
        batch: 250,
        params: 37762,
        method: "pcgrad",
        k: 5,
        status: "ok",
        msPerStep: 6,
        kernelsPerStep: 200,
        ratioToVanilla: { median: 1.5, min: 1.25, max: 1.75 },
        noisy: true,
      },
    ],
  };
  assert.equal(
    renderTable("steps", ["r.json"], [report]).split("\n")[2],
    "| wasm | mlp | 2 | 250 | 37762 | 4.0 | 62500 | 13.50 (10.0%) | 58 | quiet |",
  );
  const methods = renderTable("methods", ["r.json"], [report]).split("\n");
  assert.equal(methods[2], "| wasm | mlp | 2 | 250 | pcgrad (5) | 1.50 (1.25–1.75) | 200 | NOISY |");
  assert.match(methods[methods.length - 1], /`r\.json` \(2027-01-02; quiet .*\)\. fp32 peak: 2 cores × /);
  const text = "a\n<!-- perf-table:steps r.json -->\nold\n<!-- /perf-table -->\nb\n";
  const out = await updateReadme(text, () => Promise.resolve(report));
  assert.ok(
    out.startsWith("a\n<!-- perf-table:steps r.json -->\n| backend |") &&
      out.endsWith("<!-- /perf-table -->\nb\n"),
  );
  await assert.rejects(
    () =>
      updateReadme("<!-- perf-table:speed r.json -->\n<!-- /perf-table -->", () => Promise.resolve(report)),
    /unknown kind "speed"; allowed: steps, methods, torch/,
  );
});
