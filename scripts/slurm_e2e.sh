#!/usr/bin/env bash
# End-to-end test of `deno task cli slurm` on a real Slurm cluster: a single-node cluster (munged, slurmctld,
# slurmd; 2 CPUs) started on this machine from a temporary directory, private ports and a private munge socket
# and key, so it touches no system configuration and can run beside another instance. It
#
#   1. trains the 8-run suite fixtures/suite/slurm_e2e.yaml in one process (the reference, with its report);
#   2. submits the same suite through the launcher as a 4-task array (1 CPU per task: 2 tasks at a time, all
#      writing one directory) plus its report job, cancels (scancel) one task while it trains a run, and checks
#      that the task is CANCELLED, its run has no result and a claim left behind, and that the report job
#      (afterany) failed naming every missing run;
#   3. resubmits with the same launcher command and checks that every task and the report job succeed, that
#      the cancelled task's shard lock and run claim were taken over from the dead process, and that no claim
#      or lock is left;
#   4. compares: every result.json with the reference's minus timing and environment (`cli merge`, which
#      refuses two different ok results of one run), and the report files byte for byte; and counts the
#      trainings that reached a result (the runner's `trained run <id>` log lines): each run exactly once.
#
# Last line: `slurm e2e: ok (...)`, `slurm e2e: FAILED (what differed)` or `slurm e2e: skipped (why)`.
# Exit codes: 0 ok, 1 failed, 77 skipped (Slurm cannot be installed or started here: not root, or apt-get
# cannot install slurm-wlm and munge). Installs those Debian packages when missing (as root). Bounded: every
# wait has a deadline, SLURM_E2E_TIMEOUT seconds in all (default 900); on exit, also after a failure or an
# interrupt, it cancels its jobs, stops its daemons and removes its files (SLURM_E2E_KEEP=1 keeps them).
set -uo pipefail
LIMIT=${SLURM_E2E_TIMEOUT:-900}
# A hard bound even if a command hangs past the deadlines below: timeout(1) sends TERM (-> cleanup) after the
# limit plus a minute, and KILL 30 s later.
if [ -z "${SLURM_E2E_BOUNDED:-}" ]; then
  SLURM_E2E_BOUNDED=1 exec timeout --kill-after=30 $((LIMIT + 60)) bash "$0" "$@"
fi
cd "$(dirname "$0")/.." || exit 1
ROOT=$(pwd)
START=$(date +%s)
DEADLINE=$((START + LIMIT))
SUITE=fixtures/suite/slurm_e2e.yaml
SHARDS=4
E2E="reports/.slurm-e2e-$$" # under reports/: the only place `deno task bench` may write
T=""
FINAL="slurm e2e: FAILED (stopped before the end)"
CTLD="" SLURMD="" MUNGED=""
JOBS=()

log() { echo "slurm e2e: $*" >&2; }
fail() {
  FINAL="slurm e2e: FAILED ($*)"
  exit 1
}
skip() {
  FINAL="slurm e2e: skipped ($*)"
  exit 77
}
deadline() { [ "$(date +%s)" -lt "$DEADLINE" ] || fail "timed out after ${LIMIT} s (SLURM_E2E_TIMEOUT)"; }
left() { # seconds left, for timeout(1); call deadline first
  local s=$((DEADLINE - $(date +%s)))
  echo $((s > 0 ? s : 1))
}

stop_pid() { # stop_pid PID: TERM, then KILL after 10 s
  local pid=$1 i
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null || return 0
  for i in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null
}

