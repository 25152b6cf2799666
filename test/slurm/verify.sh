#!/usr/bin/env bash
# End-to-end check of the test cluster, run by hand (not part of CI yet):
#
#   test/slurm/verify.sh [STATE_DIR]
#
# start.sh, then: a plain job COMPLETED; a --gres=gpu:1 job with gres/gpu=1 in
# AllocTRES; --gres=gpu:4 refused at submission; a time limit ends TIMEOUT;
# scancel gives CANCELLED; a running job survives a slurmctld restart; stop.sh
# leaves no process of the cluster behind. Takes about 2 minutes (the TIMEOUT
# check dominates: Slurm rounds limits up to whole minutes and checks them
# every 30 s).
set -uo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
STATE_DIR="${1:-${TMPDIR:-/tmp}/intern-slurm}"
FAILS=0
ok() { echo "OK   $*"; }
bad() { echo "FAIL $*"; FAILS=$((FAILS + 1)); }
now() { date +%s.%N; }
secs() { awk -v a="$(now)" -v b="$1" 'BEGIN {printf "%.1f", a - b}'; }

# state JOBID: the job's State as sacct sees it (first word only)
state() { sacct -n -X -P -j "$1" -o State 2>/dev/null | head -1 | awk '{print $1}'; }
# wait_state JOBID STATE SECONDS
wait_state() {
  local deadline=$(( $(date +%s) + $3 )) s
  while :; do
    s=$(state "$1")
    [ "$s" = "$2" ] && return 0
    [ "$(date +%s)" -ge "$deadline" ] && { echo "  job $1 is '$s', wanted $2" >&2; return 1; }
    sleep 0.5
  done
}
tres() { sacct -n -X -P -j "$1" -o AllocTRES; }

t=$(now)
"$HERE/start.sh" "$STATE_DIR" || { echo "FAIL start.sh"; exit 1; }
echo "start.sh took $(secs "$t") s"
# shellcheck disable=SC1091
source "$STATE_DIR/env.sh"
WORK="$STATE_DIR/jobs"; mkdir -p "$WORK"; cd "$WORK" || exit 1

# the TIMEOUT job runs in the background of everything else (1 of 2 CPUs)
TJOB=$(sbatch --parsable --time=0:05 --wrap 'sleep 120')
tt=$(now)

t=$(now)
J=$(sbatch --parsable --wrap 'sleep 2; echo hi')
if wait_state "$J" COMPLETED 30 && grep -qx hi "slurm-$J.out"; then
  ok "plain job $J COMPLETED in $(secs "$t") s: $(sacct -j "$J" -o JobID,State,ExitCode,AllocTRES -P | tr '\n' ' ')"
else bad "plain job $J"; fi

t=$(now)
G=$(sbatch --parsable --gres=gpu:1 --wrap 'echo CUDA_VISIBLE_DEVICES=$CUDA_VISIBLE_DEVICES')
if wait_state "$G" COMPLETED 30 && tres "$G" | grep -q 'gres/gpu=1'; then
  ok "gpu job $G COMPLETED in $(secs "$t") s, AllocTRES $(tres "$G"), $(cat "slurm-$G.out")"
else bad "gpu job $G: $(tres "$G")"; fi

t=$(now)
if out=$(timeout 15 sbatch --parsable --gres=gpu:4 --wrap true 2>&1); then
  bad "--gres=gpu:4 was accepted: $out"
elif [ $? -eq 124 ]; then
  bad "--gres=gpu:4 submission hung"
else
  ok "--gres=gpu:4 refused in $(secs "$t") s: $out"
fi

C=$(sbatch --parsable --wrap 'sleep 300')
if wait_state "$C" RUNNING 30; then
  t=$(now); scancel "$C"
  if wait_state "$C" CANCELLED 30; then ok "scancel $C: CANCELLED after $(secs "$t") s"
  else bad "scancel $C"; fi
else bad "job $C never ran"; fi

R=$(sbatch --parsable --wrap 'sleep 25; echo survived')
if wait_state "$R" RUNNING 30; then
  t=$(now)
  ctld=$(cat "$STATE_DIR/run/slurmctld.pid")
  scontrol shutdown slurmctld >/dev/null
  while ps -o stat= -p "$ctld" 2>/dev/null | grep -qv Z; do sleep 0.2; done
  down=$(secs "$t")
  slurmctld -f "$SLURM_CONF"
  until scontrol ping >/dev/null 2>&1; do sleep 0.2; done
  back=$(secs "$t")
  s=$(squeue -h -j "$R" -o %T)
  if [ "$s" = RUNNING ] && wait_state "$R" COMPLETED 60 && grep -qx survived "slurm-$R.out"; then
    ok "job $R kept RUNNING across slurmctld restart (old slurmctld gone ${down} s after scontrol shutdown, new one answering after ${back} s) and COMPLETED"
  else bad "job $R across slurmctld restart: squeue '$s', sacct '$(state "$R")'"; fi
else bad "job $R never ran"; fi

if wait_state "$TJOB" TIMEOUT 150; then
  ok "--time=0:05 job $TJOB TIMEOUT after $(secs "$tt") s: $(sacct -j "$TJOB" -X -o State,Elapsed,Timelimit -P -n)"
else bad "time limit job $TJOB"; fi

# leave a job running so stop.sh has to clean up after slurmstepd
L=$(sbatch --parsable --wrap 'sleep 300')
wait_state "$L" RUNNING 30 || bad "job $L never ran"
cd /
pids_of_cluster() {
  for d in /proc/[0-9]*; do
    { ls -l "$d/fd" "$d/cwd"; } 2>/dev/null | grep -qF -- "-> $STATE_DIR/" || continue
    st=$(ps -o stat= -p "${d#/proc/}" 2>/dev/null) || continue
    [ "${st:0:1}" = Z ] || echo "${d#/proc/}"
  done
}
t=$(now)
"$HERE/stop.sh" "$STATE_DIR" || bad "stop.sh failed"
echo "stop.sh took $(secs "$t") s"
left=$(pids_of_cluster | tr '\n' ' ')
if [ -z "$left" ]; then ok "no process of the cluster left after stop.sh"
else bad "left after stop.sh: $left"; ps -o pid,ppid,stat,args -p "$(echo $left | tr " " ,)"; fi

echo "verify.sh: $FAILS failure(s)"
[ "$FAILS" = 0 ]
