/**
 * `deno task cli power RESULTS_DIR`: how many seeds a follow-up needs, per row, to detect a relative effect
 * with the paired t-test the verdicts use (exact noncentral t), with and without Holm's correction.
 *
 * @module
 */
import type { CliCommand } from "./command.ts";
import { numberFlag, parseFlags } from "./args.ts";
import { UsageError } from "../runtime/errors.ts";
import { readAllResults } from "../suite/store.ts";
import { aggregate } from "../report/aggregate.ts";
import { readReportSettings } from "../report/settings.ts";
import { followUps } from "../report/follow_up.ts";
import { fmtNum, fmtPct, roundSig } from "../report/format.ts";
import { fmtEffect } from "../report/verdict.ts";

function seeds(n: number | null): string {
  return n === null ? "unknown" : String(n);
}

/** The power command. */
export const powerCommand: CliCommand = {
  name: "power",
  summary: "seeds a follow-up needs per row to detect an effect (paired t-test, with and without Holm)",
  usage:
    `usage: deno task cli power RESULTS_DIR [--effect REL] [--alpha A] [--power P] [--metric KEY] [--json]

Reads RESULTS_DIR/runs/*/result.json (and RESULTS_DIR/suite.json) as \`report\` does and, for every row and
comparison (vs matched control, vs vanilla) of the headline metric, prints: paired seeds now, the sd of
the per-seed differences relative to the reference mean, the observed difference, the power the current
seeds have for the effect, the minimum detectable effect now, and the seeds a follow-up needs for the
effect at level --alpha (one test) and at Holm's worst case alpha/m (m = tests in the table). Power is
exact (noncentral t). The sd comes from the current seeds: with 2-3 seeds it is itself uncertain.

  --effect REL    relative effect to detect, e.g. 0.1 = 10% of the reference mean (default 0.1)
  --alpha A       level (default: the suite's verdict.alpha, else 0.05)
  --power P       target power (default: the suite's verdict.power, else 0.8)
  --metric KEY    metric key instead of the headline, e.g. kid-digits8-cnn
  --json          print {"dir", "effect", "alpha", "power", "rows": [...]} instead of Markdown`,
  async run(args) {
    const { values, positionals } = parseFlags("power", args, {
      effect: { type: "string" },
      alpha: { type: "string" },
      power: { type: "string" },
      metric: { type: "string" },
      json: { type: "boolean" },
    });
    if (positionals.length !== 1) {
      throw new UsageError(`power: expected one RESULTS_DIR, got ${positionals.length} argument(s)`);
    }
    const dir = positionals[0].replace(/\/+$/, "");
    const results = await readAllResults(dir);
    if (results.length === 0) throw new UsageError(`power: no run results under ${dir}/runs/*/result.json`);
    const settings = await readReportSettings(dir);
    const effect = numberFlag("effect", values.effect, 0.1, 1e-9, 100);
    const alpha = numberFlag("alpha", values.alpha, settings.alpha, 1e-12, 0.5);
    const power = numberFlag("power", values.power, settings.power, alpha, 0.999999);
    const groups = aggregate(results, { ...settings, alpha, power, bootstrap: 0 });
    const metric = values.metric as string | undefined;
    if (metric !== undefined && !groups.some((g) => g.metricKeys.includes(metric))) {
      const keys = [...new Set(groups.flatMap((g) => g.metricKeys))].sort();
      throw new UsageError(`power: --metric: got ${JSON.stringify(metric)}; allowed: ${keys.join(" | ")}`);
    }
    const plans = followUps(groups, { effect, alpha, power, ...(metric ? { metric } : {}) });
    if (values.json) {
      const rows = plans.map((p) => ({
        ...p,
        relativeSd: roundSig(p.relativeSd),
        observed: roundSig(p.observed),
        powerNow: roundSig(p.powerNow),
        mde: roundSig(p.mde),
        mdeHolm: roundSig(p.mdeHolm),
      }));
      console.log(JSON.stringify({ dir, effect, alpha, power, rows }));
      return 0;
    }
    const out = [
      `## antbench power: ${dir}`,
      "",
      `Seeds a follow-up needs to detect a ${fmtEffect(effect)} relative difference with ${
        fmtEffect(power)
      } power (two-sided paired t-test on per-seed differences, exact noncentral t), at α = ${alpha} ` +
      "as one test and at Holm's worst case α/m over the m tests of the table. The sd of the differences " +
      "is the one observed now; with few seeds it is itself uncertain.",
      "",
      "| group | row | metric | vs | seeds now | sd of Δ (rel.) | observed Δ | power now | MDE now (Holm) | seeds needed | seeds needed, Holm (m) |",
      "|---|---|---|---|---|---|---|---|---|---|---|",
    ];
    for (const p of plans) {
      out.push(
        `| ${p.group} | ${p.row} | ${p.metric} | ${
          p.against === "control" ? "matched control" : "vanilla"
        } | ${p.n} | ` +
          `${fmtEffect(p.relativeSd)} | ${fmtPct(p.observed)} | ${fmtNum(p.powerNow, 2)} | ` +
          `±${fmtEffect(p.mde)} (±${fmtEffect(p.mdeHolm)}) | ${seeds(p.seeds)} | ${
            seeds(p.seedsHolm)
          } (m=${p.m}) |`,
      );
    }
    if (plans.length === 0) {
      out.push("", "No paired comparisons: the results have no vanilla baseline or control.");
    }
    console.log(out.join("\n") + "\n");
    return 0;
  },
};
