#!/usr/bin/env bash
# Run an antbench suite as a Slurm array job: one task per shard, all writing into the same
# reports/<suite>/ on a shared filesystem (run directories are keyed by content id, so shards never
# collide, and a resubmitted array resumes: finished runs are skipped). Each task locks only its shard
# (reports/<suite>/.lock.shard-i-of-n) and claims each run while it trains (runs/<id>/.claim, heartbeat
# every 15 s); a run whose task was preempted is trained by the next attempt once its heartbeat is 2 min
# old (src/suite/lock.ts). The hosts' clocks must agree to well within that.
#
#   sbatch --array=0-7 docs/slurm_array.sh nightly          # 8 shards of the embedded nightly suite
#   sbatch --array=0-3 docs/slurm_array.sh my_suite.yaml
#   # when every task is done (or as a dependent job):
#   node_modules/.bin/deno task cli report reports/<suite>
#
# --array must be 0-(N-1): SLURM_ARRAY_TASK_ID is the 0-based shard index and SLURM_ARRAY_TASK_COUNT is N.
#SBATCH --job-name=antbench
#SBATCH --cpus-per-task=2
#SBATCH --mem=4G
#SBATCH --time=04:00:00
#SBATCH --output=antbench-%A_%a.log
set -euo pipefail
SUITE="${1:-default}"
cd "${SLURM_SUBMIT_DIR:-.}"
: "${SLURM_ARRAY_TASK_ID:?submit with sbatch --array=0-(N-1)}"
COUNT="${SLURM_ARRAY_TASK_COUNT:-$((SLURM_ARRAY_TASK_MAX + 1))}"
# Each task uses both of its CPUs (two Web Workers); the report is built once at the end, not per shard.
node_modules/.bin/deno task bench "$SUITE" --shard "${SLURM_ARRAY_TASK_ID}/${COUNT}" --jobs 2 --no-report
