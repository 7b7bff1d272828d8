import assert from "node:assert/strict";
import type { RunResult } from "../train/types.ts";
import { fakeResult } from "./testing.ts";
import { aggregate, comparisonOf } from "./aggregate.ts";
import { renderMarkdown } from "./markdown.ts";
import { renderCsv } from "./csv.ts";
import { benchmarkEntries } from "./benchmark_json.ts";
import { buildResultsJson } from "./results_json.ts";
import { generateReport } from "./generate.ts";
import { metricInfo } from "./metric_info.ts";
import { runDir, writeResult } from "../suite/store.ts";
import { sampleGridPng } from "./sample_grid.ts";
import { writeNpy } from "../metrics/npy.ts";

// Hand-derived case. Vanilla finals 1.0, 1.2, 1.1 (mean 1.1, reached at step 20 by construction);
// UW finals 0.8, 0.9, 0.85: mean 0.85, sd 0.05, 95% half-width t(0.975, 2)·0.05/√3 = 4.302653·0.0288675 = 0.1242069.
// Paired differences −0.2, −0.3, −0.25: mean −0.25, relative −0.25/1.1 = −22.73%; t = −0.25/(0.05/√3) = −8.66025,
// df 2, p = 1 − |t|/√(2 + t²) = 1 − 8.66025/√77 = 0.013072 (closed form of the t₂ CDF); sign flip: 2/2³ = 0.25.
// UW's mean curve at step 10 is (1.0 + 1.2 + 1.1)/3 = 1.1 = target, so steps to target ≤ 10 (reached at the
// first evaluation) vs vanilla's 20: 2×. One test in the table (pcgrad has no ok run): Holm p = p = 0.013 → better.
const results: RunResult[] = [
  fakeResult("vanilla", "none", 1, 0, [2.0, 1.0]),
  fakeResult("vanilla", "none", 1, 1, [2.2, 1.2]),
  fakeResult("vanilla", "none", 1, 2, [2.1, 1.1]),
  fakeResult("uw", "snr", 2, 0, [1.0, 0.8]),
  fakeResult("uw", "snr", 2, 1, [1.2, 0.9]),
  fakeResult("uw", "snr", 2, 2, [1.1, 0.85]),
  {
    ...fakeResult("pcgrad", "snr", 2, 0, [3, 3]),
    status: "failed",
    error: "non-finite loss at step 7",
    curve: [],
    final: {},
  },
];

Deno.test("aggregate: mean ± t-CI, paired Δ with paired t and sign-flip p, steps to target (hand-derived)", () => {
  const delta = (m: Parameters<typeof comparisonOf>[0]) => comparisonOf(m, "vanilla");
  const [g] = aggregate(results);
  assert.equal(g.rows.length, 3);
  assert.equal(g.rows[0].label, "vanilla");
  const uw = g.rows.find((r) => r.method.id === "uw")!;
  const m = uw.metrics[0];
  assert.deepEqual(m.values, [0.8, 0.9, 0.85]);
  assert.ok(Math.abs(m.ci.mean - 0.85) < 1e-12);
  assert.ok(Math.abs(m.ci.halfWidth - 0.1242069) < 1e-6, String(m.ci.halfWidth));
  assert.ok(Math.abs(delta(m)!.mean + 0.25) < 1e-12);
  assert.ok(Math.abs(delta(m)!.relative + 0.25 / 1.1) < 1e-12);
  assert.ok(Math.abs(delta(m)!.pairedT.statistic + 8.660254) < 1e-5);
  assert.ok(Math.abs(delta(m)!.pairedT.p - (1 - 8.660254037844386 / Math.sqrt(77))) < 1e-9);
  assert.equal(delta(m)!.signFlip.p, 0.25);
  assert.equal(uw.stepsToTarget!.mean, 10);
  assert.equal(uw.stepsToTarget!.atFirstEval, true);
  assert.equal(delta(m)!.pHolm, delta(m)!.pairedT.p, "a family of one test");
  assert.equal(uw.verdicts.vanilla?.word, "better");
  assert.equal(g.baseline!.stepsToTarget!.mean, 20);
  assert.equal(uw.stepsToTarget!.speedup, 2);
  const pc = g.rows.find((r) => r.method.id === "pcgrad")!;
  assert.equal(pc.runs.length, 0);
  assert.equal(pc.failed.length, 1);
});

