#!/usr/bin/env bash
# Stop the test cluster started by test/slurm/start.sh.
#
#   test/slurm/stop.sh [--clean] [STATE_DIR]
#
# Stops slurmctld and slurmd (scontrol shutdown), then slurmdbd, munged and
# MariaDB by the pids in their pid files (never by process name: other Slurm,
# MUNGE or MariaDB instances on the machine are left alone), then kills what
# is left of this cluster's jobs: slurmstepd ignores SIGTERM and outlives
# slurmd. Files under STATE_DIR are kept (logs, database, job state) unless
# --clean is given. Safe to run when nothing is running.
set -uo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

CLEAN=0
STATE_DIR=""
for a in "$@"; do
  case "$a" in
    --clean) CLEAN=1 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    -*) echo "stop.sh: unknown option $a" >&2; exit 2 ;;
    *) STATE_DIR="$a" ;;
  esac
done
STATE_DIR="$(default_state_dir "$STATE_DIR")"
if [ ! -d "$STATE_DIR" ]; then
  echo "stop.sh: $STATE_DIR does not exist, nothing to stop"
  exit 0
fi
STATE_DIR="$(cd "$STATE_DIR" && pwd -P)"
export SLURM_CONF="$STATE_DIR/etc/slurm.conf"

log() { echo "[stop.sh] $*"; }


# wait_gone SECONDS PID...: wait until none of the pids is alive.
wait_gone() {
  local t="$1"; shift
  local deadline=$(( $(date +%s) + t )) p any
  while :; do
    any=0
    for p in "$@"; do pid_alive "$p" && any=1; done
    [ "$any" = 0 ] && return 0
    [ "$(date +%s)" -ge "$deadline" ] && return 1
    sleep 0.2
  done
}

# stop_pid NAME PID [SECONDS]: SIGTERM, wait, then SIGKILL.
stop_pid() {
  local name="$1" pid="$2" t="${3:-15}"
  pid_alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null
  if ! wait_gone "$t" "$pid"; then
    log "$name (pid $pid) ignored SIGTERM for ${t}s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null
    wait_gone 5 "$pid"
  fi
}

CTLD_PID=$(pid_of "$STATE_DIR/run/slurmctld.pid")
SLURMD_PID=$(pid_of "$STATE_DIR/run/slurmd.pid")
DBD_PID=$(pid_of "$STATE_DIR/run/slurmdbd.pid")
MUNGED_PID=$(pid_of "$STATE_DIR/munge/munged.pid")
DB_PID=$(pid_of "$STATE_DIR/mysql/mysqld.pid")
[ -n "$DB_PID" ] || DB_PID=$(pid_of "$STATE_DIR/run/mariadbd.launcher.pid")

# Job processes, as slurmd knows them, before slurmd goes away.
JOB_PIDS=""
if pid_alive "$SLURMD_PID" && [ -f "$SLURM_CONF" ]; then
  JOB_PIDS=$(timeout 10 scontrol listpids 2>/dev/null | awk 'NR > 1 && $1 ~ /^[0-9]+$/ {print $1}' | tr '\n' ' ')
fi

# 1. slurmctld + slurmd
if pid_alive "$CTLD_PID" || pid_alive "$SLURMD_PID"; then
  log "scontrol shutdown (slurmctld ${CTLD_PID:--}, slurmd ${SLURMD_PID:--})"
  if pid_alive "$CTLD_PID"; then
    timeout 15 scontrol shutdown >/dev/null 2>&1 || true
  fi
  wait_gone 15 "$CTLD_PID" "$SLURMD_PID" || true
  # slurmd only gets the shutdown via slurmctld; stop it directly otherwise
  stop_pid slurmctld "$CTLD_PID" 10
  stop_pid slurmd "$SLURMD_PID" 10
fi

# 2. slurmdbd, munged, MariaDB (in that order: slurmdbd needs both)
if pid_alive "$DBD_PID"; then log "stopping slurmdbd ($DBD_PID)"; stop_pid slurmdbd "$DBD_PID" 15; fi
if pid_alive "$MUNGED_PID"; then log "stopping munged ($MUNGED_PID)"; stop_pid munged "$MUNGED_PID" 10; fi
if pid_alive "$DB_PID"; then log "stopping MariaDB ($DB_PID)"; stop_pid mariadbd "$DB_PID" 30; fi

