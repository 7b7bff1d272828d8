import assert from "node:assert/strict";
import { canonicalCommand, checkTasks, parseSlurmArgs, slurmScripts } from "./slurm.ts";
import { UsageError } from "../runtime/errors.ts";
import { REPO_ROOT } from "../data/files.ts";

/**
 * Run a generated script with bash in a scratch directory whose node_modules/.bin/deno records its
 * arguments (one per line) and exits with `denoExit`; `env` is the task's Slurm environment.
 */
async function runScript(script: string, env: Record<string, string>, denoExit = 0) {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/node_modules/.bin`, { recursive: true });
    await Deno.writeTextFile(
      `${dir}/node_modules/.bin/deno`,
      `#!/usr/bin/env bash\nprintf '%s\\n' "$@" > "${dir}/argv"\nexit ${denoExit}\n`,
    );
    await Deno.chmod(`${dir}/node_modules/.bin/deno`, 0o755);
    await Deno.writeTextFile(`${dir}/job.sh`, script);
    const out = await new Deno.Command("bash", {
      args: ["job.sh"],
      cwd: dir,
      env,
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    }).output();
    let argv: string[] | null = null;
    try {
      argv = (await Deno.readTextFile(`${dir}/argv`)).trimEnd().split("\n");
    } catch { /* deno not reached */ }
    return { code: out.code, stderr: new TextDecoder().decode(out.stderr), argv };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const PATH = { PATH: "/usr/bin:/bin" };

Deno.test("slurm: the array script runs shard SLURM_ARRAY_TASK_ID/N with the task's CPUs as --jobs", async () => {
  const l = await parseSlurmArgs(["nightly", "--shards", "8", "--partition", "gpu", "--time", "1-00:00:00"]);
  const { array } = slurmScripts(l, { chdir: "/shared/antbench" });
  const lines = array.split("\n");
  for (
    const want of [
      "#SBATCH --job-name=antbench-nightly",
      "#SBATCH --array=0-7",
      "#SBATCH --cpus-per-task=2",
      "#SBATCH --mem=4G",
      "#SBATCH --time=1-00:00:00",
      "#SBATCH --partition=gpu",
      "#SBATCH --chdir=/shared/antbench",
      "#SBATCH --output=reports/nightly/slurm/%x-%A_%a.out",
    ]
  ) assert.ok(lines.includes(want), want);
  // sbatch reads #SBATCH lines only up to the first command.
  const firstCommand = lines.findIndex((x) => x !== "" && !x.startsWith("#"));
  assert.ok(lines.findLastIndex((x) => x.startsWith("#SBATCH")) < firstCommand);
  assert.ok(!array.includes("--gres") && !array.includes("--backend"));

  const r = await runScript(array, { ...PATH, SLURM_ARRAY_TASK_ID: "5", SLURM_CPUS_PER_TASK: "3" });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.argv, [
    "task",
    "bench",
    "nightly",
    "--shard",
    "5/8",
    "--jobs",
    "3",
    "--no-report",
    "--out",
    "reports/nightly",
  ]);
  // Without SLURM_CPUS_PER_TASK (an older Slurm), --cpus-per-task's value.
  assert.equal((await runScript(array, { ...PATH, SLURM_ARRAY_TASK_ID: "0" })).argv?.[6], "2");
  // A resubmission of task 5 alone has SLURM_ARRAY_TASK_COUNT=1: the split must not change.
  const again = await runScript(array, { ...PATH, SLURM_ARRAY_TASK_ID: "5", SLURM_ARRAY_TASK_COUNT: "1" });
  assert.equal(again.argv?.[4], "5/8");
  const out = await runScript(array, { ...PATH, SLURM_ARRAY_TASK_ID: "8" });
  assert.equal(out.code, 2);
  assert.equal(out.argv, null);
  assert.match(out.stderr, /array task 8 is outside the 8 shards \(0-7\)/);
  const plain = await runScript(array, PATH);
  assert.notEqual(plain.code, 0);
  assert.equal(plain.argv, null);
  assert.match(plain.stderr, /submit this script with sbatch: it is an array job/);
});

