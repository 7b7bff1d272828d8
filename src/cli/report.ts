/**
 * `deno task cli report DIR`: regenerate results.json, README.md, results.csv, report.html,
 * benchmark.json and timing files of a suite output directory from its stored run results: exactly the
 * runs of the suite in DIR/suite.json (others are listed as not part of it); `--prune` moves those others
 * out of runs/.
 *
 * @module
 */
import type { CliCommand } from "./command.ts";
import { parseFlags } from "./args.ts";
import { generateReport } from "../report/generate.ts";
import { UsageError } from "../runtime/errors.ts";
import { incompleteRuns, plannedRunIds } from "../report/membership.ts";
import { listRunIds, runDir } from "../suite/store.ts";
import { lockOutputDir } from "../suite/lock.ts";

/**
 * Move the run directories of DIR that its suite does not plan to DIR/pruned/<id> (under the
 * whole-directory lock: not while a bench runs there). Returns the moved ids.
 */
export async function pruneForeignRuns(dir: string): Promise<string[]> {
  const plan = await plannedRunIds(dir);
  if (plan.ids === null) {
    throw new UsageError(`report --prune: ${dir}: ${plan.note}; cannot tell which runs belong to the suite`);
  }
  const lock = await lockOutputDir(dir, { command: "cli report --prune" });
  try {
    const planned = new Set(plan.ids);
    const moved: string[] = [];
    for (const id of await listRunIds(dir)) {
      if (planned.has(id)) continue;
      await Deno.mkdir(`${dir}/pruned`, { recursive: true });
      await Deno.rename(runDir(dir, id), `${dir}/pruned/${id}`);
      moved.push(id);
    }
    return moved;
  } finally {
    await lock.release();
  }
}

/** The report command. */
export const reportCommand: CliCommand = {
  name: "report",
  summary:
    "regenerate a suite's report (results.json, README.md, CSV, HTML, benchmark JSON) from stored results",
  usage: `usage: deno task cli report DIR [--prune] [--complete] [--json]

Reads DIR/suite.json and the results of its runs, DIR/runs/<id>/result.json, and writes, atomically:
  results.json    versioned results (deterministic: no timestamps or durations)
  README.md       tables: mean ± 95% CI over seeds with the real-vs-real floor, Δ vs matched control and
                  vs vanilla (paired t, Holm over the table), verdicts by the stated rule, MDE, steps to
                  target with bootstrap intervals
  results.csv     the tables in long form
  report.html     offline page with SVG convergence curves, clusters, affinity heatmap, samples
  benchmark.json  github-action-benchmark customSmallerIsBetter (benchmark-bigger.json: customBiggerIsBetter)
  timing.json, timing.md   wall-clock step times (not deterministic)
Only the runs of the suite's current expansion enter the tables; other results in DIR/runs (an earlier
version of the suite file, another antbench version) are listed in README.md as not part of this suite.
Without DIR/suite.json every stored result is reported.

  --prune     move the results that are not part of the suite to DIR/pruned/<id>/ (delete that directory
              to discard them); needs DIR free of a running bench
  --complete  after writing the report, exit 1 when a planned run has no ok result, naming each one
              (missing: never trained, or its process died while training; failed: with its error); the
              report job of a sharded sweep (deno task cli slurm) runs this
  --json      print {"dir", "results", "files", "foreign", "missing"[, "pruned"][, "incomplete"]} on stdout`,
  async run(args) {
    const { values, positionals } = parseFlags("report", args, {
      prune: { type: "boolean" },
      complete: { type: "boolean" },
      json: { type: "boolean" },
    }, { pathsFrom: 0 });
    if (positionals.length !== 1) {
      throw new UsageError(
        `report: expected one directory, got ${positionals.length}; usage: deno task cli report DIR`,
      );
    }
    const dir = positionals[0].replace(/\/+$/, "") || "/";
    try {
      const st = await Deno.stat(dir);
      if (!st.isDirectory) throw new UsageError(`report: ${dir} is not a directory`);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) throw new UsageError(`report: ${dir}: no such directory`);
      throw e;
    }
    const pruned = values.prune ? await pruneForeignRuns(dir) : undefined;
    if (pruned) {
      console.error(`report: moved ${pruned.length} run(s) not part of the suite to ${dir}/pruned/`);
    }
    const r = await generateReport(dir);
    const check = values.complete ? await incompleteRuns(dir) : undefined;
    if (check && check.planned === null) {
      throw new UsageError(
        `report --complete: ${dir}: ${check.note}; cannot tell which runs the suite plans`,
      );
    }
    const incomplete = check?.incomplete;
    if (values.json) {
      console.log(
        JSON.stringify({ dir, ...r, ...(pruned ? { pruned } : {}), ...(incomplete ? { incomplete } : {}) }),
      );
    } else {
      console.log(`report: ${r.results} run results -> ${r.files.map((f) => `${dir}/${f}`).join(", ")}`);
      if (r.foreign.length > 0) {
        console.error(
          `report: ${r.foreign.length} result(s) in ${dir}/runs are not part of this suite (listed in README.md, ` +
            `in no table); --prune moves them to ${dir}/pruned/`,
        );
      }
    }
    if (check && incomplete && incomplete.length > 0) {
      console.error(
        `report: incomplete: ${incomplete.length} of the ${check.planned} planned runs have no ok result ` +
          `(${incomplete.filter((x) => x.state === "missing").length} missing, ` +
          `${incomplete.filter((x) => x.state === "failed").length} failed):`,
      );
      for (const x of incomplete) {
        console.error(`  ${x.state} ${x.id} ${x.label}${x.error ? `: ${x.error.split("\n")[0]}` : ""}`);
      }
      return 1;
    }
    return 0;
  },
};
