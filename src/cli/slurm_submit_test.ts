/**
 * `deno task cli slurm` as the real task (deno.json's flags: --allow-run=...,sbatch) against a stand-in
 * sbatch on PATH that records its arguments: what is written, what is submitted in which order, what is
 * printed, and the failures (sbatch missing, a refused array, a refused report job). The real scheduler is
 * exercised by scripts/slurm_e2e.sh.
 */
import assert from "node:assert/strict";
import { runTask } from "./testing_tasks.ts";
import { checkOutcome } from "./testing_errors.ts";
import { REPO_ROOT } from "../data/files.ts";

/** A directory with an `sbatch` that logs "$PWD|args" and answers from `answers` (one line per call). */
async function fakeSbatch(answers: string[]): Promise<{ dir: string; calls: () => string[] }> {
  const dir = await Deno.makeTempDir();
  const script = [
    "#!/bin/bash",
    `n=$(cat "${dir}/n" 2>/dev/null || echo 0); echo $((n + 1)) > "${dir}/n"`,
    `echo "$PWD|$*" >> "${dir}/calls"`,
    ...answers.map((a, i) => {
      const [code, text] = a.split("|");
      return `if [ "$n" = ${i} ]; then ${
        code === "0" ? `echo '${text}'` : `echo '${text}' >&2`
      }; exit ${code}; fi`;
    }),
    "exit 9",
  ].join("\n");
  await Deno.writeTextFile(`${dir}/sbatch`, script + "\n");
  await Deno.chmod(`${dir}/sbatch`, 0o755);
  return {
    dir,
    calls: () => {
      try {
        return Deno.readTextFileSync(`${dir}/calls`).trimEnd().split("\n");
      } catch {
        return [];
      }
    },
  };
}

/** The launcher refuses a checkout whose node_modules lives elsewhere (e.g. a git worktree sharing one). */
const ownInstall = Deno.realPathSync(`${REPO_ROOT}/node_modules`).startsWith(`${REPO_ROOT}/`);

Deno.test("slurm: submits the array, then the report job after it (afterany), and prints both ids", async () => {
  const out = `reports/.test-slurm-${crypto.randomUUID().slice(0, 8)}`;
  const sb = await fakeSbatch(["0|4242", "0|4243;cluster1"]);
  try {
    const args = ["slurm", "nightly", "--shards", "8", "--cpus-per-task", "4", "--out", out];
    const env = { PATH: `${sb.dir}:${Deno.env.get("PATH")}` };
    const r = await runTask("cli", [...args, "--json"], { env });
    if (!ownInstall) {
      // This checkout's node_modules is a symlink out of the project: every shard would fail; refused.
      checkOutcome("shared node_modules", r, {
        code: 2,
        message: /node_modules leads to .*outside the project/,
      });
      assert.deepEqual(sb.calls(), []);
      return;
    }
    checkOutcome("submit", r, { code: 0 });
    const printed = JSON.parse(r.stdout);
    assert.deepEqual(printed, {
      array: "4242",
      report: "4243",
      tasks: "0-7",
      shards: 8,
      runs: 25,
      out,
      scripts: [`${out}/slurm/array.sh`, `${out}/slurm/report.sh`],
      logs: `${out}/slurm`,
    });
    assert.deepEqual(sb.calls(), [
      `${REPO_ROOT}|--parsable ${out}/slurm/array.sh`,
      `${REPO_ROOT}|--parsable --dependency=afterany:4242 ${out}/slurm/report.sh`,
    ]);
    const array = await Deno.readTextFile(`${REPO_ROOT}/${out}/slurm/array.sh`);
    assert.ok(array.includes(`\n#SBATCH --chdir=${REPO_ROOT}\n`));
    assert.ok(array.includes('--jobs "${SLURM_CPUS_PER_TASK:-4}"'));
    // The human form names both ids, how to watch, the logs and how to resume; --tasks resubmits some shards.
    await Deno.remove(`${sb.dir}/n`);
    const h = await runTask("cli", [...args, "--tasks", "2,5"], { env });
    checkOutcome("submit again", h, { code: 0 });
    assert.match(
      h.stdout,
      /submitted array job 4242 \(tasks 2,5: shard i\/8 of suite nightly, 25 runs\) and report job 4243/,
    );
    assert.match(h.stdout, /watch: {3}squeue -j 4242,4243/);
    assert.match(h.stdout, new RegExp(`logs: {4}${out}/slurm/antbench-nightly-4242_<task>.out`));
    assert.match(h.stdout, /resume: {2}deno task cli slurm nightly --shards 8 --cpus-per-task 4 --out /);
    assert.equal(sb.calls()[2], `${REPO_ROOT}|--parsable --array=2,5 ${out}/slurm/array.sh`);
  } finally {
    await Deno.remove(sb.dir, { recursive: true });
    await Deno.remove(`${REPO_ROOT}/${out}`, { recursive: true }).catch(() => {});
  }
});

Deno.test("slurm: sbatch missing or refusing is exit 2 with one line; a refused report job names the array", async () => {
  if (!ownInstall) return; // refused before sbatch (see above)
  const out = `reports/.test-slurm-${crypto.randomUUID().slice(0, 8)}`;
  const refused = await fakeSbatch(["1|sbatch: error: invalid partition specified: nope"]);
  const half = await fakeSbatch([
    "0|77",
    "1|sbatch: error: Batch job submission failed: Job dependency problem",
  ]);
  try {
    const args = ["slurm", "nightly", "--shards", "2", "--out", out];
    // --dry-run needs no sbatch and writes nothing.
    const dry = await runTask("cli", [...args, "--dry-run"], { env: { PATH: "/nonexistent" } });
    checkOutcome("dry run", dry, { code: 0, stdout: /^# ==> .*array\.sh <==\n#!\/usr\/bin\/env bash/ });
    assert.match(dry.stderr, /dry run: would write .* then run 'sbatch --parsable .*array\.sh'/);
    assert.throws(() => Deno.statSync(`${REPO_ROOT}/${out}`), Deno.errors.NotFound);
    const none = await runTask("cli", args, { env: { PATH: "/nonexistent" } });
    checkOutcome("no sbatch", none, { code: 2, message: /sbatch is not on PATH: .* or add --dry-run/ });
    const r = await runTask("cli", [...args, "--partition", "nope"], {
      env: { PATH: `${refused.dir}:/usr/bin:/bin` },
    });
    checkOutcome("refused", r, {
      code: 2,
      message: /sbatch .*array\.sh failed \(exit 1\): sbatch: error: invalid partition specified: nope/,
    });
    assert.equal(refused.calls().length, 1, "no report job after a refused array");
    const h = await runTask("cli", args, { env: { PATH: `${half.dir}:/usr/bin:/bin` } });
    checkOutcome("half", h, {
      code: 2,
      message:
        /array job 77 was submitted, but the report job was not \(.*Job dependency problem\); submit it with: sbatch --dependency=afterany:77 .*report\.sh/,
    });
  } finally {
    await Deno.remove(refused.dir, { recursive: true });
    await Deno.remove(half.dir, { recursive: true });
    await Deno.remove(`${REPO_ROOT}/${out}`, { recursive: true }).catch(() => {});
  }
});
