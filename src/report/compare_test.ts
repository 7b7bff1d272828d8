import assert from "node:assert/strict";
import { planRuns } from "../suite/expand.ts";
import { resolveSuite } from "../suite/validate.ts";
import { runSuite } from "../suite/runner.ts";
import { syntheticExecutor, type SyntheticOptions } from "../suite/synthetic_executor.ts";
import { testRegistries } from "../suite/test_registries.ts";
import { generateReport } from "./generate.ts";
import { compareResults, readResultsJson, type ResultsJsonShape } from "./compare.ts";
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
  test: "t" as const,
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

function doc(rows: { label: string; values: number[]; seeds?: number[] }[]): ResultsJsonShape {
  return {
    schema: "antbench.results/2",
    groups: [{
      title: "g",
      rows: rows.map((r) => ({
        label: r.label,
        ok: r.values.length,
        failed: 0,
        metrics: [{ key: "fd-data", values: r.values, ...(r.seeds ? { seeds: r.seeds } : {}) }],
      })),
    }],
  };
}

Deno.test("compare pairs by seed when both sides have the same seeds and applies Holm over the tests", () => {
  // Hand: current − baseline = 0.2, 0.3, 0.25 (seeds 2, 0, 1 reordered on the current side): paired t = 8.66025,
  // df 2, p = 1 − 8.66025/√77 = 0.013072; the unchanged row gives p = 1. Holm over 2 tests: 0.026144.
  const base = doc([{ label: "a", values: [1, 2, 3], seeds: [0, 1, 2] }, {
    label: "b",
    values: [5, 6, 7],
    seeds: [0, 1, 2],
  }]);
  const cur = doc([
    { label: "a", values: [3.25, 1.2, 2.3], seeds: [2, 0, 1] },
    { label: "b", values: [5, 6, 7], seeds: [0, 1, 2] },
  ]);
  const p = 1 - 8.660254037844386 / Math.sqrt(77);
  const c = compareResults(base, cur, { ...opts, thresholds: {}, test: "t" });
  const a = c.findings.find((f) => f.row === "a")!;
  assert.equal(a.paired, true);
  assert.equal(a.test, "paired t-test");
  assert.ok(Math.abs(a.p - p) < 1e-9 && Math.abs(a.pHolm - 2 * p) < 1e-9, `${a.p} ${a.pHolm}`);
  assert.equal(c.tests, 2);
  assert.equal(a.verdict, "regression");
  // At α = 0.02 the raw p (0.013) would flag it; Holm's 0.026 does not.
  assert.equal(compareResults(base, cur, { ...opts, alpha: 0.02, test: "t" }).regressions.length, 0);
  // Unpaired (forced, or when the seeds differ): Welch on the same numbers is far from significant.
  const w = compareResults(base, cur, { ...opts, test: "t", unpaired: true }).findings.find((f) =>
    f.row === "a"
  )!;
  assert.equal(w.paired, false);
  assert.ok(w.p > 0.5, String(w.p));
  const other = doc([{ label: "a", values: [1.2, 2.3, 3.25], seeds: [3, 4, 5] }]);
  assert.equal(compareResults(base, other, { ...opts, test: "t" }).findings[0].paired, false);
  // Wilcoxon signed-rank with 3 pairs: all positive, exact p = 2/8 = 0.25: no regression can be shown.
  const r = compareResults(base, cur, { ...opts, test: "rank" }).findings.find((f) => f.row === "a")!;
  assert.equal(r.test, "Wilcoxon signed-rank test (exact)");
  assert.equal(r.p, 0.25);
});

async function cli(args: string[]): Promise<{ code: number; err: string }> {
  const log = console.log;
  const error = console.error;
  let err = "";
  console.log = () => {};
  console.error = (...x: unknown[]) => void (err += x.join(" ") + "\n");
  try {
    return { code: await main(args), err };
  } finally {
    console.log = log;
    console.error = error;
  }
}

Deno.test("compare validates its inputs: exit 2 naming the field, never a TypeError", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const good = `${dir}/good.json`;
    await Deno.writeTextFile(
      good,
      JSON.stringify(doc([{ label: "a", values: [1, 2, 3], seeds: [0, 1, 2] }])),
    );
    const bad = async (name: string, v: unknown, pattern: RegExp) => {
      const f = `${dir}/${name}.json`;
      await Deno.writeTextFile(f, typeof v === "string" ? v : JSON.stringify(v));
      for (const args of [[good, f], [f, good]]) {
        const r = await cli(["compare", ...args]);
        assert.equal(r.code, 2, `${name}: exit ${r.code}`);
        assert.match(r.err, pattern, name);
        assert.ok(!/TypeError|\n\s+at /.test(r.err), `${name}: ${r.err}`);
      }
    };
    const withMetric = (m: unknown) => ({
      schema: "antbench.results/2",
      groups: [{ title: "g", rows: [{ label: "a", ok: 3, failed: 0, metrics: [m] }] }],
    });
    await bad(
      "strings",
      withMetric({ key: "fd-data", values: ["a", null] }),
      /groups\[0\]\.rows\[0\]\.metrics\[0\]\.values: got \["a",null\]/,
    );
    await bad(
      "empty",
      withMetric({ key: "fd-data", values: [] }),
      /metrics\[0\]\.values: got \[\]; allowed: a non-empty list/,
    );
    await bad("nokey", withMetric({ values: [1] }), /metrics\[0\]\.key: got nothing/);
    await bad(
      "seeds",
      withMetric({ key: "fd-data", values: [1, 2], seeds: [0] }),
      /metrics\[0\]\.seeds: got \[0\]/,
    );
    await bad("nometrics", {
      schema: "antbench.results/2",
      groups: [{ title: "g", rows: [{ label: "a", ok: 1, failed: 0 }] }],
    }, /groups\[0\]\.rows\[0\]\.metrics: missing/);
    await bad("malformed", "{ not json", /cannot read results/);
    await bad(
      "schema",
      { schema: "other/1", groups: [] },
      /schema: got "other\/1"; allowed: antbench\.results\/1 \| antbench\.results\/2/,
    );
    await bad("groups", { schema: "antbench.results/2", groups: {} }, /groups: got \{\}/);
    await bad("count", {
      schema: "antbench.results/2",
      groups: [{ title: "g", rows: [{ label: "a", ok: -1, failed: 0, metrics: [] }] }],
    }, /rows\[0\]\.ok: got -1/);
    // Keys that name no metric: flags and the suite's own thresholds.
    const t = await cli(["compare", good, good, "--threshold", "fdd=0.1"]);
    assert.equal(t.code, 2);
    assert.match(t.err, /--threshold: "fdd" names no metric of .* metrics: fd-data/);
    const d = await cli(["compare", good, good, "--direction", "swd-data=higher"]);
    assert.equal(d.code, 2);
    assert.match(d.err, /--direction: "swd-data" names no metric/);
    const suiteTh = `${dir}/suite_threshold.json`;
    await Deno.writeTextFile(
      suiteTh,
      JSON.stringify({
        ...doc([{ label: "a", values: [1, 2, 3] }]),
        regression: { thresholds: { "kid-data": 0.1 } },
      }),
    );
    const s = await cli(["compare", good, suiteTh]);
    assert.equal(s.code, 2);
    assert.match(s.err, /regression\.thresholds of .*"kid-data" names no metric/);
    assert.equal((await cli(["compare", good, good, "--threshold", "fd-data=0.1"])).code, 0);
    // The committed nightly baseline (schema 1) stays readable.
    assert.equal((await cli(["compare", "reports/nightly-baseline", "reports/nightly-baseline"])).code, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