Deno.test("README states N, feature space, the tests used, and the hand-derived numbers; failed runs listed", () => {
  const md = renderMarkdown("hand", "", results, aggregate(results));
  assert.match(
    md,
    /\| snr \| 2 \| stratified \| uw \| 3 \| 0\.85 ± 0\.12 \| no matched control in the results \| -0\.25 \(-22\.7%\); p 0\.013, Holm 0\.013 \| n\/a \| better \| ≤ 10 \[10, 10\] \(3\/3 seeds\) \| 2× \[2, 2\] \|/,
  );
  assert.match(
    md,
    /\| none \(vanilla\) \| 1 \| uniform \| vanilla \| 3 \| 1\.1 ± 0\.25 \| — \| — \| — \| — \| 20 \[20, 20\] \(2\/3 seeds\) \| 1× \(reference\) \|/,
  );
  assert.match(
    md,
    /FD-data \(lower is better; headline metric\).*`data` feature space; N = 1000 generated vs 1000 reference samples; real-vs-real floor: not measured/,
  );
  assert.match(md, /paired t-test/);
  assert.match(md, /sign-flip test cannot go below p = 2\/2\^n/);
  assert.match(md, /\*\*How verdicts are decided\.\*\*/);
  assert.match(
    md,
    /\| snr k=2 uw \| FD-data \(headline\) \| vanilla \| 3 \| -0\.25 \| -22\.7% \|.*\| 0\.013 \| 0\.25 \| 0\.013 \|/,
  );
  assert.ok(!/\bFID\b/.test(md), "never FID without Inception features");
  assert.match(md, /## Failed runs[\s\S]*pcgrad-snr-2-0 .* non-finite loss at step 7/);
  assert.equal(metricInfo("fd-inception").label, "FID");
});

Deno.test("CSV, github-action-benchmark JSON and results.json carry the same numbers", () => {
  const groups = aggregate(results);
  const csv = renderCsv(groups).trim().split("\n");
  assert.equal(csv.length, 1 + 3);
  const uwLine = csv.find((l) => l.includes(",uw,"))!.split(",");
  assert.ok(Math.abs(Number(uwLine[11]) - 0.85) < 1e-12);
  assert.equal(Number(uwLine[17]), 0.25);
  const { smaller, bigger } = benchmarkEntries("hand", groups);
  assert.equal(bigger.length, 0);
  const e = smaller.find((x) => x.name === "hand / swissroll / mlp / snr k=2 uw / FD-data")!;
  assert.equal(e.unit, "FD-data");
  assert.ok(Math.abs(e.value - 0.85) < 1e-12);
  assert.equal(e.range, "± 0.124");
  assert.ok(smaller.some((x) => x.unit === "steps" && x.value === 10));
  for (const x of smaller) {
    assert.deepEqual(
      Object.keys(x).filter((k) => !["name", "unit", "value", "range", "extra"].includes(k)),
      [],
    );
  }
  // deno-lint-ignore no-explicit-any -- reading a JSON document in a test
  const rj = buildResultsJson("hand", results, groups) as Record<string, any>;
  assert.equal(rj.schema, "antbench.results/2");
  const uwRow = rj.groups[0].rows.find((r: { label: string }) => r.label === "snr k=2 uw");
  assert.equal(uwRow.role, "method");
  assert.equal(uwRow.verdicts.vanilla.word, "better");
  assert.equal(uwRow.metrics[0].floor, null, "floor: not measured");
  assert.deepEqual(uwRow.stepsToTarget.ci, [10, 10]);
  assert.deepEqual(rj.counts, { failed: 1, ok: 6, runs: 7 });
  assert.deepEqual(rj.runs[0].environment, { deno: "2.9.6" }, "volatile environment keys are dropped");
  assert.equal(rj.metrics["fd-data"].direction, "lower");
  assert.equal(JSON.stringify(rj).includes("msPerStep"), false, "no timing in results.json");
});

Deno.test("report.html works alone: every chart and image renders in headless Chromium without network, no console errors", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const withLoss = results.map((r) =>
      r.status !== "ok" ? r : {
        ...r,
        loss: {
          every: 5,
          values: [0.9, 0.5, 0.4, 0.35],
          clusters: r.clusters.length > 1
            ? [[1.2, 0.7, 0.6, 0.5], [0.6, 0.3, 0.2, 0.2]]
            : [[0.9, 0.5, 0.4, 0.35]],
        },
      }
    );
    for (const r of withLoss) await writeResult(runDir(dir, r.id), r);
    const uwDir = runDir(dir, results[3].id);
    await Deno.writeTextFile(
      `${uwDir}/samples.json`,
      JSON.stringify({ step: 20, values: [0, 0, 1, 1, -1, 0.5] }),
    );
    await Deno.writeTextFile(
      `${uwDir}/reference.json`,
      JSON.stringify({ n: 2, values: [0.5, 0.5, -0.5, 1] }),
    );
    // An image row: a sample grid and its reference grid, as the bench writes them for image datasets.
    const vDir = runDir(dir, results[0].id);
    const grid = sampleGridPng(new Float32Array(4 * 8 * 8).map((_, i) => Math.sin(i)), 4, 8, 8, 1, {
      cols: 2,
    });
    await Deno.writeFile(`${vDir}/samples.png`, grid);
    await Deno.writeTextFile(
      `${vDir}/samples.json`,
      JSON.stringify({ step: 20, n: 4, image: "samples.png" }),
    );
    await Deno.writeFile(`${vDir}/reference.png`, grid);
    const rep = await generateReport(dir);
    const html = await Deno.readTextFile(`${dir}/report.html`);
    assert.ok(
      !/(src|href)="(?!data:|#)/.test(html),
      "every resource inline (data: URIs), no links to files or network",
    );
    assert.ok(
      !/runs\//.test(html.replace(/<table[\s\S]*?<\/table>/g, "")),
      "no link into the run directories",
    );
    const chartCount = (html.match(/<svg class="chart"/g) ?? []).length;
    // fd convergence, training loss, per-cluster loss of the uw row, two cluster charts, two sample figures.
    assert.equal(chartCount, 1 + 1 + 1 + 2 + 2);
    const figures = rep.files.filter((f) => f.startsWith("figures/"));
    assert.equal(figures.length, chartCount, "every chart is also a standalone SVG file");
    for (const f of figures) {
      const svg = await Deno.readTextFile(`${dir}/${f}`);
      assert.ok(svg.startsWith('<svg class="chart" xmlns="http://www.w3.org/2000/svg"'), f);
      assert.ok(html.includes(svg.trim()), `${f} is the chart inlined in report.html`);
    }
    assert.match(html, /generated, step 20/);
    assert.match(html, /reference \(real data/);
    const chromium = ["chromium", "chromium-browser", "google-chrome"].find((c) => {
      try {
        return new Deno.Command("which", { args: [c], stdout: "null", stderr: "null" }).outputSync().success;
      } catch {
        return false;
      }
    });
    if (!chromium) {
      console.warn("SKIPPED the Chromium render check: no chromium binary (apt-get install chromium)");
      return;
    }
    // The page is loaded from a copy in a directory of its own, so nothing beside it can be reached.
    const alone = await Deno.makeTempDir();
    await Deno.copyFile(`${dir}/report.html`, `${alone}/report.html`);
    const out = await new Deno.Command(chromium, {
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--enable-logging=stderr",
        "--v=0",
        `--user-data-dir=${alone}/chromium-profile`,
        // Network off: every host resolves to nothing and no proxy is reachable.
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--proxy-server=127.0.0.1:9",
        "--disable-background-networking",
        "--virtual-time-budget=3000",
        "--dump-dom",
        `file://${alone}/report.html`,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    await Deno.remove(alone, { recursive: true });
    const dom = new TextDecoder().decode(out.stdout);
    const log = new TextDecoder().decode(out.stderr);
    assert.ok(out.success, log.slice(-2000));
    assert.match(dom, new RegExp(`data-charts-total="${chartCount}"`), dom.slice(0, 300));
    assert.match(dom, new RegExp(`data-charts-rendered="${chartCount}"`));
    // Two PNG panels (samples and reference) inside the image row's SVG figure.
    assert.match(dom, /data-images-total="2"/);
    assert.match(dom, /data-images-rendered="2"/);
    assert.match(dom, /data-errors=""/);
    assert.ok(!/CONSOLE.*(Uncaught|Error)/i.test(log), `console errors:\n${log}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("report: the task-affinity heatmap of a suite with a gradient-objective affinity file (.npy)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const T = 1000;
    const data = new Float64Array(T * T);
    for (let i = 0; i < T; i++) {
      for (let j = 0; j < T; j++) data[i * T + j] = Math.exp(-Math.abs(i - j) / 200);
    }
    await writeNpy(`${dir}/aff.npy`, { dtype: "<f8", shape: [T, T], data });
    const withAffinity = results.slice(0, 6).map((r) =>
      r.config.clustering.objective === "none" ? r : {
        ...r,
        config: {
          ...r.config,
          clustering: { ...r.config.clustering, objective: "gradient", affinity: `${dir}/aff.npy` },
        },
      }
    );
    for (const r of withAffinity) await writeResult(runDir(dir, r.id), r);
    const rep = await generateReport(dir);
    assert.ok(rep.files.includes("figures/g1-affinity-1.svg"), rep.files.join(", "));
    const svg = await Deno.readTextFile(`${dir}/figures/g1-affinity-1.svg`);
    assert.match(svg, /^<svg class="chart" role="img" aria-label="task affinity/);
    assert.equal(
      (svg.match(/href="data:image\/png;base64,/g) ?? []).length,
      2,
      "the t panel and the log-SNR panel",
    );
    assert.ok((await Deno.readTextFile(`${dir}/report.html`)).includes(svg.trim()));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