cleanup() {
  local rc=$?
  set +e
  trap - INT TERM
  if [ -n "$CTLD" ] && [ "${#JOBS[@]}" -gt 0 ]; then
    scancel "${JOBS[@]}" 2>/dev/null
    for _ in $(seq 100); do
      [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break
      sleep 0.2
    done
  fi
  # Anything still running our shard commands (only processes naming this run's own directory).
  command -v ps >/dev/null && for pid in $(ps -eo pid=,args= | awk -v tok="$E2E" 'index($0, tok) && !/awk/ {print $1}'); do
    [ "$pid" != "$$" ] && kill -9 "$pid" 2>/dev/null
  done
  stop_pid "$SLURMD"
  stop_pid "$CTLD"
  [ -z "$MUNGED" ] && [ -n "$T" ] && [ -f "$T/munge/pid" ] && MUNGED=$(cat "$T/munge/pid")
  stop_pid "$MUNGED"
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] && [ -n "$T" ]; then
    for f in "$T"/*.log "$ROOT/$E2E"/array/slurm/*.out; do
      [ -s "$f" ] || continue
      echo "---- last lines of $f" >&2
      tail -n 10 "$f" >&2
    done
  fi
  if [ "${SLURM_E2E_KEEP:-0}" = 1 ]; then
    log "kept $T and $ROOT/$E2E (SLURM_E2E_KEEP=1)"
  else
    [ -n "$T" ] && rm -rf "$T"
    rm -rf "${ROOT:?}/$E2E"
  fi
  echo "$FINAL"
  exit "$rc"
}
trap cleanup EXIT
trap 'FINAL="slurm e2e: FAILED (interrupted)"; exit 130' INT
trap 'FINAL="slurm e2e: FAILED (terminated, or over its ${LIMIT} s limit)"; exit 143' TERM

[ -x node_modules/.bin/deno ] || fail "node_modules/.bin/deno is missing: run bash scripts/setup.sh first"
case "$(realpath node_modules)/" in
  "$ROOT"/*) ;;
  *) fail "node_modules leads to $(realpath node_modules), outside this checkout: deno task bench may read only the project; run this in a checkout with its own install (bash scripts/setup.sh)" ;;
esac

# ---- Slurm and munge: install when missing (root and the Debian packages reachable), else skip.
tools=(sbatch squeue scancel scontrol sinfo slurmctld slurmd munged munge unmunge)
missing_tools() { for t in "${tools[@]}"; do command -v "$t" >/dev/null || echo "$t"; done; }
if [ -n "$(missing_tools)" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    skip "Slurm is not installed ($(missing_tools | tr '\n' ' ' | sed 's/ $//') missing) and installing it needs root"
  fi
  log "installing slurm-wlm and munge with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  deadline
  if ! timeout "$(left)" apt-get update -qq >/tmp/slurm-e2e-apt.$$ 2>&1 ||
    ! timeout "$(left)" apt-get install -y -qq slurm-wlm munge >>/tmp/slurm-e2e-apt.$$ 2>&1; then
    why=$(tail -n 1 /tmp/slurm-e2e-apt.$$)
    rm -f /tmp/slurm-e2e-apt.$$
    skip "apt-get could not install slurm-wlm and munge: ${why}"
  fi
  rm -f /tmp/slurm-e2e-apt.$$
  [ -z "$(missing_tools)" ] || fail "after installing slurm-wlm and munge, still missing: $(missing_tools | tr '\n' ' ')"
fi
if [ "$(id -u)" -ne 0 ]; then
  skip "not root: a test cluster needs munged started as the munge user and slurmd as root"
fi
id munge >/dev/null 2>&1 || fail "there is no munge user (the munge package creates it)"

# ---- A private cluster under $T.
T=$(mktemp -d /tmp/antbench-slurm-e2e.XXXXXX)
chmod 755 "$T"
mkdir -p "$T/munge" "$T/state" "$T/spool"
head -c 1024 /dev/urandom >"$T/munge/key"
chown -R munge:munge "$T/munge"
chmod 755 "$T/munge"
chmod 400 "$T/munge/key"
runuser -u munge -- munged --socket="$T/munge/sock" --key-file="$T/munge/key" --pid-file="$T/munge/pid" \
  --log-file="$T/munge/log" --seed-file="$T/munge/seed" >"$T/munged.out" 2>&1 ||
  fail "munged did not start: $(tail -n 1 "$T/munged.out")"
MUNGED=$(cat "$T/munge/pid" 2>/dev/null)
munge -S "$T/munge/sock" -n | unmunge -S "$T/munge/sock" >/dev/null 2>&1 || fail "munge cannot encode and decode"

NODE_LINE=$(slurmd -C 2>/dev/null | head -n 1)
NODE=$(sed -nE 's/^NodeName=([^ ]+).*/\1/p' <<<"$NODE_LINE")
MEM=$(sed -nE 's/.*RealMemory=([0-9]+).*/\1/p' <<<"$NODE_LINE")
[ -n "$NODE" ] || fail "slurmd -C did not name this node: ${NODE_LINE}"
[ "${MEM:-0}" -ge 2048 ] || MEM=2048
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for _ in $(seq 50); do
  P1=$((20000 + RANDOM % 20000))
  P2=$((P1 + 1))
  port_free "$P1" && port_free "$P2" && break
done
cat >"$T/slurm.conf" <<EOF
ClusterName=antbench-e2e
SlurmctldHost=${NODE}(127.0.0.1)
SlurmctldPort=${P1}
SlurmdPort=${P2}
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=${T}/munge/sock
SlurmUser=root
SlurmdUser=root
StateSaveLocation=${T}/state
SlurmdSpoolDir=${T}/spool
SlurmctldPidFile=${T}/slurmctld.pid
SlurmdPidFile=${T}/slurmd.pid
SlurmctldLogFile=${T}/slurmctld.log
SlurmdLogFile=${T}/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
MailProg=/bin/true
SlurmdParameters=config_overrides
ReturnToService=2
MinJobAge=3600
KillWait=5
NodeName=${NODE} NodeAddr=127.0.0.1 CPUs=2 RealMemory=${MEM} State=UNKNOWN
PartitionName=e2e Nodes=${NODE} Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$T/slurm.conf"
slurmctld -D -i >"$T/slurmctld.out" 2>&1 &
CTLD=$!
slurmd -D >"$T/slurmd.out" 2>&1 &
SLURMD=$!
for _ in $(seq 150); do
  [ "$(sinfo -h -n "$NODE" -o %T 2>/dev/null)" = idle ] && break
  kill -0 "$CTLD" 2>/dev/null || fail "slurmctld exited: $(tail -n 1 "$T/slurmctld.out")"
  kill -0 "$SLURMD" 2>/dev/null || fail "slurmd exited: $(tail -n 1 "$T/slurmd.out")"
  sleep 0.2
done
[ "$(sinfo -h -n "$NODE" -o %T 2>/dev/null)" = idle ] || fail "node ${NODE} not idle after 30 s: $(sinfo -h -N 2>&1)"
log "cluster up: node ${NODE}, 2 CPUs, slurmctld port ${P1} ($(($(date +%s) - START)) s)"

# ---- 1. The reference: one process.
mkdir -p reports
t=$(date +%s)
deadline
timeout "$(left)" node_modules/.bin/deno task bench "$SUITE" --jobs 2 --out "$E2E/single" >"$T/single.log" 2>&1 ||
  fail "the single-process bench failed: $(tail -n 1 "$T/single.log")"
SINGLE_S=$(($(date +%s) - t))
mapfile -t PLANNED < <(ls "$E2E/single/runs")
RUNS=${#PLANNED[@]}
[ "$RUNS" -eq 8 ] || fail "the reference has ${RUNS} runs, expected 8"
log "reference: ${RUNS} runs in one process in ${SINGLE_S} s"

# ---- Helpers for the array.
submit() { # submit N: the launcher, always with the same flags; sets ARRAY and REPORT
  local json
  json=$(node_modules/.bin/deno task cli slurm "$SUITE" --shards "$SHARDS" --cpus-per-task 1 --mem 1G \
    --time 00:15:00 --out "$E2E/array" --json 2>"$T/submit$1.log") ||
    fail "the launcher failed: $(tail -n 1 "$T/submit$1.log")"
  ARRAY=$(sed -nE 's/.*"array":"([0-9]+)".*/\1/p' <<<"$json")
  REPORT=$(sed -nE 's/.*"report":"([0-9]+)".*/\1/p' <<<"$json")
  [ -n "$ARRAY" ] && [ -n "$REPORT" ] || fail "the launcher printed no job ids: ${json}"
  JOBS+=("$ARRAY" "$REPORT")
}
MAXRUN=0
count_running() {
  local n
  n=$(squeue -h -t R -j "$1" -o %i 2>/dev/null | wc -l)
  [ "$n" -gt "$MAXRUN" ] && MAXRUN=$n
}
wait_jobs() { # wait_jobs ARRAY REPORT: until neither is pending or running
  while [ -n "$(squeue -h -j "$1,$2" -o %i 2>/dev/null)" ]; do
    count_running "$1"
    deadline
    sleep 0.5
  done
}
task_state() { # task_state ARRAY INDEX -> JobState
  scontrol -o show job "$1" 2>/dev/null | grep -E "ArrayTaskId=$2 " | sed -nE 's/.*JobState=([A-Z_]+).*/\1/p'
}
job_state() { scontrol -o show job "$1" 2>/dev/null | sed -nE 's/.*JobState=([A-Z_]+) .*ExitCode=([0-9:]+).*/\1 \2/p'; }
task_log() { echo "$E2E/array/slurm/antbench-slurm-e2e-$1_$2.out"; }
report_log() { echo "$E2E/array/slurm/antbench-slurm-e2e-report-$1.out"; }

# ---- 2. The array, one task cancelled while it trains.
t=$(date +%s)
submit 1
A1=$ARRAY R1=$REPORT
TARGET="" VICTIM=""
while [ -z "$TARGET" ]; do
  for claim in "$E2E"/array/runs/*/.claim; do
    [ -f "$claim" ] || continue
    dir=$(dirname "$claim")
    [ -f "$dir/result.json" ] && continue
    shard=$(sed -nE 's/.*"shard": *"([0-9]+)\/'"$SHARDS"'".*/\1/p' "$claim")
    if [ -n "$shard" ]; then
      TARGET=$shard VICTIM=$(basename "$dir")
      break
    fi
  done
  [ -n "$TARGET" ] && break
  [ -n "$(squeue -h -j "$A1" -o %i 2>/dev/null)" ] || fail "every task ended before one was seen training a run"
  deadline
  sleep 0.05
done
count_running "$A1"
scancel "${A1}_${TARGET}" || fail "scancel ${A1}_${TARGET} failed"
log "cancelled task ${TARGET} of array ${A1} while it trained run ${VICTIM}"
wait_jobs "$A1" "$R1"
WAVE1_S=$(($(date +%s) - t))
for i in $(seq 0 $((SHARDS - 1))); do
  s=$(task_state "$A1" "$i")
  if [ "$i" = "$TARGET" ]; then
    [ "$s" = CANCELLED ] || fail "cancelled task ${A1}_${i} ended ${s:-unknown}, not CANCELLED"
  else
    [ "$s" = COMPLETED ] || fail "task ${A1}_${i} ended ${s:-unknown}: $(tail -n 1 "$(task_log "$A1" "$i")")"
  fi
done
MISSING=()
for id in "${PLANNED[@]}"; do [ -f "$E2E/array/runs/$id/result.json" ] || MISSING+=("$id"); done
[ "${#MISSING[@]}" -gt 0 ] || fail "after the cancel every run has a result (the cancel came too late)"
[ -f "$E2E/array/runs/$VICTIM/result.json" ] && fail "run ${VICTIM} has a result although its task was cancelled"
[ -f "$E2E/array/runs/$VICTIM/.claim" ] || fail "the cancelled task left no claim on run ${VICTIM}"
[ "$(job_state "$R1")" = "FAILED 1:0" ] ||
  fail "the first report job ended '$(job_state "$R1")', expected FAILED 1:0 (runs are missing)"
for id in "${MISSING[@]}"; do
  grep -q "missing ${id} " "$(report_log "$R1")" || fail "the first report job's log does not name missing run ${id}"
done
grep -q "resubmit with: deno task cli slurm" "$(report_log "$R1")" ||
  fail "the first report job's log does not say how to resubmit"
log "array ${A1}: task ${TARGET} CANCELLED, ${#MISSING[@]} runs missing, report job ${R1} failed naming them (${WAVE1_S} s)"

# ---- 3. Resubmission with the same command.
t=$(date +%s)
submit 2
A2=$ARRAY R2=$REPORT
wait_jobs "$A2" "$R2"
WAVE2_S=$(($(date +%s) - t))
for i in $(seq 0 $((SHARDS - 1))); do
  s=$(task_state "$A2" "$i")
  [ "$s" = COMPLETED ] || fail "resubmitted task ${A2}_${i} ended ${s:-unknown}: $(tail -n 1 "$(task_log "$A2" "$i")")"
done
[ "$(job_state "$R2")" = "COMPLETED 0:0" ] ||
  fail "the second report job ended '$(job_state "$R2")': $(tail -n 3 "$(report_log "$R2")" | tr '\n' ' ')"
grep -q "taking over run ${VICTIM} " "$(task_log "$A2" "$TARGET")" ||
  fail "resubmitted task ${A2}_${TARGET} did not take over the dead claim of run ${VICTIM}"
grep -q "taking over the lock of $E2E/array left by pid [0-9]* on host ${NODE}: that process is gone" \
  "$(task_log "$A2" "$TARGET")" || fail "resubmitted task ${A2}_${TARGET} did not take over its shard's dead lock"
leftover=$(find "$E2E/array" -name '.claim' -o -name '.lock*' | head -n 3)
[ -z "$leftover" ] || fail "claims or locks left behind: ${leftover}"
log "array ${A2}: every task and report job ${R2} completed; task ${TARGET} took over run ${VICTIM} (${WAVE2_S} s)"

# ---- 4. Same results as the single process, and every run trained to completion exactly once.
node_modules/.bin/deno task cli merge "$E2E/check" "$E2E/single" "$E2E/array" --no-report >"$T/merge.log" 2>&1 ||
  fail "results differ from the single-process run: $(grep -E 'conflicting|error' "$T/merge.log" | head -n 1)"
grep -q "copied ${RUNS} run(s)" "$T/merge.log" || fail "merge: $(tail -n 1 "$T/merge.log")"
for f in results.json README.md results.csv benchmark.json report.html; do
  cmp -s "$E2E/single/$f" "$E2E/array/$f" || fail "report file ${f} differs from the single-process run's"
done
TRAINED=$(grep -ho "trained run [0-9a-f]* " "$E2E"/array/slurm/antbench-slurm-e2e-*_*.out | awk '{print $3}' | sort)
for id in "${PLANNED[@]}"; do
  n=$(grep -cx "$id" <<<"$TRAINED")
  [ "$n" -eq 1 ] || fail "run ${id} was trained to completion ${n} times across both submissions (expected once)"
done
[ "$(wc -l <<<"$TRAINED")" -eq "$RUNS" ] || fail "the task logs show $(wc -l <<<"$TRAINED") trainings, expected ${RUNS}"
[ "$MAXRUN" -ge 2 ] || fail "at most ${MAXRUN} task ran at a time; expected 2 sharing the directory"

TOTAL=$(($(date +%s) - START))
FINAL="slurm e2e: ok (${RUNS} runs as a ${SHARDS}-task array, ${MAXRUN} tasks at a time in one directory: results and \
report identical to a single process; task ${TARGET} cancelled mid-run, the report job named ${#MISSING[@]} missing \
runs, the resubmission took over run ${VICTIM}; ${RUNS} trainings to completion, none twice; \
reference ${SINGLE_S} s, array ${WAVE1_S} s, resubmission ${WAVE2_S} s, ${TOTAL} s in all)"
exit 0