# 3. Leftovers. A process belongs to this cluster when
#    - it was listed by `scontrol listpids` above, or
#    - it is a slurmstepd/slurmd/slurmctld/slurmdbd/munged/mariadbd whose cwd or
#      an open file is under STATE_DIR (slurmstepd keeps slurmd.log open and
#      clears its environment, so the environment cannot identify it), or
#    - it is a job process: SLURM_JOB_ID is set and SLURM_CONF points at this
#      STATE_DIR (job processes that daemonized away from their slurmstepd), or
#    - it descends from one of the above.
#    stop.sh itself and its ancestors (the caller's shell may have sourced
#    env.sh) are never killed.
self_and_ancestors() {
  local p=$$
  while [ -n "$p" ] && [ "$p" != 0 ]; do
    echo "$p"
    p=$(ps -o ppid= -p "$p" 2>/dev/null | tr -d ' ')
  done
}
find_leftovers() {
  local protect p comm env cwd seeds="" pp
  protect=" $(self_and_ancestors | tr '\n' ' ') "
  for p in $JOB_PIDS; do pid_alive "$p" && seeds="$seeds $p"; done
  for d in /proc/[0-9]*; do
    p=${d#/proc/}
    case "$protect" in *" $p "*) continue ;; esac
    comm=$({ cat "$d/comm"; } 2>/dev/null) || continue
    case "$comm" in
      slurmstepd|slurmd|slurmctld|slurmdbd|munged|mariadbd|mysqld|mysqld_safe)
        cwd=$(readlink "$d/cwd" 2>/dev/null || true)
        if [ "${cwd#"$STATE_DIR"/}" != "$cwd" ] \
          || ls -l "$d/fd" 2>/dev/null | grep -qF -- "-> $STATE_DIR/"; then
          seeds="$seeds $p"; continue
        fi
        ;;
    esac
    env=$({ tr '\0' '\n' < "$d/environ"; } 2>/dev/null) || continue
    if grep -qx "SLURM_CONF=$STATE_DIR/etc/slurm.conf" <<<"$env" \
      && grep -q '^SLURM_JOB_ID=' <<<"$env"; then
      seeds="$seeds $p"
    fi
  done
  # add descendants of the seeds
  local all=" $seeds " changed=1 line pid ppid
  while [ "$changed" = 1 ]; do
    changed=0
    while read -r pid ppid; do
      case "$protect" in *" $pid "*) continue ;; esac
      case "$all" in *" $ppid "*)
        case "$all" in *" $pid "*) ;; *) all="$all$pid "; changed=1 ;; esac ;;
      esac
    done < <(ps -e -o pid=,ppid=)
  done
  for p in $(printf '%s\n' $all | sort -un); do pid_alive "$p" && echo "$p"; done
}

LEFT=$(find_leftovers | tr '\n' ' ')
if [ -n "${LEFT// /}" ]; then
  log "killing leftover processes of this cluster: $LEFT"
  ps -o pid,ppid,stat,args -p "$(echo $LEFT | tr ' ' ',')" 2>/dev/null | sed 's/^/[stop.sh]   /'
  # SIGTERM the jobs first, but slurmstepd ignores it: SIGKILL after 3 s
  kill -TERM $LEFT 2>/dev/null
  if ! wait_gone 3 $LEFT; then
    kill -KILL $LEFT 2>/dev/null
    wait_gone 5 $LEFT
  fi
  STILL=$(find_leftovers | tr '\n' ' ')
  if [ -n "${STILL// /}" ]; then
    log "ERROR: processes still alive: $STILL"
    exit 1
  fi
fi

rm -f "$STATE_DIR/run/mariadbd.launcher.pid"
if [ "$CLEAN" = 1 ]; then
  log "removing the cluster's files under $STATE_DIR"
  rm -rf "$STATE_DIR"/{mysql,munge,slurm,run,log,dev,etc} "$STATE_DIR/env.sh"
  rmdir "$STATE_DIR" 2>/dev/null || true
fi
log "stopped"
