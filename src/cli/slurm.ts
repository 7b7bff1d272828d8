/**
 * `deno task cli slurm SUITE --shards N [...]`: run a suite as a Slurm array job. Writes OUT/slurm/array.sh
 * (task i trains shard i/N into OUT) and OUT/slurm/report.sh (`cli report OUT --complete`), submits the
 * array with `sbatch --parsable` and the report job with `--dependency=afterany:<array id>`, and prints
 * both job ids and how to watch them. Everything is checked before anything is submitted (exit 2 with one
 * line). The scripts come from src/cli/slurm_script.ts, like the docs/ templates.
 *
 * @module
 */
import type { CliCommand } from "./command.ts";
import { enumFlag, intFlag, parseFlags } from "./args.ts";
import { badValue, EnvironmentError, UsageError } from "../runtime/errors.ts";
import { checkCheckout, LAUNCH_BACKENDS, type LaunchPlan, planLaunch, shellQuote } from "./launch.ts";
import {
  allTasks,
  SLURM_DEFAULTS,
  slurmArrayScript,
  slurmDir,
  slurmJobName,
  slurmReportScript,
  type SlurmResources,
} from "./slurm_script.ts";
import { callerDir } from "./entry.ts";
import { atomicWriteFile } from "../runtime/atomic_write.ts";

/** Slurm's --time formats: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS. */
const TIME = /^(\d+|\d+:\d{2}|\d+:\d{2}:\d{2}|\d+-\d+|\d+-\d+:\d{2}|\d+-\d+:\d{2}:\d{2})$/;
/** Slurm's --mem: an integer with an optional K, M, G or T suffix. */
const MEM = /^\d+[KMGT]?$/;
/** Partition and account names (comma-separated lists allowed). */
const NAME = /^[A-Za-z0-9_.-]+(,[A-Za-z0-9_.-]+)*$/;
/** An --array index list: 2 | 2,5 | 0-3 | 0-3,6. */
const TASKS = /^\d+(-\d+)?(,\d+(-\d+)?)*$/;

/** Parsed launcher options. */
export interface SlurmLaunch {
  plan: LaunchPlan;
  resources: SlurmResources;
  /** `--tasks`: the array indices to submit (default all). */
  tasks?: string;
  /** The canonical command line (for headers and hints). */
  command: string;
}

function stringFlag(
  values: Record<string, unknown>,
  name: string,
  re: RegExp,
  allowed: string,
): string | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  if (typeof v !== "string" || !re.test(v)) throw new UsageError(badValue(`--${name}`, v, allowed));
  return v;
}

/** Check the --tasks list against the shard count. */
export function checkTasks(tasks: string, shards: number): string {
  if (!TASKS.test(tasks)) {
    throw new UsageError(badValue("--tasks", tasks, "array indices such as 3, 1,4 or 0-2,5"));
  }
  for (const part of tasks.split(",")) {
    const [a, b = a] = part.split("-").map(Number);
    if (a > b || b >= shards) {
      throw new UsageError(
        badValue("--tasks", tasks, `indices from 0 to ${shards - 1} (the ${shards} shards)`),
      );
    }
  }
  return tasks;
}

/** Parse and check the launcher's arguments (no submission, no files). */
export async function parseSlurmArgs(
  args: string[],
): Promise<SlurmLaunch & { dryRun: boolean; json: boolean }> {
  const { values, positionals } = parseFlags("slurm", args, {
    shards: { type: "string" },
    partition: { type: "string" },
    account: { type: "string" },
    "cpus-per-task": { type: "string" },
    "gpus-per-task": { type: "string" },
    mem: { type: "string" },
    time: { type: "string" },
    out: { type: "string" },
    backend: { type: "string" },
    tasks: { type: "string" },
    "max-parallel": { type: "string" },
    "dry-run": { type: "boolean" },
    json: { type: "boolean" },
  });
  if (positionals.length !== 1) {
    throw new UsageError(
      `slurm: expected one suite (an embedded name or a suite file), got ${positionals.length}` +
        (positionals.length ? `: ${positionals.join(" ")}` : ""),
    );
  }
  const cpusPerTask = intFlag("cpus-per-task", values["cpus-per-task"], SLURM_DEFAULTS.cpusPerTask, 1, 64);
  const gpusPerTask = intFlag("gpus-per-task", values["gpus-per-task"], SLURM_DEFAULTS.gpusPerTask, 0, 16);
  const mem = stringFlag(values, "mem", MEM, "an amount such as 4G, 500M or 16384 (megabytes)") ??
    SLURM_DEFAULTS.mem;
  const time = stringFlag(values, "time", TIME, "minutes, HH:MM:SS or D-HH:MM:SS, e.g. 04:00:00") ??
    SLURM_DEFAULTS.time;
  const partition = stringFlag(values, "partition", NAME, "a partition name (or a comma-separated list)");
  const account = stringFlag(values, "account", NAME, "an account name");
  const maxParallel = values["max-parallel"] === undefined
    ? undefined
    : intFlag("max-parallel", values["max-parallel"], 1, 1);
  const backend = values.backend === undefined
    ? (gpusPerTask > 0 ? "webgpu" as const : undefined)
    : enumFlag("backend", values.backend, LAUNCH_BACKENDS, "auto");
  const plan = await planLaunch("slurm", {
    suite: positionals[0],
    shards: values.shards,
    ...(typeof values.out === "string" ? { out: values.out } : {}),
    ...(backend ? { backend } : {}),
  });
  const tasks = typeof values.tasks === "string" ? checkTasks(values.tasks, plan.shards) : undefined;
  const resources: SlurmResources = {
    cpusPerTask,
    gpusPerTask,
    mem,
    time,
    ...(partition ? { partition } : {}),
    ...(account ? { account } : {}),
    ...(maxParallel ? { maxParallel } : {}),
  };
  return {
    plan,
    resources,
    ...(tasks ? { tasks } : {}),
    command: canonicalCommand(plan, resources, values.backend !== undefined),
    dryRun: values["dry-run"] === true,
    json: values.json === true,
  };
}

