/**
 * report.html: a single self-contained page (inline CSS, inline SVG, one tiny inline script, no network)
 * with the tables of README.md, convergence curves per metric (mean over seeds per row), the timestep
 * clusters drawn on the t axis and the log-SNR axis (ANT, Go et al. 2023, §4.1 and its Fig. 2), the
 * task-affinity heatmap when the suite used one, and generated samples (2-D scatter plots, or sample-grid
 * PNGs linked relative to the report directory).
 *
 * The inline script only checks the page: it counts rendered charts (non-empty bounding boxes) into
 * `data-charts-rendered` / `data-charts-total` on <html> and records script errors in `data-errors`, which
 * the headless-Chromium test reads.
 *
 * @module
 */
import { makeSchedule } from "../diffusion/schedule.ts";
import { affinityHtml } from "./affinity_section.ts";
import type { Group } from "./aggregate.ts";
import { groupTable, testsTable } from "./markdown_tables.ts";
import { verdictRuleText } from "./verdict.ts";
import { metricInfo } from "./metric_info.ts";
import { esc, heatmap, intervalChart, lineChart, scatter, type Series } from "./svg.ts";

/** Extra material for the HTML report, read from the run directories by the report generator. */
export interface HtmlExtras {
  /** Task-affinity matrices by path. */
  affinity: Map<string, number[][]>;
  /** Final 2-D samples by run id (flat x, y pairs). */
  samples: Map<string, { step: number; values: number[] }>;
  /** Sample-grid images by run id, as paths relative to the report directory. */
  images: Map<string, string[]>;
}

function mdTableToHtml(md: string): string {
  const lines = md.split("\n").filter((l) => l.startsWith("|"));
  const cells = (l: string) => l.slice(1, -1).split(" | ").map((c) => c.trim());
  const head = cells(lines[0]);
  const body = lines.slice(2).map(cells);
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>${
    body.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join("")}</tr>`).join("")
  }</tbody></table>`;
}

/** Escape, then render Markdown **bold** as <strong>. */
function mdInline(md: string): string {
  return esc(md).replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>");
}

function curves(g: Group): string {
  const out: string[] = [];
  for (const key of g.metricKeys) {
    const info = metricInfo(key);
    const series: Series[] = g.rows.filter((r) => r.runs.length > 0).map((r) => {
      const steps = [...new Set(r.runs.flatMap((x) => x.curve.map((p) => p.step)))].sort((a, b) => a - b);
      const points: [number, number][] = [];
      for (const s of steps) {
        const vals = r.runs.map((x) => x.curve.find((p) => p.step === s)?.metrics[key]).filter((
          v,
        ): v is number => Number.isFinite(v));
        if (vals.length === r.runs.length) points.push([s, vals.reduce((a, b) => a + b, 0) / vals.length]);
      }
      return { label: r.label, points, dashed: r.role !== "method" };
    });
    out.push(
      lineChart(
        `${info.label} (${info.direction} is better), mean over seeds`,
        "training step",
        info.label,
        series,
      ),
    );
  }
  return out.join("\n");
}

