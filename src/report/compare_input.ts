/**
 * Reading the two results.json files of `deno task cli compare`: every field compare uses is checked, and
 * every problem is reported with its path (e.g. `groups[0].rows[2].metrics[1].values: got ["a",null];
 * allowed: a non-empty list of finite numbers`) as a UsageError (exit 2), never as a TypeError.
 *
 * @module
 */
import { badValue, throwIfProblems, UsageError } from "../runtime/errors.ts";
import type { Direction } from "./metric_info.ts";
import { READABLE_RESULTS_SCHEMAS } from "./results_json.ts";

/** The part of a results.json row that compare reads. */
export interface RowJson {
  /** Row label. */
  label: string;
  /** Successful runs. */
  ok: number;
  /** Failed runs. */
  failed: number;
  /** Final values per metric key, with their seeds. */
  metrics: { key: string; values: number[]; seeds?: number[] }[];
}

/** The part of results.json that compare reads. */
export interface ResultsJsonShape {
  /** Schema id (antbench.results/1 or /2). */
  schema: string;
  /** Direction per metric key. */
  metrics?: Record<string, { direction?: Direction }>;
  /** Groups with their rows. */
  groups: { title: string; rows: RowJson[] }[];
  /** The suite's regression-check settings. */
  regression?: { alpha?: number; defaultThreshold?: number; thresholds?: Record<string, number> };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const isCount = (v: unknown) => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;

/** Every problem of a parsed results.json value (empty when compare can use it). */
export function resultsJsonProblems(v: unknown): string[] {
  const p: string[] = [];
  if (!isObject(v)) return [badValue("(file)", v, "a results.json object")];
  if (typeof v.schema !== "string" || !READABLE_RESULTS_SCHEMAS.includes(v.schema)) {
    p.push(badValue("schema", v.schema, READABLE_RESULTS_SCHEMAS.join(" | ")));
  }
  if (v.metrics !== undefined) {
    if (!isObject(v.metrics)) p.push(badValue("metrics", v.metrics, "an object {metric key: {direction}}"));
    else {
      for (const [k, m] of Object.entries(v.metrics)) {
        const d = isObject(m) ? m.direction : m;
        if (!isObject(m) || (d !== undefined && d !== "lower" && d !== "higher")) {
          p.push(badValue(`metrics.${k}.direction`, d, "lower | higher"));
        }
      }
    }
  }
  if (v.regression !== undefined && v.regression !== null) {
    const r = v.regression;
    if (!isObject(r)) p.push(badValue("regression", r, "an object {alpha, defaultThreshold, thresholds}"));
    else {
      if (r.alpha !== undefined && !(typeof r.alpha === "number" && r.alpha > 0 && r.alpha < 1)) {
        p.push(badValue("regression.alpha", r.alpha, "a number in (0, 1)"));
      }
      const okRel = (x: unknown) => typeof x === "number" && Number.isFinite(x) && x >= 0;
      if (r.defaultThreshold !== undefined && !okRel(r.defaultThreshold)) {
        p.push(badValue("regression.defaultThreshold", r.defaultThreshold, "a number >= 0"));
      }
      if (r.thresholds !== undefined) {
        if (!isObject(r.thresholds)) p.push(badValue("regression.thresholds", r.thresholds, "an object"));
        else {
          for (const [k, x] of Object.entries(r.thresholds)) {
            if (!okRel(x)) p.push(badValue(`regression.thresholds.${k}`, x, "a number >= 0"));
          }
        }
      }
    }
  }
  if (!Array.isArray(v.groups)) {
    p.push(badValue("groups", v.groups, "a list of groups {title, rows}"));
    return p;
  }
  v.groups.forEach((g: unknown, gi: number) => {
    const gp = `groups[${gi}]`;
    if (!isObject(g)) return void p.push(badValue(gp, g, "an object {title, rows}"));
    if (typeof g.title !== "string") p.push(badValue(`${gp}.title`, g.title, "a string"));
    if (!Array.isArray(g.rows)) return void p.push(badValue(`${gp}.rows`, g.rows, "a list of rows"));
    g.rows.forEach((r: unknown, ri: number) => {
      const rp = `${gp}.rows[${ri}]`;
      if (!isObject(r)) return void p.push(badValue(rp, r, "an object {label, ok, failed, metrics}"));
      if (typeof r.label !== "string") p.push(badValue(`${rp}.label`, r.label, "a string"));
      for (const k of ["ok", "failed"]) {
        if (!isCount(r[k])) p.push(badValue(`${rp}.${k}`, r[k], "a count (integer >= 0)"));
      }
      if (!Array.isArray(r.metrics)) {
        return void p.push(
          r.metrics === undefined
            ? `${rp}.metrics: missing; allowed: a list of {key, values, seeds}`
            : badValue(`${rp}.metrics`, r.metrics, "a list of {key, values, seeds}"),
        );
      }
      r.metrics.forEach((m: unknown, mi: number) => {
        const mp = `${rp}.metrics[${mi}]`;
        if (!isObject(m)) return void p.push(badValue(mp, m, "an object {key, values, seeds}"));
        if (typeof m.key !== "string" || m.key === "") p.push(badValue(`${mp}.key`, m.key, "a metric key"));
        const vals = m.values;
        // A row whose every run failed has no values (its lost runs are the finding); any other row has some.
        const mayBeEmpty = r.ok === 0;
        if (
          !Array.isArray(vals) || (vals.length === 0 && !mayBeEmpty) ||
          !vals.every((x) => typeof x === "number" && Number.isFinite(x))
        ) {
          p.push(
            badValue(
              `${mp}.values`,
              vals,
              "a non-empty list of finite numbers (one per seed; empty only in a row with ok = 0)",
            ),
          );
        }
        if (m.seeds !== undefined) {
          const s = m.seeds;
          if (
            !Array.isArray(s) || !s.every((x) => isCount(x)) || new Set(s).size !== s.length ||
            (Array.isArray(vals) && s.length !== vals.length)
          ) {
            p.push(badValue(`${mp}.seeds`, s, "distinct seeds (integers >= 0), one per value"));
          }
        }
      });
    });
  });
  return p;
}

/** Read and check a results.json (a file or a report directory); UsageError naming every bad field. */
export async function readResultsJson(path: string): Promise<ResultsJsonShape> {
  let file = path;
  try {
    if ((await Deno.stat(path)).isDirectory) file = `${path.replace(/\/+$/, "")}/results.json`;
  } catch {
    throw new UsageError(`compare: ${path}: no such file or directory`);
  }
  let v: unknown;
  try {
    v = JSON.parse(await Deno.readTextFile(file));
  } catch (e) {
    throw new UsageError(`compare: ${file}: cannot read results (${(e as Error).message})`);
  }
  const problems = resultsJsonProblems(v);
  if (problems.length > 12) problems.splice(12, problems.length - 12, `... and ${problems.length - 12} more`);
  throwIfProblems(`compare: ${file}`, problems);
  return v as ResultsJsonShape;
}

/** Every metric key of a results document (row metrics and the metrics table). */
export function metricKeysOf(r: ResultsJsonShape): Set<string> {
  const out = new Set<string>(Object.keys(r.metrics ?? {}));
  for (const g of r.groups) for (const row of g.rows) for (const m of row.metrics) out.add(m.key);
  return out;
}
