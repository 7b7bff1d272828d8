import assert from "node:assert/strict";
import { planRuns } from "../suite/expand.ts";
import { resolveSuite } from "../suite/validate.ts";
import { runSuite } from "../suite/runner.ts";
import { syntheticExecutor, type SyntheticOptions } from "../suite/synthetic_executor.ts";
import { testRegistries } from "../suite/test_registries.ts";
import { generateReport } from "./generate.ts";
import { compareResults, readResultsJson } from "./compare.ts";
import { compareCommand } from "../cli/compare.ts";
import { main } from "../cli/main.ts";

const reg = testRegistries();

async function report(seeds: number[], opts: SyntheticOptions): Promise<string> {
  const suite = resolveSuite({
    name: "cmp",
    datasets: ["moons"],
    objectives: ["timestep"],
    k: [4],
    methods: ["uw", "pcgrad"],
    seeds,
    steps: 20,
    T: 100,
    eval: { metrics: ["fd", "precision"] },
    regression: { thresholds: { "fd-data": 0.1 } },
  }, reg);
  const dir = await Deno.makeTempDir();
  await runSuite(await planRuns(suite, reg), { outDir: dir, executor: syntheticExecutor(opts), suite });
  await generateReport(dir);
  return dir;
}

const opts = {
  alpha: 0.05,
  defaultThreshold: 0.05,
  thresholds: { "fd-data": 0.1 },
  directions: {},
  test: "welch" as const,
};

Deno.test("compare flags a planted 30% regression and ignores seed noise", async () => {
  const base = await report([0, 1, 2, 3, 4], {});
  const noise = await report([5, 6, 7, 8, 9], {}); // same code, other seeds: only seed noise differs
  const worse = await report([5, 6, 7, 8, 9], { effect: { uw: -0.3 } }); // UW's FD/SWD 30% higher
  const tiny = await report([5, 6, 7, 8, 9], { effect: { uw: -0.06 }, noise: 0.001 }); // significant but below 10%
  const noisy = await report([5, 6], { effect: { uw: -0.3 }, noise: 0.6 }); // big but not significant
  try {
    const b = await readResultsJson(base);
    const n = compareResults(b, await readResultsJson(noise), opts);
    assert.equal(n.regressions.length, 0, JSON.stringify(n.regressions));
    assert.ok(n.findings.length >= 6);

    const w = compareResults(b, await readResultsJson(worse), opts);
    assert.deepEqual(w.regressions.map((f) => `${f.row}:${f.metric}`), ["timestep k=4 uw:fd-data"]);
    assert.ok(w.regressions[0].p < 1e-4 && Math.abs(w.regressions[0].worse - 0.3) < 0.05);
    // Precision (higher is better) does not depend on the effect in the synthetic model.
    assert.ok(!w.regressions.some((f) => f.metric === "precision-data"));

    assert.equal(
      compareResults(b, await readResultsJson(tiny), opts).regressions.length,
      0,
      "below threshold",
    );
    const nz = compareResults(b, await readResultsJson(noisy), opts);
    const f = nz.findings.find((x) => x.row === "timestep k=4 uw" && x.metric === "fd-data")!;
    assert.ok(f.worse > 0.1 && f.p >= 0.05, `worse ${f.worse}, p ${f.p}`);
    assert.equal(f.verdict, "unchanged", "not significant");

    // Exit codes of the CLI: 1 on regression, 0 otherwise, 2 on unusable input.
    const log = console.log;
    const err = console.error;
    console.log = () => {};
    console.error = () => {};
    try {
      assert.equal(await compareCommand.run([base, worse]), 1);
      assert.equal(await compareCommand.run([base, noise]), 0);
      assert.equal(await main(["compare", base, `${base}/missing`]), 2);
      assert.equal(await main(["compare", base, worse, "--test", "ttest"]), 2);
    } finally {
      console.log = log;
      console.error = err;
    }
  } finally {
    for (const d of [base, noise, worse, tiny, noisy]) await Deno.remove(d, { recursive: true });
  }
});

Deno.test("compare counts lost successful runs as a regression", async () => {
  const base = await report([0, 1, 2], {});
  const cur = await report([0, 1, 2], { diverge: ["pcgrad"] });
  try {
    const c = compareResults(await readResultsJson(base), await readResultsJson(cur), opts);
    assert.deepEqual(c.regressions.map((f) => `${f.row}:${f.metric}`), [
      "timestep k=4 pcgrad:successful runs",
    ]);
  } finally {
    await Deno.remove(base, { recursive: true });
    await Deno.remove(cur, { recursive: true });
  }
});