/** The launcher command line that reproduces `plan` and `r` (defaults left out). */
export function canonicalCommand(plan: LaunchPlan, r: SlurmResources, explicitBackend = false): string {
  const d = SLURM_DEFAULTS;
  return [
    "deno task cli slurm",
    shellQuote(plan.suite),
    `--shards ${plan.shards}`,
    ...(r.partition ? [`--partition ${r.partition}`] : []),
    ...(r.account ? [`--account ${r.account}`] : []),
    ...(r.cpusPerTask !== d.cpusPerTask ? [`--cpus-per-task ${r.cpusPerTask}`] : []),
    ...(r.gpusPerTask !== d.gpusPerTask ? [`--gpus-per-task ${r.gpusPerTask}`] : []),
    ...(r.mem !== d.mem ? [`--mem ${r.mem}`] : []),
    ...(r.time !== d.time ? [`--time ${r.time}`] : []),
    ...(r.maxParallel ? [`--max-parallel ${r.maxParallel}`] : []),
    ...(plan.out !== `reports/${plan.suiteName}` ? [`--out ${plan.out}`] : []),
    ...(explicitBackend && plan.backend ? [`--backend ${plan.backend}`] : []),
  ].join(" ");
}

/**
 * The array and report scripts of a launch (what `--dry-run` prints and the launcher submits). `chdir`:
 * the checkout's absolute path (omitted: scripts to submit from the repository root); `resubmit`: what
 * the report job says to do when runs are missing (default: the launcher command again).
 */
export function slurmScripts(
  l: Omit<SlurmLaunch, "tasks">,
  o: { chdir?: string; resubmit?: string } = {},
): { array: string; report: string } {
  const ctx = {
    ...(o.chdir ? { chdir: o.chdir } : {}),
    generatedBy: l.command,
    resubmit: o.resubmit ?? `${l.command} (finished runs are skipped; --tasks LIST submits only some shards)`,
  };
  return {
    array: slurmArrayScript(l.plan, l.resources, ctx),
    report: slurmReportScript(l.plan, l.resources, ctx),
  };
}

/** Run sbatch with `args`; resolves to the job id (`--parsable` prints "id" or "id;cluster"). */
async function sbatch(args: string[], cwd: string): Promise<string> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command("sbatch", {
      args: ["--parsable", ...args],
      cwd,
      stdout: "piped",
      stderr: "piped",
    })
      .output();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new EnvironmentError(
        "slurm: sbatch is not on PATH: run the launcher on a host that can submit Slurm jobs, or add " +
          "--dry-run to print the scripts only",
      );
    }
    throw e;
  }
  const dec = new TextDecoder();
  const stdout = dec.decode(out.stdout).trim();
  const stderr = dec.decode(out.stderr).trim().split("\n").filter(Boolean);
  const m = /^(\d+)(;\S+)?$/.exec(stdout.split("\n").pop() ?? "");
  if (out.code !== 0 || !m) {
    throw new EnvironmentError(
      `slurm: sbatch ${args.join(" ")} failed (exit ${out.code}): ${
        stderr.join(" | ") || stdout || "no output"
      }`,
    );
  }
  return m[1];
}

