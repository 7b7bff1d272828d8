/**
 * `deno task cli report DIR`: regenerate every report file of a suite output directory from the stored run
 * results alone (runs/<id>/result.json, plus samples and the affinity matrix for the HTML):
 *
 *     results.json   versioned, deterministic (no timing)      README.md   tables, deterministic
 *     results.csv    the tables in long form, deterministic    report.html offline page with charts
 *     benchmark.json github-action-benchmark customSmallerIsBetter (+ benchmark-bigger.json if needed)
 *     timing.json / timing.md   wall-clock facts (not deterministic)
 *
 * @module
 */
import { atomicWriteFile, atomicWriteJson } from "../runtime/atomic_write.ts";
import { listRunIds, readAllResults, runDir } from "../suite/store.ts";
import { aggregate } from "./aggregate.ts";
import { buildResultsJson } from "./results_json.ts";
import { renderMarkdown } from "./markdown.ts";
import { renderCsv } from "./csv.ts";
import { type HtmlExtras, renderHtml } from "./html.ts";
import { benchmarkEntries } from "./benchmark_json.ts";
import { buildTiming, renderTimingMarkdown } from "./timing.ts";
import { UsageError } from "../runtime/errors.ts";
import { reportSettings } from "./settings.ts";
import { foreignSection, splitBySuite } from "./membership.ts";

/** Files written by {@link generateReport}. */
export interface ReportFiles {
  results: number;
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

async function readAffinity(path: string): Promise<number[][] | null> {
  if (!path.endsWith(".json")) return null;
  try {
    const v = JSON.parse(await Deno.readTextFile(path));
    const m = Array.isArray(v) ? v : v?.matrix;
    return Array.isArray(m) && m.every((r: unknown) => Array.isArray(r)) ? m : null;
  } catch {
    return null;
  }
}

async function readExtras(outDir: string, affinityPaths: string[]): Promise<HtmlExtras> {
  const extras: HtmlExtras = { affinity: new Map(), samples: new Map(), images: new Map() };
  for (const p of affinityPaths) {
    const m = await readAffinity(p);
    if (m) extras.affinity.set(p, m);
  }
  for (const id of await listRunIds(outDir)) {
    const dir = runDir(outDir, id);
    const images: string[] = [];
    for await (const e of Deno.readDir(dir)) {
      if (e.isFile && e.name.endsWith(".png")) images.push(`runs/${id}/${e.name}`);
      if (e.isFile && e.name === "samples.json") {
        try {
          const s = JSON.parse(await Deno.readTextFile(`${dir}/${e.name}`));
          if (Array.isArray(s.values)) extras.samples.set(id, { step: s.step, values: s.values });
        } catch { /* a missing or partial sample file only drops the plot */ }
      }
    }
    if (images.length) extras.images.set(id, images.sort());
  }
  return extras;
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
  if (results.length === 0) {
    throw new UsageError(
      `report: no run results under ${outDir}/runs/*/result.json` +
        (membership.foreign.length > 0
          ? ` for the ${membership.planned?.length} runs of suite ${suite} (${membership.foreign.length} stored ` +
            `result(s) are not part of it: an older suite file or antbench version; --prune moves them out)`
          : ""),
    );
  }
  const groups = aggregate(results, settings);
  const affinityPaths = [
    ...new Set(results.map((r) => r.config.clustering.affinity).filter((p): p is string => !!p)),
  ];
  const extras = await readExtras(outDir, affinityPaths);
  const files: [string, string][] = [
    ["results.json", JSON.stringify(buildResultsJson(suite, results, groups, regression), null, 1) + "\n"],
    ["README.md", renderMarkdown(suite, description, results, groups) + foreignSection(membership, outDir)],
    ["results.csv", renderCsv(groups)],
    ["report.html", renderHtml(suite, description, groups, extras)],
    ["timing.md", renderTimingMarkdown(suite, groups)],
  ];
  const bench = benchmarkEntries(suite, groups);
  for (const [name, text] of files) await atomicWriteFile(`${outDir}/${name}`, text);
  await atomicWriteJson(`${outDir}/benchmark.json`, bench.smaller);
  const written = files.map(([n]) => n).concat("benchmark.json", "timing.json");
  if (bench.bigger.length > 0) {
    await atomicWriteJson(`${outDir}/benchmark-bigger.json`, bench.bigger);
    written.push("benchmark-bigger.json");
  }
  await atomicWriteJson(`${outDir}/timing.json`, buildTiming(groups));
  const have = new Set(results.map((r) => r.id));
  return {
    results: results.length,
    files: written.sort(),
    foreign: membership.foreign.map((r) => r.id),
    missing: membership.planned ? membership.planned.filter((id) => !have.has(id)).length : 0,
  };
}
