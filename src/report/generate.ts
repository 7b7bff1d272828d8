/**
 * `deno task cli report DIR`: regenerate every report file of a suite output directory from the stored run
 * results alone (runs/<id>/result.json, plus samples, reference samples and the affinity matrix for the
 * figures), also while a bench still trains there:
 *
 *     README.md      tables, runs in progress, figure links, deterministic
 *     results.json   versioned, deterministic (no timing)      results.csv   the tables in long form
 *     report.html    one self-contained page with every chart and image inlined
 *     figures/*.svg  every chart as a standalone SVG (src/report/figures.ts)
 *     benchmark.json github-action-benchmark customSmallerIsBetter (+ benchmark-bigger.json if needed)
 *     timing.json / timing.md   wall-clock facts (not deterministic)
 *
 * Runs that have started and have no result (src/report/in_progress.ts) are listed as running or
 * interrupted, with their loss curves so far; with no finished run only README.md, report.html and their
 * figures are written.
 *
 * @module
 */
import { atomicWriteFile, atomicWriteJson } from "../runtime/atomic_write.ts";
import { listRunIds, readAllResults, runDir } from "../suite/store.ts";
import { aggregate } from "./aggregate.ts";
import { buildResultsJson } from "./results_json.ts";
import { renderMarkdown } from "./markdown.ts";
import { renderCsv } from "./csv.ts";
import { renderHtml } from "./html.ts";
import { type Figure, type FigureExtras, groupFigures, noExtras, runningFigure } from "./figures.ts";
import { inProgressSection, readInProgress } from "./in_progress.ts";
import { readAffinity } from "../clustering/affinity_io.ts";
import type { AffinityMatrix } from "../clustering/objective.ts";
import { benchmarkEntries } from "./benchmark_json.ts";
import { buildTiming, renderTimingMarkdown } from "./timing.ts";
import { UsageError } from "../runtime/errors.ts";
import { reportSettings } from "./settings.ts";
import { foreignSection, splitBySuite } from "./membership.ts";

/** Files written by {@link generateReport}. */
export interface ReportFiles {
  /** Finished runs of the suite in the report. */
  results: number;
  /** Runs in progress (a live process holds their claim), shown with their curves so far. */
  running: number;
  /** Started runs without a result and without a live claim (a killed bench). */
  interrupted: number;
  /** Files written, relative to the directory. */
  files: string[];
  /** Ids of stored results that are not part of the suite (listed in README.md, in no table). */
  foreign: string[];
  /** Planned runs without a result (0 when the plan is unknown). */
  missing: number;
}

/** Options of {@link generateReport}. */
export interface ReportOptions {
  /** The suite's planned run ids (default: re-derived from DIR/suite.json; without one, every result). */
  runIds?: readonly string[];
}

async function readAffinityFile(path: string): Promise<AffinityMatrix | null> {
  try {
    return await readAffinity(path);
  } catch {
    return null; // a missing or unreadable matrix only drops its heatmap
  }
}

async function readJsonFile(path: string): Promise<Record<string, unknown> | null> {
  try {
    const v = JSON.parse(await Deno.readTextFile(path));
    return v !== null && typeof v === "object" ? v : null;
  } catch {
    return null; // a missing or partial file only drops its plot
  }
}

async function readBytes(path: string): Promise<Uint8Array | null> {
  try {
    return await Deno.readFile(path);
  } catch {
    return null;
  }
}

const numbers = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => typeof x === "number");

/** Samples, reference samples and affinity matrices of the runs `ids`, for the figures. */
async function readExtras(
  outDir: string,
  ids: readonly string[],
  affinityPaths: string[],
): Promise<FigureExtras> {
  const extras = noExtras();
  for (const p of affinityPaths) {
    const m = await readAffinityFile(p);
    if (m) extras.affinity.set(p, m);
  }
  for (const id of ids) {
    const dir = runDir(outDir, id);
    const s = await readJsonFile(`${dir}/samples.json`);
    const step = typeof s?.step === "number" ? s.step : NaN;
    if (s && numbers(s.values)) extras.samples.set(id, { step, values: s.values });
    if (s && typeof s.image === "string") {
      const png = await readBytes(`${dir}/samples.png`);
      if (png) extras.images.set(id, { step, png });
    } else if (!s) {
      const png = await readBytes(`${dir}/samples.png`); // written before samples.json described images
      if (png) extras.images.set(id, { step: NaN, png });
    }
    const ref = await readJsonFile(`${dir}/reference.json`);
    if (ref && numbers(ref.values)) extras.reference.set(id, ref.values);
    const refPng = await readBytes(`${dir}/reference.png`);
    if (refPng) extras.referenceImages.set(id, refPng);
  }
  return extras;
}