/** The slurm command. */
export const slurmCommand: CliCommand = {
  name: "slurm",
  summary: "run a suite as a Slurm array job (one task per shard) plus a dependent report job",
  usage: `usage: deno task cli slurm SUITE --shards N [options]

Writes OUT/slurm/array.sh (an array job: task i runs 'deno task bench SUITE --shard i/N --jobs
$SLURM_CPUS_PER_TASK --no-report --out OUT') and OUT/slurm/report.sh ('deno task cli report OUT --complete':
exits 1 naming every run without an ok result), submits the array with 'sbatch --parsable' and the report
job with --dependency=afterany:<array id>, and prints both job ids, how to watch them and where the logs
go (OUT/slurm/). All tasks write one OUT on a shared filesystem (shard locks and run claims:
src/suite/lock.ts). Running the same command again resumes: finished runs are skipped and a run whose task
died is trained again.

  --shards N           number of shards = array tasks (1 to the suite's number of runs)
  --partition P        #SBATCH --partition (default: the cluster's default partition)
  --account A          #SBATCH --account
  --cpus-per-task C    CPUs per task, and the shard's --jobs (default ${SLURM_DEFAULTS.cpusPerTask})
  --gpus-per-task G    #SBATCH --gres=gpu:G per task; G > 0 runs the shards with --backend webgpu
                       (default ${SLURM_DEFAULTS.gpusPerTask})
  --mem M              memory per task, e.g. 4G (default ${SLURM_DEFAULTS.mem})
  --time T             time limit per task and for the report job (default ${SLURM_DEFAULTS.time})
  --max-parallel P     at most P tasks at once (--array=0-(N-1)%P)
  --backend B          ${
    LAUNCH_BACKENDS.join(" | ")
  } for every shard (default: webgpu with GPUs, else the suite's)
  --out DIR            output directory under reports/ (default reports/<suite>)
  --tasks LIST         submit only these array indices (e.g. 2,5 or 0-3) to resubmit some shards
  --dry-run            check everything and print the two scripts; write and submit nothing
  --json               print {"array", "report", "tasks", "shards", "runs", "out", "scripts", "logs"}

The scripts run this checkout (#SBATCH --chdir), which every node must see at the same path. Without
sbatch on PATH, --dry-run still works; docs/slurm_array.sh and docs/slurm_report.sh are the same scripts
in a form to submit from the repository root.`,
  async run(args) {
    const l = await parseSlurmArgs(args);
    const { plan } = l;
    const scripts = slurmScripts(l, { chdir: plan.root });
    const dir = slurmDir(plan);
    if (l.dryRun) {
      console.log(
        `# ==> ${dir}/array.sh <==\n${scripts.array}\n# ==> ${dir}/report.sh <==\n${scripts.report}`,
      );
      console.error(
        `slurm: dry run: would write ${dir}/array.sh and ${dir}/report.sh, then run 'sbatch --parsable ` +
          `${l.tasks ? `--array=${l.tasks} ` : ""}${dir}/array.sh' and 'sbatch --parsable ` +
          `--dependency=afterany:<array job id> ${dir}/report.sh'`,
      );
      return 0;
    }
    checkCheckout(plan.root);
    await Deno.mkdir(`${plan.root}/${dir}`, { recursive: true });
    await atomicWriteFile(`${plan.root}/${dir}/array.sh`, scripts.array);
    await atomicWriteFile(`${plan.root}/${dir}/report.sh`, scripts.report);
    const arrayId = await sbatch([...(l.tasks ? [`--array=${l.tasks}`] : []), `${dir}/array.sh`], plan.root);
    let reportId: string;
    try {
      reportId = await sbatch([`--dependency=afterany:${arrayId}`, `${dir}/report.sh`], plan.root);
    } catch (e) {
      throw new EnvironmentError(
        `slurm: array job ${arrayId} was submitted, but the report job was not (${
          (e as Error).message.replace(/^slurm: /, "")
        }); submit it with: sbatch --dependency=afterany:${arrayId} ${dir}/report.sh`,
      );
    }
    const tasks = l.tasks ?? allTasks(plan, l.resources.maxParallel);
    const shown = (p: string) => callerDir() === plan.root ? p : `${plan.root}/${p}`;
    if (l.json) {
      console.log(JSON.stringify({
        array: arrayId,
        report: reportId,
        tasks,
        shards: plan.shards,
        runs: plan.runs,
        out: plan.out,
        scripts: [`${dir}/array.sh`, `${dir}/report.sh`],
        logs: dir,
      }));
    } else {
      const name = slurmJobName(plan);
      console.log(
        [
          `slurm: submitted array job ${arrayId} (tasks ${tasks}: shard i/${plan.shards} of suite ${plan.suiteName}, ` +
          `${plan.runs} runs) and report job ${reportId} (starts when every task has ended: afterany)`,
          `  watch:   squeue -j ${arrayId},${reportId}`,
          `  logs:    ${shown(dir)}/${name}-${arrayId}_<task>.out, ${
            shown(dir)
          }/${name}-report-${reportId}.out`,
          `  report:  ${shown(plan.out)}/README.md once job ${reportId} ends; it exits 1 naming every run ` +
          `without an ok result`,
          `  resume:  ${l.command} (finished runs are skipped; --tasks LIST for some shards only)`,
          `  cancel:  scancel ${arrayId} ${reportId}`,
        ].join("\n"),
      );
    }
    return 0;
  },
};
