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
import { badValue, UsageError } from "../runtime/errors.ts";
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

/** What changes when a run finishes or a log grows: each run directory's result and log sizes and times. */
async function signature(dir: string): Promise<string> {
  const parts: string[] = [];
  for (const id of await listRunIds(dir)) {
    for (const f of ["result.json", "log.jsonl", "config.json"]) {
      try {
        const st = await Deno.stat(`${runDir(dir, id)}/${f}`);
        parts.push(`${id}/${f}:${st.size}:${st.mtime?.getTime() ?? 0}`);
      } catch { /* not there (yet) */ }
    }
  }
  return parts.join("|");
}

/** Options of {@link watchReport}. */
export interface WatchOptions {
  /** How often to look for changes (default 5000 ms). */
  intervalMs?: number;
  /** Told after each regeneration. */
  onUpdate?: (r: Awaited<ReturnType<typeof generateReport>>) => void;
  /** Told while nothing can be reported yet (no result, no run started). */
  onWaiting?: (message: string) => void;
  /** Stop early (e.g. a test's abort). */
  signal?: AbortSignal;
}

/**
 * Regenerate DIR's report whenever a run finishes, starts or its log grows, until every planned run has a
 * result (or, without a plan, no run is in progress any more); resolves to the last report.
 */
export async function watchReport(
  dir: string,
  opts: WatchOptions = {},
): Promise<Awaited<ReturnType<typeof generateReport>> | null> {
  const interval = opts.intervalMs ?? 5000;
  let last = "";
  let rep: Awaited<ReturnType<typeof generateReport>> | null = null;
  while (!opts.signal?.aborted) {
    const sig = await signature(dir);
    if (sig !== last) {
      last = sig;
      try {
        rep = await generateReport(dir);
        opts.onUpdate?.(rep);
      } catch (e) {
        if (!(e instanceof UsageError)) throw e;
        opts.onWaiting?.(e.message);
      }
      const inFlight = rep ? rep.running + rep.interrupted : 0;
      const complete = rep !== null && rep.missing === 0 && inFlight === 0;
      const idle = rep !== null && rep.running === 0 && (await plannedRunIds(dir)).ids === null;
      if (complete || idle) return rep;
    }
    await new Promise((r) => setTimeout(r, interval));
  }
  return rep;
}

/** The report command. */
export const reportCommand: CliCommand = {
  name: "report",
  summary:
    "regenerate a suite's report (results.json, README.md, CSV, HTML, benchmark JSON) from stored results",
  usage: `usage: deno task cli report DIR [--watch [--interval S]] [--prune] [--complete] [--json]

Reads DIR/suite.json and the results of its runs, DIR/runs/<id>/result.json, and writes, atomically:
  results.json    versioned results (deterministic: no timestamps or durations)
  README.md       tables: mean ± 95% CI over seeds with the real-vs-real floor, Δ vs matched control and
                  vs vanilla (paired t, Holm over the table), verdicts by the stated rule, MDE, steps to
                  target with bootstrap intervals; runs in progress; the figures
  results.csv     the tables in long form
  report.html     one self-contained page (charts and images inlined): convergence with seed bands and
                  floors, training and per-cluster losses, clusters, affinity heatmap, samples beside the
                  real reference, runs in progress with their loss curves so far
  figures/*.svg   every chart as a standalone SVG file
  benchmark.json  github-action-benchmark customSmallerIsBetter (benchmark-bigger.json: customBiggerIsBetter)
  timing.json, timing.md   wall-clock step times (not deterministic)
Works while a bench trains in DIR: finished runs enter the tables, runs that have started are listed as
"running" (a live process holds them) or "interrupted" with their curves so far. Only the runs of the
suite's current expansion enter the tables; other results in DIR/runs (an earlier version of the suite
file, another antbench version) are listed in README.md as not part of this suite. Without DIR/suite.json
every stored result is reported.

  --watch       regenerate whenever a run finishes or starts or a log grows, until every planned run has a
                result (without suite.json: until no run is in progress); Ctrl-C stops it at any time
  --interval S  seconds between looks for changes (default 5)
  --prune       move the results that are not part of the suite to DIR/pruned/<id>/ (delete that
                directory to discard them); needs DIR free of a running bench
  --complete    after writing the report, exit 1 when a planned run has no ok result, naming each one
                (missing: never trained, or its process died while training; failed: with its error); the
                report job of a sharded sweep (deno task cli slurm) runs this
  --json        print {"dir", "results", "running", "interrupted", "files", "foreign", "missing"[, "pruned"]
                [, "incomplete"]} on stdout (with --watch: one line per regeneration)`,
  async run(args) {
    const { values, positionals } = parseFlags("report", args, {
      prune: { type: "boolean" },
      complete: { type: "boolean" },
      json: { type: "boolean" },
      watch: { type: "boolean" },
      interval: { type: "string" },
    }, { pathsFrom: 0 });
    const interval = values.interval === undefined ? 5 : Number(values.interval);
    if (!(Number.isFinite(interval) && interval >= 0.1 && interval <= 3600)) {
      throw new UsageError(badValue("--interval", values.interval, "seconds between 0.1 and 3600"));
    }
    if (values.interval !== undefined && !values.watch) {
      throw new UsageError("report: --interval needs --watch");
    }
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
    const say = (r: Awaited<ReturnType<typeof generateReport>>) => {
      if (values.json) console.log(JSON.stringify({ dir, ...r }));
      else {
        console.log(
          `report: ${r.results} finished, ${r.running} running, ${r.interrupted} interrupted, ${r.missing} ` +
            `without a result -> ${dir}/report.html`,
        );
      }
    };
    if (values.watch) {
      const last = await watchReport(dir, {
        intervalMs: interval * 1000,
        onUpdate: say,
        onWaiting: (m) => console.error(`report: waiting: ${m}`),
      });
      if (!values.json && last) {
        console.error(`report: ${dir}: every run has a result or none is in progress; done`);
      }
      return 0;
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
      const figures = r.files.filter((f) => f.startsWith("figures/")).length;
      console.log(
        `report: ${r.results} run results -> ${
          r.files.filter((f) => !f.startsWith("figures/")).map((f) => `${dir}/${f}`).join(", ")
        }${figures ? `, ${dir}/figures/ (${figures} SVG)` : ""}`,
      );
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
