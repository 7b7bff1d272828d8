/**
 * `deno task cli report DIR`: regenerate results.json, README.md, results.csv, report.html,
 * benchmark.json and timing files of a suite output directory from its stored run results.
 *
 * @module
 */
import type { CliCommand } from "./command.ts";
import { parseFlags } from "./args.ts";
import { generateReport } from "../report/generate.ts";
import { UsageError } from "../runtime/errors.ts";

/** The report command. */
export const reportCommand: CliCommand = {
  name: "report",
  summary:
    "regenerate a suite's report (results.json, README.md, CSV, HTML, benchmark JSON) from stored results",
  usage: `usage: deno task cli report DIR [--json]

Reads DIR/runs/*/result.json (and DIR/suite.json when present) and writes, atomically:
  results.json    versioned results (deterministic: no timestamps or durations)
  README.md       tables: mean ± 95% CI over seeds with the real-vs-real floor, Δ vs matched control and
                  vs vanilla (paired t, Holm over the table), verdicts by the stated rule, MDE, steps to
                  target with bootstrap intervals
  results.csv     the tables in long form
  report.html     offline page with SVG convergence curves, clusters, affinity heatmap, samples
  benchmark.json  github-action-benchmark customSmallerIsBetter (benchmark-bigger.json: customBiggerIsBetter)
  timing.json, timing.md   wall-clock step times (not deterministic)

  --json   print {"dir", "results", "files"} on stdout`,
  async run(args) {
    const { values, positionals } = parseFlags("report", args, { json: { type: "boolean" } });
    if (positionals.length !== 1) {
      throw new UsageError(
        `report: expected one directory, got ${positionals.length}; usage: deno task cli report DIR`,
      );
    }
    const dir = positionals[0];
    const r = await generateReport(dir);
    if (values.json) console.log(JSON.stringify({ dir, ...r }));
    else console.log(`report: ${r.results} run results -> ${r.files.map((f) => `${dir}/${f}`).join(", ")}`);
    return 0;
  },
};
