/**
 * Which stored results a report covers: exactly the runs of the suite's current expansion. A directory can
 * hold other results (an earlier version of the suite file, another suite with the same name, runs of an
 * older antbench whose content ids differ); they are listed as "not part of this suite" and never enter a
 * table. The planned run ids come from the caller (`deno task bench` passes its plan) or are re-derived
 * from the directory's suite.json (`deno task cli report DIR`); without a suite.json every result counts.
 *
 * @module
 */
import type { RunResult } from "../train/types.ts";
import { type PlannedRun, planRuns } from "../suite/expand.ts";
import { defaultRegistries } from "../suite/registries.ts";
import type { ResolvedSuite } from "../suite/validate.ts";
import { runLabel } from "../suite/runner.ts";
import { readResult, runDir } from "../suite/store.ts";

/** Results split by membership in the suite. */
export interface Membership {
  /** Results of planned runs (all results when the plan is unknown). */
  inSuite: RunResult[];
  /** Results of runs the suite does not plan. */
  foreign: RunResult[];
  /** Planned run ids (null: unknown, every result counts). */
  planned: string[] | null;
  /** Why the plan is unknown (no or unusable suite.json), for the report. */
  note?: string;
}

/** The runs planned by `outDir/suite.json`, or null with the reason. */
export async function plannedRuns(outDir: string): Promise<{ runs: PlannedRun[] | null; note?: string }> {
  let text: string;
  try {
    text = await Deno.readTextFile(`${outDir}/suite.json`);
  } catch {
    return { runs: null, note: "no suite.json: every stored result is reported" };
  }
  try {
    const suite = JSON.parse(text) as ResolvedSuite;
    return { runs: await planRuns(suite, defaultRegistries(), { outDir }) };
  } catch (e) {
    return {
      runs: null,
      note: `suite.json could not be expanded (${
        e instanceof Error ? e.message.split("\n")[0] : e
      }): every stored result is reported`,
    };
  }
}

/** The run ids planned by `outDir/suite.json`, or null with the reason. */
export async function plannedRunIds(outDir: string): Promise<{ ids: string[] | null; note?: string }> {
  const plan = await plannedRuns(outDir);
  return plan.runs ? { ids: plan.runs.map((r) => r.id) } : { ids: null, note: plan.note };
}

/** Split `results` by the planned ids (given, or from suite.json). */
export async function splitBySuite(
  outDir: string,
  results: readonly RunResult[],
  runIds?: readonly string[],
): Promise<Membership> {
  const plan = runIds ? { ids: [...runIds] } : await plannedRunIds(outDir);
  if (plan.ids === null) return { inSuite: [...results], foreign: [], planned: null, note: plan.note };
  const planned = new Set(plan.ids);
  return {
    inSuite: results.filter((r) => planned.has(r.id)),
    foreign: results.filter((r) => !planned.has(r.id)),
    planned: plan.ids,
  };
}

/** The README section listing results that are not part of the suite ("" when there are none). */
export function foreignSection(m: Membership, dir = "DIR"): string {
  const lines: string[] = [];
  if (m.note) lines.push("", `_${m.note}._`);
  if (m.planned) {
    const have = new Set(m.inSuite.map((r) => r.id));
    const missing = m.planned.filter((id) => !have.has(id)).length;
    if (missing > 0) lines.push("", `${missing} of the ${m.planned.length} planned runs have no result yet.`);
  }
  if (m.foreign.length > 0) {
    lines.push(
      "",
      "## Not part of this suite",
      "",
      `${m.foreign.length} result(s) under runs/ do not belong to this suite's current expansion (an earlier ` +
        "version of the suite file, another suite of the same name, or another antbench version) and are in " +
        `no table above. \`deno task cli report ${dir} --prune\` moves them to ${dir}/pruned/.`,
      "",
      "| run | suite | configuration | status |",
      "| --- | --- | --- | --- |",
      ...m.foreign.map((r) => `| ${r.id} | ${r.config?.suite ?? "?"} | ${safeLabel(r)} | ${r.status} |`),
    );
  }
  return lines.length ? lines.join("\n") + "\n" : "";
}

function safeLabel(r: RunResult): string {
  try {
    return runLabel(r.config);
  } catch {
    return "?";
  }
}

/** A planned run without an ok result: never started or killed while training (no result), or failed. */
export interface IncompleteRun {
  id: string;
  label: string;
  /** "missing": no result.json (never trained, or its process died while training); "failed": a failed result. */
  state: "missing" | "failed";
  error?: string;
}

/**
 * The planned runs of `outDir` (from its suite.json) that have no ok result, in plan order; `planned` is
 * null (with the reason) when the plan cannot be derived.
 */
export async function incompleteRuns(
  outDir: string,
): Promise<{ planned: number; incomplete: IncompleteRun[] } | { planned: null; note: string }> {
  const plan = await plannedRuns(outDir);
  if (!plan.runs) return { planned: null, note: plan.note ?? "no plan" };
  const incomplete: IncompleteRun[] = [];
  for (const r of plan.runs) {
    const result = await readResult(runDir(outDir, r.id));
    if (result?.status === "ok") continue;
    incomplete.push({
      id: r.id,
      label: runLabel(r.config),
      state: result ? "failed" : "missing",
      ...(result ? { error: result.error ?? "failed" } : {}),
    });
  }
  return { planned: plan.runs.length, incomplete };
}