function clusterCharts(g: Group): string {
  const rows = g.rows.filter((r) => !r.isBaseline && r.clusters.length > 0);
  const seen = new Set<string>();
  const uniq = rows.filter((r) => {
    const k = `${r.objective}|${r.k}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  if (uniq.length === 0) return "";
  const T = g.config.diffusion.T;
  const sched = makeSchedule(g.config.diffusion.schedule, T);
  const ls = Array.from(sched.logSnr);
  const lo = Math.min(...ls), hi = Math.max(...ls);
  const tRows = uniq.map((r) => ({
    label: `${r.objective} k=${r.k}`,
    intervals: r.clusters.map(([a, b]) => [a, b + 1] as [number, number]),
  }));
  const snrRows = uniq.map((r) => ({
    label: `${r.objective} k=${r.k}`,
    intervals: r.clusters.map(([a, b]) => [ls[a], ls[b]] as [number, number]),
  }));
  return intervalChart("timestep clusters on the t axis", "timestep t", 0, T, tRows) + "\n" +
    intervalChart(
      `the same clusters on the log-SNR axis (${g.config.diffusion.schedule} schedule)`,
      "log SNR(t) = log(ᾱ/(1−ᾱ))",
      lo,
      hi,
      snrRows,
    );
}

function sampleSection(g: Group, extras: HtmlExtras): string {
  const out: string[] = [];
  for (const r of g.rows) {
    const run = r.runs[0];
    if (!run) continue;
    const s = extras.samples.get(run.id);
    if (s) out.push(scatter(`${r.label}, seed ${run.config.seed}, step ${s.step}`, s.values));
    for (const img of extras.images.get(run.id) ?? []) {
      out.push(
        `<figure><img src="${esc(img)}" alt="samples of ${esc(r.label)}" width="256"><figcaption>${
          esc(r.label)
        }, seed ${run.config.seed}</figcaption></figure>`,
      );
    }
  }
  return out.length ? `<h3>Samples</h3><div class="samples">${out.join("\n")}</div>` : "";
}

const CHECK_SCRIPT = `
(function () {
  var root = document.documentElement;
  var errors = [];
  window.addEventListener("error", function (e) { errors.push(String(e.message)); root.setAttribute("data-errors", errors.join(" | ")); });
  window.addEventListener("load", function () {
    var charts = document.querySelectorAll("svg.chart");
    var ok = 0;
    for (var i = 0; i < charts.length; i++) {
      var b = charts[i].getBBox();
      if (b.width > 0 && b.height > 0 && charts[i].childElementCount > 1) ok++;
    }
    root.setAttribute("data-charts-total", String(charts.length));
    root.setAttribute("data-charts-rendered", String(ok));
    root.setAttribute("data-errors", errors.join(" | "));
  });
})();
`;

const CSS = `body{font-family:system-ui,sans-serif;margin:2em;max-width:1200px;color:#222}
table{border-collapse:collapse;font-size:12px;margin:1em 0}th,td{border:1px solid #ccc;padding:3px 6px;text-align:right}
th{background:#f3f3f3}td:nth-child(-n+3){text-align:left}.charts,.samples{display:flex;flex-wrap:wrap;gap:12px}
figure{margin:0}figcaption{font-size:11px}.note{color:#555;font-size:13px}`;

/** Render report.html. */
export function renderHtml(
  suite: string,
  description: string,
  groups: readonly Group[],
  extras: HtmlExtras,
): string {
  const body: string[] = [`<h1>antbench report: ${esc(suite)}</h1>`];
  if (description) body.push(`<p>${esc(description)}</p>`);
  body.push(
    `<p class="note">Mean ± 95% CI over seeds (Student t); each metric's column head gives its real-vs-real floor band. Δ paired by seed against the matched control (vanilla with the stratified sampler on the same clusters) and against plain vanilla; p = two-sided paired t-test, Holm = Holm-adjusted over every test of the table. The same numbers are in README.md and results.json.</p>`,
  );
  for (const g of groups) {
    body.push(
      `<section><h2>${esc(g.title)}</h2>`,
      `<p class="note">${mdInline(verdictRuleText(g, g.settings))}</p>`,
      mdTableToHtml(groupTable(g)),
    );
    const tests = testsTable(g);
    if (tests) {
      body.push(
        `<details><summary>Every test of this table (Holm family of ${g.family.tests})</summary>${
          mdTableToHtml(tests)
        }</details>`,
      );
    }
    body.push(`<h3>Convergence</h3><div class="charts">${curves(g)}</div>`);
    const cl = clusterCharts(g);
    if (cl) body.push(`<h3>Timestep clusters</h3><div class="charts">${cl}</div>`);
    body.push(affinityHtml(g));
    const paths = [
      ...new Set(
        g.rows.flatMap((r) =>
          r.runs.map((x) => x.config.clustering.affinity).filter((p): p is string => !!p)
        ),
      ),
    ].sort();
    for (const p of paths) {
      const m = extras.affinity.get(p);
      if (m) {
        body.push(
          `<h3>Task affinity</h3><div class="charts">${
            heatmap(`task affinity (gradient cosine similarity): ${p}`, m)
          }</div>`,
        );
      }
    }
    body.push(sampleSection(g, extras), "</section>");
  }
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>antbench report: ${esc(suite)}</title>
<style>${CSS}</style>
<script>${CHECK_SCRIPT}</script>
</head>
<body>
${body.join("\n")}
</body>
</html>
`;
}