Deno.test("slurm: GPUs per task add the gres line and WebGPU; --max-parallel throttles the array", async () => {
  const l = await parseSlurmArgs(
    ["nightly", "--shards", "4", "--gpus-per-task", "1", "--cpus-per-task", "8", "--max-parallel", "2"],
  );
  const { array } = slurmScripts(l);
  assert.ok(array.includes("\n#SBATCH --gres=gpu:1\n"));
  assert.ok(array.includes("\n#SBATCH --array=0-3%2\n"));
  assert.ok(!array.includes("--chdir"), "a template has no --chdir");
  const r = await runScript(array, { ...PATH, SLURM_ARRAY_TASK_ID: "3", SLURM_CPUS_PER_TASK: "8" });
  assert.deepEqual(r.argv?.slice(3), [
    "--shard",
    "3/4",
    "--jobs",
    "8",
    "--no-report",
    "--out",
    "reports/nightly",
    "--backend",
    "webgpu",
  ]);
  // An explicit backend wins.
  const w = await parseSlurmArgs(["nightly", "--shards", "4", "--gpus-per-task", "1", "--backend", "wasm"]);
  assert.ok(slurmScripts(w).array.includes("--backend wasm"));
  assert.equal(w.command, "deno task cli slurm nightly --shards 4 --gpus-per-task 1 --backend wasm");
});

Deno.test("slurm: the report job reports OUT --complete, and on failure says how to resubmit", async () => {
  const l = await parseSlurmArgs(["nightly", "--shards", "8", "--mem", "8G"]);
  const { report } = slurmScripts(l);
  assert.ok(report.includes("\n#SBATCH --job-name=antbench-nightly-report\n"));
  assert.ok(report.includes("\n#SBATCH --output=reports/nightly/slurm/%x-%j.out\n"));
  assert.ok(report.includes("\n#SBATCH --mem=8G\n"));
  const ok = await runScript(report, PATH, 0);
  assert.equal(ok.code, 0);
  assert.deepEqual(ok.argv, ["task", "cli", "report", "reports/nightly", "--complete"]);
  assert.equal(ok.stderr, "");
  const bad = await runScript(report, PATH, 1);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /suite nightly is incomplete or its report failed \(exit 1, above\)/);
  assert.match(
    bad.stderr,
    /resubmit with: deno task cli slurm nightly --shards 8 --mem 8G \(finished runs are skipped/,
  );
});

Deno.test("slurm: bad flags are one-line UsageErrors before anything is written or submitted", async () => {
  const cases: [string[], RegExp][] = [
    [["nightly", "--shards", "4", "--time", "4h"], /--time: got "4h"; allowed: minutes, HH:MM:SS/],
    [["nightly", "--shards", "4", "--mem", "4GB"], /--mem: got "4GB"/],
    [["nightly", "--shards", "4", "--partition", "a b"], /--partition: got "a b"/],
    [
      ["nightly", "--shards", "4", "--cpus-per-task", "0"],
      /--cpus-per-task: got "0"; allowed: an integer in \[1, 64\]/,
    ],
    [["nightly", "--shards", "4", "--gpus-per-task", "-1"], /--gpus-per-task: got "-1"/],
    [
      ["nightly", "--shards", "4", "--backend", "cuda"],
      /--backend: got "cuda"; allowed: auto \| webgpu \| native \| wasm \| cpu/,
    ],
    [["nightly", "--shards", "4", "--tasks", "4"], /--tasks: got "4"; allowed: indices from 0 to 3/],
    [["nightly", "--shards", "4", "--tasks", "1,,2"], /--tasks: got "1,,2"; allowed: array indices/],
    [["nightly", "--shards", "4", "--nodes", "2"], /unknown flag --nodes/],
    [["nightly"], /--shards N is required/],
    [["--shards", "4"], /expected one suite/],
  ];
  for (const [args, re] of cases) {
    await assert.rejects(
      () => parseSlurmArgs(args),
      (e: Error) => e instanceof UsageError && re.test(e.message) && !e.message.includes("\n"),
      args.join(" "),
    );
  }
  assert.equal(checkTasks("0-1,3", 4), "0-1,3");
  assert.throws(() => checkTasks("2-1", 4), /--tasks/);
});

Deno.test("slurm: the canonical command reproduces the launch", async () => {
  const args = [
    `${REPO_ROOT}/fixtures/suite/slurm_e2e.yaml`,
    "--shards",
    "4",
    "--cpus-per-task",
    "1",
    "--mem",
    "1G",
    "--out",
    `${REPO_ROOT}/reports/x`,
    "--account",
    "lab",
  ];
  const l = await parseSlurmArgs(args);
  assert.equal(
    l.command,
    "deno task cli slurm fixtures/suite/slurm_e2e.yaml --shards 4 --account lab --cpus-per-task 1 --mem 1G " +
      "--out reports/x",
  );
  const again = await parseSlurmArgs(l.command.split(" ").slice(4));
  assert.deepEqual(again.plan, l.plan);
  assert.deepEqual(again.resources, l.resources);
  assert.equal(canonicalCommand(again.plan, again.resources), l.command);
});