/** Write `figures` as figures/<name>.svg and remove the .svg files there that are no longer figures. */
async function writeFigures(outDir: string, figures: readonly Figure[]): Promise<string[]> {
  const dir = `${outDir}/figures`;
  const names = new Set(figures.map((f) => `${f.name}.svg`));
  if (figures.length > 0) await Deno.mkdir(dir, { recursive: true });
  for (const f of figures) await atomicWriteFile(`${dir}/${f.name}.svg`, f.svg + "\n");
  try {
    for await (const e of Deno.readDir(dir)) {
      if (e.isFile && e.name.endsWith(".svg") && !names.has(e.name)) await Deno.remove(`${dir}/${e.name}`);
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return [...names].sort().map((n) => `figures/${n}`);
}

/** The README section that shows the figures (GitHub renders SVG files): "" without figures. */
function figuresSection(perGroup: readonly (readonly Figure[])[], running: readonly Figure[]): string {
  const all = [
    ...perGroup.flat().filter((f) => f.section === "convergence" || f.section === "loss"),
    ...running,
  ];
  if (all.length === 0) return "";
  return [
    "",
    "## Figures",
    "",
    "Every figure is also a standalone SVG under figures/ and inlined in report.html (with the clusters, the " +
    "affinity heatmap and the samples beside the real reference).",
    "",
    ...all.map((f) => `![${f.title.replace(/[[\]]/g, "")}](figures/${f.name}.svg)`),
    "",
  ].join("\n");
}

/**
 * Regenerate the report files of `outDir` from the results of the suite's planned runs (see
 * src/report/membership.ts). Throws UsageError when none of them has a result.
 */
export async function generateReport(outDir: string, opts: ReportOptions = {}): Promise<ReportFiles> {
  let suite = outDir.replace(/\/+$/, "").split("/").pop() ?? "suite";
  let description = "";
  let regression: unknown;
  let settings = reportSettings(undefined);
  try {
    const s = JSON.parse(await Deno.readTextFile(`${outDir}/suite.json`));
    if (typeof s.name === "string") suite = s.name;
    if (typeof s.description === "string") description = s.description;
    regression = s.regression;
    settings = reportSettings(s);
  } catch { /* suite.json is optional: merged or hand-assembled directories may lack it */ }
  const stored = await readAllResults(outDir);
  const membership = await splitBySuite(outDir, stored, opts.runIds);
  const results = membership.inSuite;
  const candidates = membership.planned ??
    (await listRunIds(outDir)).filter((id) => !stored.some((r) => r.id === id));
  const running = await readInProgress(outDir, candidates);
  if (results.length === 0 && running.length === 0) {
    throw new UsageError(
      `report: no run results under ${outDir}/runs/*/result.json` +
        (membership.foreign.length > 0
          ? ` for the ${membership.planned?.length} runs of suite ${suite} (${membership.foreign.length} stored ` +
            `result(s) are not part of it: an older suite file or antbench version; --prune moves them out)`
          : "") +
        " and no run in progress",
    );
  }
  const groups = results.length > 0 ? aggregate(results, settings) : [];
  const affinityPaths = [
    ...new Set(results.map((r) => r.config.clustering.affinity).filter((p): p is string => !!p)),
  ];
  const extras = await readExtras(outDir, results.map((r) => r.id), affinityPaths);
  const figures = groups.map((g, i) => groupFigures(g, i, extras));
  const runningFigures = running.map(runningFigure);
  const readme =
    (results.length > 0 ? renderMarkdown(suite, description, results, groups) : `# ${suite}\n\n` +
      "No run of this suite has finished yet.\n") +
    inProgressSection(running) + figuresSection(figures, runningFigures) +
    foreignSection(membership, outDir);
  const files: [string, string][] = [
    ["README.md", readme],
    [
      "report.html",
      renderHtml(suite, description, groups, figures, { runs: running, figures: runningFigures }),
    ],
  ];
  if (results.length > 0) {
    files.push(
      ["results.json", JSON.stringify(buildResultsJson(suite, results, groups, regression), null, 1) + "\n"],
      ["results.csv", renderCsv(groups)],
      ["timing.md", renderTimingMarkdown(suite, groups)],
    );
  }
  for (const [name, text] of files) await atomicWriteFile(`${outDir}/${name}`, text);
  const written = files.map(([n]) => n);
  written.push(...await writeFigures(outDir, [...figures.flat(), ...runningFigures]));
  if (results.length > 0) {
    const bench = benchmarkEntries(suite, groups);
    await atomicWriteJson(`${outDir}/benchmark.json`, bench.smaller);
    written.push("benchmark.json", "timing.json");
    if (bench.bigger.length > 0) {
      await atomicWriteJson(`${outDir}/benchmark-bigger.json`, bench.bigger);
      written.push("benchmark-bigger.json");
    }
    await atomicWriteJson(`${outDir}/timing.json`, buildTiming(groups));
  }
  const have = new Set(results.map((r) => r.id));
  return {
    results: results.length,
    running: running.filter((r) => r.state === "running").length,
    interrupted: running.filter((r) => r.state === "interrupted").length,
    files: written.sort(),
    foreign: membership.foreign.map((r) => r.id),
    missing: membership.planned ? membership.planned.filter((id) => !have.has(id)).length : 0,
  };
}
