/**
 * `deno task cli compare BASELINE CURRENT`: the regression check. Exit 1 on a regression, 0 otherwise, 2 on
 * unusable input (a malformed results.json, a flag value, or a threshold / direction key that names no
 * metric of either report).
 *
 * @module
 */
import type { CliCommand } from "./command.ts";
import { enumFlag, numberFlag, parseFlags } from "./args.ts";
import {
  type CompareOptions,
  compareResults,
  type CompareTest,
  metricKeysOf,
  readResultsJson,
  renderComparison,
} from "../report/compare.ts";
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

/** Older names of the test families. */
const TEST_ALIASES: Record<string, CompareTest> = { t: "t", rank: "rank", welch: "t", mannwhitney: "rank" };

/** The compare command. */
export const compareCommand: CliCommand = {
  name: "compare",
  summary:
    "regression check between two reports (paired by seed, Holm over the tests, AND a relative threshold); exit 1 on regression",
  usage: `usage: deno task cli compare BASELINE CURRENT [options]

BASELINE and CURRENT are report directories (with results.json) or results.json files. For every row and
metric in both, the final values over seeds are compared: paired by seed when both sides have the same
seeds (runs of one seed share their random streams), else as independent samples. The p-values of all
tests are Holm-adjusted together. A change is a regression only when it is significant after Holm
(p < --alpha) AND worse than the relative threshold of that metric. Rows that lost successful runs are
regressions too. Prints a Markdown summary; exit 1 on regression, 0 otherwise, 2 on unusable input
(including a threshold or direction key that names no metric of either report).

  --alpha P                 family-wise level (default: the current report's suite setting, else 0.05)
  --threshold KEY=REL       relative threshold for a metric key, e.g. fd-data=0.1 (repeatable)
  --default-threshold REL   threshold for other metrics (default 0.05)
  --direction KEY=lower|higher   override a metric's direction (repeatable)
  --test t|rank             t: paired t-test (same seeds) / Welch t-test; rank: exact Wilcoxon
                            signed-rank (same seeds) / Mann-Whitney U (default t; "welch" and
                            "mannwhitney" are accepted as the older names of t and rank)
  --unpaired                never pair by seed
  --json                    print the findings as one JSON object instead of Markdown`,
  async run(args) {
    const { values, positionals } = parseFlags("compare", args, {
      alpha: { type: "string" },
      threshold: { type: "string", multiple: true },
      "default-threshold": { type: "string" },
      direction: { type: "string", multiple: true },
      test: { type: "string" },
      unpaired: { type: "boolean" },
      json: { type: "boolean" },
    });
    if (positionals.length !== 2) {
      throw new UsageError(`compare: expected BASELINE and CURRENT, got ${positionals.length} argument(s)`);
    }
    const base = await readResultsJson(positionals[0]);
    const cur = await readResultsJson(positionals[1]);
    const known = new Set([...metricKeysOf(base), ...metricKeysOf(cur)]);
    const knownList = [...known].sort().join(", ");
    const checkKey = (where: string, key: string) => {
      if (!known.has(key)) {
        throw new UsageError(
          `compare: ${where}: ${JSON.stringify(key)} names no metric of ${positionals[0]} or ${
            positionals[1]
          }; metrics: ${knownList}`,
        );
      }
    };
    const suiteReg = cur.regression;
    const thresholds: Record<string, number> = {};
    for (const [k, v] of Object.entries(suiteReg?.thresholds ?? {})) {
      checkKey(`regression.thresholds of ${positionals[1]}`, k);
      thresholds[k] = v;
    }
    const isRel = (v: string) => v.trim() !== "" && Number.isFinite(Number(v)) && Number(v) >= 0;
    for (
      const [k, v] of Object.entries(
        keyValues("threshold", values.threshold, isRel, "KEY=REL with REL >= 0, e.g. fd-data=0.1"),
      )
    ) {
      checkKey("--threshold", k);
      thresholds[k] = Number(v);
    }
    const directions = keyValues(
      "direction",
      values.direction,
      (v) => v === "lower" || v === "higher",
      "KEY=lower|higher",
    ) as Record<string, Direction>;
    for (const k of Object.keys(directions)) checkKey("--direction", k);
    const testName = enumFlag("test", values.test, Object.keys(TEST_ALIASES), "t");
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
      test: TEST_ALIASES[testName],
      unpaired: values.unpaired === true,
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
