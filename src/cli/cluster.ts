/**
 * `deno task cli cluster`: the DP-optimal interval clustering of the T denoising tasks (ANT, Go et al. 2023,
 * §4.1) for one objective, printed as a table or, with --json, as exactly one JSON object
 * `{"intervals": [[l, r], ...], "cost": number}` (0-indexed, inclusive bounds).
 *
 * @module
 */
import type { CliCommand } from "./command.ts";
import { enumFlag, intFlag, parseFlags } from "./args.ts";
import { makeSchedule, SCHEDULE_IDS, type ScheduleId } from "../diffusion/schedule.ts";
import { clusterTimesteps, OBJECTIVES } from "../clustering/registry.ts";
import { readAffinity } from "../clustering/affinity_io.ts";
import type { AffinityMatrix } from "../clustering/objective.ts";
import type { Partition } from "../clustering/dp.ts";
import { badValue, UsageError } from "../runtime/errors.ts";
import { MAX_T } from "../clustering/dp.ts";

const USAGE = `usage: deno task cli cluster --objective ${[...OBJECTIVES.keys()].join("|")} --k K
         [--schedule ${SCHEDULE_IDS.join("|")}] [--T 1000] [--affinity FILE.npy|FILE.json] [--json]

Partition the timesteps 0..T-1 into k contiguous intervals of minimal total cost (exact DP).

  --objective O   none (k = 1: one cluster), timestep (L1 spread of t: equal widths), snr (L1 spread of
                  log-SNR on --schedule), gradient (task affinity of --affinity; see 'cli affinity')
  --k K           number of clusters, 1 <= K <= T (default 1 for none; required otherwise)
  --schedule S    noise schedule for snr and for the log-SNR column (default linear)
  --T N           number of timesteps (default 1000; for gradient, the affinity matrix size)
  --affinity F    T x T task-affinity matrix (.npy, or .json with a "matrix" field)
  --json          print exactly one JSON object: {"intervals": [[l, r], ...], "cost": number}`;

/** The table printed without --json. */
export function clusterTable(
  objective: string,
  res: Partition,
  schedule: { id: string; logSnr: Float64Array },
  T: number,
): string {
  const f = (x: number) => x.toFixed(2);
  const rows = res.intervals.map(([l, r], i) => [
    String(i),
    `[${l}, ${r}]`,
    String(r - l + 1),
    `${l + 1}..${r + 1}`,
    `${f(schedule.logSnr[l])} .. ${f(schedule.logSnr[r])}`,
  ]);
  const head = ["cluster", "interval [l, r]", "width", "t (1-indexed)", `log-SNR (${schedule.id})`];
  const widths = head.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
  const line = (cells: string[]) => cells.map((c, j) => c.padEnd(widths[j])).join("  ").trimEnd();
  return [
    `objective ${objective}, k = ${res.intervals.length}, T = ${T}: total cost ${res.cost}`,
    line(head),
    line(widths.map((w) => "-".repeat(w))),
    ...rows.map(line),
  ].join("\n");
}

export const clusterCommand: CliCommand = {
  name: "cluster",
  summary: "DP-optimal timestep intervals for an objective (none, timestep, snr, gradient)",
  usage: USAGE,
  async run(args: string[]): Promise<number> {
    const { values, positionals } = parseFlags("cluster", args, {
      objective: { type: "string" },
      k: { type: "string" },
      schedule: { type: "string" },
      T: { type: "string" },
      affinity: { type: "string", path: true },
      json: { type: "boolean" },
    });
    if (positionals.length > 0) {
      throw new UsageError(`cluster: unexpected argument ${JSON.stringify(positionals[0])}\n${USAGE}`);
    }
    const objective = values.objective as string | undefined;
    if (objective === undefined) {
      throw new UsageError(badValue("--objective", objective, [...OBJECTIVES.keys()].join(" | ")));
    }
    if (!OBJECTIVES.has(objective)) {
      throw new UsageError(badValue("--objective", objective, [...OBJECTIVES.keys()].join(" | ")));
    }
    const scheduleId = enumFlag<ScheduleId>("schedule", values.schedule, SCHEDULE_IDS, "linear");
    const affinityPath = values.affinity as string | undefined;
    let affinity: AffinityMatrix | undefined;
    let T: number;
    if (affinityPath !== undefined) {
      if (objective !== "gradient") {
        throw new UsageError(badValue("--affinity", affinityPath, "only with --objective gradient"));
      }
      const givenT = values.T === undefined ? undefined : intFlag("T", values.T, 1000, 1, MAX_T);
      affinity = await readAffinity(affinityPath, givenT);
      T = affinity.T;
    } else {
      if (objective === "gradient") {
        throw new UsageError(
          badValue("--affinity", affinityPath, "a .npy or .json task-affinity matrix (needed by gradient)"),
        );
      }
      T = intFlag("T", values.T, 1000, 1, MAX_T);
    }
    if (values.k === undefined && objective !== "none") {
      throw new UsageError(badValue("--k", undefined, `an integer in [1, ${T}] (required for ${objective})`));
    }
    const k = intFlag("k", values.k, 1, 1, T);
    const schedule = makeSchedule(scheduleId, T);
    const res = clusterTimesteps(objective, k, { T, schedule, affinity });
    if (values.json) console.log(JSON.stringify({ intervals: res.intervals, cost: res.cost }));
    else console.log(clusterTable(objective, res, schedule, T));
    return 0;
  },
};
