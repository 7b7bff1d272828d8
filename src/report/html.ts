/**
 * report.html: one self-contained page (inline CSS, inline SVG, images as data URIs, one tiny inline
 * script, no network), so it works when copied alone: the tables of README.md, then per group the
 * convergence of every metric (mean over seeds with a min–max band and the real-vs-real floor band), the
 * training loss and per-cluster losses, the timestep clusters on the t and the log-SNR axis (ANT, Go et
 * al. 2023, §4.1, Fig. 2), the task-affinity heatmap where the suite used one, the final samples beside the
 * real reference; and the runs still in progress with their loss curves so far. The figures are the SVG
 * documents of src/report/figures.ts (also written to figures/).
 *
 * The inline script only checks the page: it counts rendered charts (non-empty bounding boxes) and loaded
 * images (inline <img> with a natural width, and each SVG <image> loaded again as an Image) into
 * `data-charts-*` / `data-images-*` on <html>, and records script errors in `data-errors`, which the
 * headless-Chromium test reads.
 *
 * @module
 */
import type { Group } from "./aggregate.ts";
import { groupTable, testsTable } from "./markdown_tables.ts";
import { verdictRuleText } from "./verdict.ts";
import { table1Markdown } from "./table1.ts";
import { esc } from "./svg.ts";
import type { Figure } from "./figures.ts";
import type { InProgressRun } from "./in_progress.ts";

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

const CHECK_SCRIPT = `
(function () {
  var root = document.documentElement;
  var errors = [];
  function record() { root.setAttribute("data-errors", errors.join(" | ")); }
  window.addEventListener("error", function (e) { errors.push(String(e.message || e.type)); record(); }, true);
  window.addEventListener("load", function () {
    var charts = document.querySelectorAll("svg.chart");
    var ok = 0;
    for (var i = 0; i < charts.length; i++) {
      var b = charts[i].getBBox();
      if (b.width > 0 && b.height > 0 && charts[i].childElementCount > 1) ok++;
    }
    root.setAttribute("data-charts-total", String(charts.length));
    root.setAttribute("data-charts-rendered", String(ok));
    var imgs = document.querySelectorAll("img");
    var svgImages = document.querySelectorAll("svg image");
    var total = imgs.length + svgImages.length, loaded = 0, pending = svgImages.length;
    for (var j = 0; j < imgs.length; j++) if (imgs[j].complete && imgs[j].naturalWidth > 0) loaded++;
    function done() {
      root.setAttribute("data-images-total", String(total));
      root.setAttribute("data-images-rendered", String(loaded));
      record();
    }
    if (pending === 0) done();
    for (var k = 0; k < svgImages.length; k++) {
      var probe = new Image();
      probe.onload = function () { if (this.naturalWidth > 0) loaded++; if (--pending === 0) done(); };
      probe.onerror = function () { errors.push("image failed to load"); if (--pending === 0) done(); };
      probe.src = svgImages[k].getAttribute("href");
    }
  });
})();
`;

const CSS = `body{font-family:system-ui,sans-serif;margin:2em;max-width:1260px;color:#222}
table{border-collapse:collapse;font-size:12px;margin:1em 0}th,td{border:1px solid #ccc;padding:3px 6px;text-align:right}
th{background:#f3f3f3}td:nth-child(-n+3){text-align:left}.charts{display:flex;flex-wrap:wrap;gap:14px}
.charts svg{max-width:100%;height:auto}.note{color:#555;font-size:13px}.running{color:#a05a00}`;

const SECTIONS: [Figure["section"], string][] = [
  ["convergence", "Convergence"],
  ["loss", "Training loss"],
  ["clusters", "Timestep clusters"],
  ["affinity", "Task affinity"],
  ["samples", "Samples (final evaluation, first seed, beside the real reference)"],
];

function figureBlock(figures: readonly Figure[], section: Figure["section"], heading: string): string {
  const fs = figures.filter((f) => f.section === section);
  if (fs.length === 0) return "";
  return `<h3>${esc(heading)}</h3><div class="charts">${
    fs.map((f) => `<div>${f.svg}</div>`).join("\n")
  }</div>`;
}

/** Render report.html from the groups, their figures (one list per group) and the runs in progress. */
export function renderHtml(
  suite: string,
  description: string,
  groups: readonly Group[],
  figures: readonly (readonly Figure[])[],
  running: { runs: readonly InProgressRun[]; figures: readonly Figure[] } = { runs: [], figures: [] },
): string {
  const body: string[] = [`<h1>antbench report: ${esc(suite)}</h1>`];
  if (description) body.push(`<p>${esc(description)}</p>`);
  if (running.runs.length > 0) {
    body.push(
      `<p class="note running">Unfinished: ${running.runs.length} run(s) in progress are shown at the end with their ` +
        "loss curves so far; the tables cover finished runs only.</p>",
    );
  }
  if (groups.length > 0) {
    body.push(
      `<p class="note">Mean ± 95% CI over seeds (Student t); each metric's column head gives its real-vs-real floor band. Δ paired by seed against the matched control (vanilla with the stratified sampler on the same clusters) and against plain vanilla; p = two-sided paired t-test, Holm = Holm-adjusted over every test of the table. The same numbers are in README.md and results.json. Curves: mean over seeds, band min–max over seeds; the grey band is the metric's real-vs-real floor (5%–95%).</p>`,
    );
  }
  groups.forEach((g, i) => {
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
    const table1 = table1Markdown(g);
    if (table1) {
      body.push(`<h3>In the layout of the paper's Table 1</h3>`);
      for (const block of table1.split("\n\n").filter((b) => b.trim() !== "")) {
        body.push(block.startsWith("|") ? mdTableToHtml(block) : `<p class="note">${mdInline(block)}</p>`);
      }
    }
    for (const [section, heading] of SECTIONS) body.push(figureBlock(figures[i] ?? [], section, heading));
    body.push("</section>");
  });
  if (running.runs.length > 0) {
    body.push(
      `<section><h2 class="running">Runs in progress</h2>`,
      `<p class="note">Started, no result yet ("running": a live process holds the run; "interrupted": none does). They enter no table.</p>`,
      `<div class="charts">${running.figures.map((f) => `<div>${f.svg}</div>`).join("\n")}</div></section>`,
    );
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
