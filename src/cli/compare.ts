/**
 * `deno task cli compare BASELINE CURRENT`: the regression check. Exit 1 on a regression, 0 otherwise, 2 on
 * unusable input.
 *
 * @module
 */
import type { CliCommand } from "./command.ts";
import { enumFlag, numberFlag, parseFlags } from "./args.ts";
import { type CompareOptions, compareResults, readResultsJson, renderComparison } from "../report/compare.ts";
import { badValue, UsageError } from "../runtime/errors.ts";
import type { Direction } from "../report/metric_info.ts";

function keyValues(
  flag: string,
  list: unknown,
  parse: (v: string) => boolean,
  allowed: string,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of (list as string[] | undefined) ?? []) {
    const m = /^([^=]+)=(.+)$/.exec(item);
    if (!m || !parse(m[2])) throw new UsageError(badValue(`--${flag}`, item, allowed));
    out[m[1]] = m[2];
  }
  return out;
}

/** The compare command. */
export const compareCommand: CliCommand = {
  name: "compare",
  summary:
    "regression check between two reports (significance over seeds AND a relative threshold); exit 1 on regression",
  usage: `usage: deno task cli compare BASELINE CURRENT [options]

BASELINE and CURRENT are report directories (with results.json) or results.json files. For every row and
metric in both, the final values over seeds are compared. A change is a regression only when it is
significant (p < --alpha) AND worse than the relative threshold of that metric. Rows that lost successful
runs are regressions too. Prints a Markdown summary; exit 1 on regression, 0 otherwise, 2 on unusable input.

  --alpha P                 significance level (default: the current report's suite setting, else 0.05)
  --threshold KEY=REL       relative threshold for a metric key, e.g. fd-data=0.1 (repeatable)
  --default-threshold REL   threshold for other metrics (default 0.05)
  --direction KEY=lower|higher   override a metric's direction (repeatable)
  --test welch|mannwhitney  two-sample test over seeds (default welch)
  --json                    print the findings as one JSON object instead of Markdown`,
  async run(args) {
    const { values, positionals } = parseFlags("compare", args, {
      alpha: { type: "string" },
      threshold: { type: "string", multiple: true },
      "default-threshold": { type: "string" },
      direction: { type: "string", multiple: true },
      test: { type: "string" },
      json: { type: "boolean" },
    });
    if (positionals.length !== 2) {
      throw new UsageError(`compare: expected BASELINE and CURRENT, got ${positionals.length} argument(s)`);
    }
    const base = await readResultsJson(positionals[0]);
    const cur = await readResultsJson(positionals[1]);
    const suiteReg = (cur as {
      regression?: { alpha?: number; defaultThreshold?: number; thresholds?: Record<string, number> };
    }).regression;
    const thresholds: Record<string, number> = { ...(suiteReg?.thresholds ?? {}) };
    const isRel = (v: string) => v.trim() !== "" && Number.isFinite(Number(v)) && Number(v) >= 0;
    for (
      const [k, v] of Object.entries(
        keyValues("threshold", values.threshold, isRel, "KEY=REL with REL >= 0, e.g. fd-data=0.1"),
      )
    ) {
      thresholds[k] = Number(v);
    }
    const directions = keyValues(
      "direction",
      values.direction,
      (v) => v === "lower" || v === "higher",
      "KEY=lower|higher",
    ) as Record<string, Direction>;
    const opts: CompareOptions = {
      alpha: numberFlag("alpha", values.alpha, suiteReg?.alpha ?? 0.05, 1e-12, 1),
      defaultThreshold: numberFlag(
        "default-threshold",
        values["default-threshold"],
        suiteReg?.defaultThreshold ?? 0.05,
        0,
      ),
      thresholds,
      directions,
      test: enumFlag("test", values.test, ["welch", "mannwhitney"] as const, "welch"),
    };
    const cmp = compareResults(base, cur, opts);
    if (cmp.findings.length === 0) {
      throw new UsageError(
        `compare: no row and metric in common between ${positionals[0]} and ${positionals[1]}`,
      );
    }
    if (values.json) console.log(JSON.stringify({ regressionCount: cmp.regressions.length, ...cmp }));
    else console.log(renderComparison(cmp, opts, [positionals[0], positionals[1]]));
    return cmp.regressions.length > 0 ? 1 : 0;
  },
};
