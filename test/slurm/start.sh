#!/usr/bin/env bash
# Bring up a private single-node Slurm 22.05 cluster (MariaDB + munged + slurmdbd
# + slurmctld + slurmd) whose every file lives under STATE_DIR.
#
#   test/slurm/start.sh [--keep] [STATE_DIR]
#
# STATE_DIR defaults to ${TMPDIR:-/tmp}/intern-slurm. By default the previous
# database, job state and logs under STATE_DIR are wiped first, so the cluster
# starts from nothing (job ids restart at 1). --keep reuses them instead.
# Afterwards `source STATE_DIR/env.sh` and sinfo/sbatch/squeue/sacct/scontrol
# talk to this cluster. Stop it with test/slurm/stop.sh STATE_DIR.
#
# Ports (loopback only) can be moved with environment variables:
#   SLURM_TEST_CTLD_PORT (16817) SLURM_TEST_SLURMD_PORT (16818)
#   SLURM_TEST_DBD_PORT (16819)  SLURM_TEST_DB_PORT (16306)
#   SLURM_TEST_TIMEOUT (seconds to wait for each daemon, 60)
# Must run as root (slurmd needs it; every daemon runs as root here).
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

KEEP=0
STATE_DIR=""
for a in "$@"; do
  case "$a" in
    --keep) KEEP=1 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    -*) echo "start.sh: unknown option $a" >&2; exit 2 ;;
    *) STATE_DIR="$a" ;;
  esac
done
STATE_DIR="$(default_state_dir "$STATE_DIR")"
mkdir -p "$STATE_DIR"
STATE_DIR="$(cd "$STATE_DIR" && pwd -P)"

CTLD_PORT="${SLURM_TEST_CTLD_PORT:-16817}"
SLURMD_PORT="${SLURM_TEST_SLURMD_PORT:-16818}"
DBD_PORT="${SLURM_TEST_DBD_PORT:-16819}"
DB_PORT="${SLURM_TEST_DB_PORT:-16306}"
TIMEOUT="${SLURM_TEST_TIMEOUT:-60}"
CLUSTER=intern-test
ACCOUNT=intern
HOST="$(hostname -s)"
HERE="$(cd "$(dirname "$0")" && pwd)"

T0=$(date +%s.%N)
log() { printf '[start.sh %5.1fs] %s\n' "$(awk -v a="$(date +%s.%N)" -v b="$T0" 'BEGIN {print a - b}')" "$*"; }
die() { echo "start.sh: ERROR: $*" >&2; exit 1; }
# on failure, say how to stop what was already started
trap 'rc=$?; [ $rc -ne 0 ] && echo "start.sh: failed; to stop whatever of this cluster is running: $HERE/stop.sh $STATE_DIR" >&2' EXIT

# Print the tail of a log file to stderr, used when a daemon fails.
tail_log() {
  local f="$1"
  if [ -s "$f" ]; then
    echo "---- last lines of $f ----" >&2
    tail -n 30 "$f" >&2
    echo "---- end of $f ----" >&2
  else
    echo "(log $f is empty or missing)" >&2
  fi
}


# mark_log LOGFILE: remember where LOGFILE ends now, so wait_for only looks at
# what the daemon about to be started writes (logs are appended with --keep).
declare -A LOG_OFFSET=()
mark_log() { LOG_OFFSET[$1]=$(stat -c %s "$1" 2>/dev/null || echo 0); }

# Errors after which waiting longer is pointless. slurmctld/slurmdbd do not
# exit on a wrong AuthInfo socket or munge key: they log and keep failing.
FATAL_RE='fatal:|Munge (de|en)code failed|Protocol authentication error|Access denied for user|Unable to connect to database'

# wait_for DESC PIDFILE LOGFILE CMD...: poll CMD every 0.2 s until it succeeds;
# fail with the log tail if it times out, the daemon in PIDFILE has died, or
# the daemon logged one of FATAL_RE since mark_log.
wait_for() {
  local desc="$1" pidfile="$2" logfile="$3"; shift 3
  local deadline=$(( $(date +%s) + TIMEOUT )) pid hit
  while :; do
    # fd 3 keeps the real stderr for checks that must report (node_idle);
    # never open it for the whole script: the daemons would inherit it and
    # hold the caller's pipe open forever.
    if "$@" 3>&2 >/dev/null 2>&1; then return 0; fi
    if [ -n "$pidfile" ] && [ -s "$pidfile" ]; then
      pid=$(pid_of "$pidfile")
      if ! pid_alive "$pid"; then
        echo "start.sh: ERROR: $desc: daemon (pid $pid from $pidfile) died" >&2
        tail_log "$logfile"; exit 1
      fi
    fi
    if [ -f "$logfile" ]; then
      hit=$(tail -c +$(( ${LOG_OFFSET[$logfile]:-0} + 1 )) "$logfile" | grep -E -m1 "$FATAL_RE" || true)
      if [ -n "$hit" ]; then
        echo "start.sh: ERROR: $desc: $logfile says: $hit" >&2
        tail_log "$logfile"; exit 1
      fi
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      echo "start.sh: ERROR: timed out after ${TIMEOUT}s waiting for $desc" >&2
      tail_log "$logfile"; exit 1
    fi
    sleep 0.2
  done
}

# ---------------------------------------------------------------- preflight
[ "$(id -u)" -eq 0 ] || die "must run as root (slurmd requires it)"
for b in mariadb-install-db mariadbd mariadb munged slurmdbd slurmctld slurmd sacctmgr sinfo scontrol; do
  command -v "$b" >/dev/null || die "$b not found; run test/slurm/install.sh first"
done
MUNGE_SOCK="$STATE_DIR/munge/munge.socket"
DB_SOCK="$STATE_DIR/mysql/mysqld.sock"
[ ${#MUNGE_SOCK} -lt 100 ] || die "STATE_DIR path too long for a unix socket: $MUNGE_SOCK"

for pf in mysql/mysqld.pid munge/munged.pid run/slurmdbd.pid run/slurmctld.pid run/slurmd.pid; do
  p=$(pid_of "$STATE_DIR/$pf")
  if pid_alive "$p"; then
    die "a daemon of this cluster is still running (pid $p from $STATE_DIR/$pf); run test/slurm/stop.sh $STATE_DIR first"
  fi
done
check_port_free() {
  # /proc/net/tcp lists local ports in hex; state 0A = LISTEN
  local hex; hex=$(printf '%04X' "$1")
  if awk -v h=":$hex" '$2 ~ h"$" && $4 == "0A" {f=1} END {exit !f}' /proc/net/tcp /proc/net/tcp6 2>/dev/null; then
    die "port $1 is already in use; set SLURM_TEST_*_PORT to move it (see the header of $0)"
  fi
}
for p in "$CTLD_PORT" "$SLURMD_PORT" "$DBD_PORT" "$DB_PORT"; do check_port_free "$p"; done

if [ "$KEEP" = 0 ]; then
  # Only the subdirectories this script creates, never STATE_DIR itself.
  rm -rf "$STATE_DIR"/{mysql,munge,slurm,run,log,dev,etc} "$STATE_DIR/env.sh"
fi
mkdir -p "$STATE_DIR"/{mysql,munge,slurm/state,slurm/spool,run,log,dev,etc}
chmod 755 "$STATE_DIR" "$STATE_DIR/munge"

# Marker in the environment of every daemon (inherited by slurmstepd and the
# job processes it starts) so stop.sh can find this cluster's leftovers.
export INTERN_SLURM_STATE_DIR="$STATE_DIR"
export SLURM_CONF="$STATE_DIR/etc/slurm.conf"

# ---------------------------------------------------------------- MariaDB
log "MariaDB: datadir $STATE_DIR/mysql, 127.0.0.1:$DB_PORT"
if [ ! -d "$STATE_DIR/mysql/mysql" ]; then
  mariadb-install-db --no-defaults --user=root --datadir="$STATE_DIR/mysql" \
    --auth-root-authentication-method=socket --skip-test-db \
    > "$STATE_DIR/log/mariadb-install.log" 2>&1 \
    || { tail_log "$STATE_DIR/log/mariadb-install.log"; die "mariadb-install-db failed"; }
fi
mark_log "$STATE_DIR/log/mariadb.log"
setsid mariadbd --no-defaults --user=root --datadir="$STATE_DIR/mysql" \
  --socket="$DB_SOCK" --pid-file="$STATE_DIR/mysql/mysqld.pid" \
  --port="$DB_PORT" --bind-address=127.0.0.1 --skip-name-resolve \
  --log-error="$STATE_DIR/log/mariadb.log" --skip-log-bin \
  --innodb-buffer-pool-size=128M --innodb-log-file-size=64M \
  --innodb-flush-log-at-trx-commit=2 --innodb-lock-wait-timeout=900 \
  < /dev/null > /dev/null 2>&1 &
echo $! > "$STATE_DIR/run/mariadbd.launcher.pid"
sql() { mariadb --no-defaults --protocol=socket -S "$DB_SOCK" -uroot "$@"; }
wait_for "MariaDB" "$STATE_DIR/mysql/mysqld.pid" "$STATE_DIR/log/mariadb.log" sql -e 'SELECT 1'
sql <<'EOF'
CREATE DATABASE IF NOT EXISTS slurm_acct_db;
CREATE USER IF NOT EXISTS 'slurm'@'127.0.0.1' IDENTIFIED BY 'slurm';
CREATE USER IF NOT EXISTS 'slurm'@'localhost' IDENTIFIED BY 'slurm';
GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1';
GRANT ALL ON slurm_acct_db.* TO 'slurm'@'localhost';
FLUSH PRIVILEGES;
EOF

# ---------------------------------------------------------------- munge
log "munged: socket $MUNGE_SOCK (fresh key)"
rm -f "$STATE_DIR/munge/munge.key"
dd if=/dev/urandom of="$STATE_DIR/munge/munge.key" bs=1024 count=1 status=none
chmod 600 "$STATE_DIR/munge/munge.key"
chown root:root "$STATE_DIR/munge/munge.key"
# Running as root with --force: munged refuses root (and loose directory
# permissions such as a world-writable /tmp parent) without it.
mark_log "$STATE_DIR/log/munged.log"
munged --force --socket="$MUNGE_SOCK" --key-file="$STATE_DIR/munge/munge.key" \
  --pid-file="$STATE_DIR/munge/munged.pid" --log-file="$STATE_DIR/log/munged.log" \
  --seed-file="$STATE_DIR/munge/munged.seed" \
  || { tail_log "$STATE_DIR/log/munged.log"; die "munged failed to start"; }
wait_for "munged" "$STATE_DIR/munge/munged.pid" "$STATE_DIR/log/munged.log" \
  bash -c "munge -n -S '$MUNGE_SOCK' | unmunge -S '$MUNGE_SOCK'"

# ---------------------------------------------------------------- configs
# More CPUs than the machine has may be declared (config_overrides): jobs that mostly wait
# (the tests' sleepers) then do not queue behind each other.
CPUS=${SLURM_TEST_CPUS:-$(nproc)}
MEM_MB=$(awk '/^MemTotal:/ {printf "%d", $2 / 1024 * 0.8}' /proc/meminfo)
rm -f "$STATE_DIR/dev/nvidia0" "$STATE_DIR/dev/nvidia1"
# GPUs need a device file or slurmd drops them; /dev/null's major/minor will do.
mknod "$STATE_DIR/dev/nvidia0" c 1 3
mknod "$STATE_DIR/dev/nvidia1" c 1 3

cat > "$STATE_DIR/etc/slurmdbd.conf" <<EOF
# generated by test/slurm/start.sh
AuthType=auth/munge
AuthInfo=socket=$MUNGE_SOCK
DbdHost=$HOST
DbdAddr=127.0.0.1
DbdPort=$DBD_PORT
SlurmUser=root
DebugLevel=info
LogFile=$STATE_DIR/log/slurmdbd.log
PidFile=$STATE_DIR/run/slurmdbd.pid
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort=$DB_PORT
StorageUser=slurm
StoragePass=slurm
StorageLoc=slurm_acct_db
EOF
chmod 600 "$STATE_DIR/etc/slurmdbd.conf"

cat > "$STATE_DIR/etc/slurm.conf" <<EOF
# generated by test/slurm/start.sh
ClusterName=$CLUSTER
SlurmctldHost=$HOST(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$MUNGE_SOCK
CredType=cred/munge
StateSaveLocation=$STATE_DIR/slurm/state
SlurmdSpoolDir=$STATE_DIR/slurm/spool
SlurmctldPidFile=$STATE_DIR/run/slurmctld.pid
SlurmdPidFile=$STATE_DIR/run/slurmd.pid
SlurmctldLogFile=$STATE_DIR/log/slurmctld.log
SlurmdLogFile=$STATE_DIR/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
# no cgroups in this environment
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=30
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=127.0.0.1
AccountingStoragePort=$DBD_PORT
AccountingStoragePass=$MUNGE_SOCK
AccountingStorageTRES=gres/gpu
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=2,bf_interval=1
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=256
GresTypes=gpu
SlurmdParameters=config_overrides
ReturnToService=2
MinJobAge=3600
KillWait=5
InactiveLimit=0
SlurmctldTimeout=120
SlurmdTimeout=300
MailProg=/bin/true
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$MEM_MB Gres=gpu:2 State=UNKNOWN
PartitionName=debug Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
EOF

cat > "$STATE_DIR/etc/gres.conf" <<EOF
# generated by test/slurm/start.sh
AutoDetect=off
Name=gpu File=$STATE_DIR/dev/nvidia[0-1]
EOF

cat > "$STATE_DIR/env.sh" <<EOF
# source this to talk to the test cluster in $STATE_DIR
export SLURM_CONF=$STATE_DIR/etc/slurm.conf
export INTERN_SLURM_STATE_DIR=$STATE_DIR
export INTERN_SLURM_CLUSTER=$CLUSTER
EOF

# ---------------------------------------------------------------- slurmdbd
log "slurmdbd: 127.0.0.1:$DBD_PORT"
# slurmdbd has no -f: it reads slurmdbd.conf next to $SLURM_CONF
mark_log "$STATE_DIR/log/slurmdbd.log"
slurmdbd \
  || { tail_log "$STATE_DIR/log/slurmdbd.log"; die "slurmdbd failed to start"; }
wait_for "slurmdbd" "$STATE_DIR/run/slurmdbd.pid" "$STATE_DIR/log/slurmdbd.log" \
  sacctmgr -n list cluster

if ! sacctmgr -n -P list cluster format=cluster | grep -qx "$CLUSTER"; then
  sacctmgr -i add cluster "$CLUSTER" > /dev/null
fi
if ! sacctmgr -n -P list account "$ACCOUNT" format=account | grep -qx "$ACCOUNT"; then
  sacctmgr -i add account "$ACCOUNT" cluster="$CLUSTER" description=test organization=test > /dev/null
fi
for u in root ${SUDO_USER:-}; do
  if ! sacctmgr -n -P list assoc user="$u" account="$ACCOUNT" format=user | grep -qx "$u"; then
    sacctmgr -i add user "$u" account="$ACCOUNT" cluster="$CLUSTER" > /dev/null
  fi
done

# ---------------------------------------------------------------- slurmctld
log "slurmctld: $HOST(127.0.0.1):$CTLD_PORT"
mark_log "$STATE_DIR/log/slurmctld.log"
if [ "$KEEP" = 1 ]; then slurmctld -f "$SLURM_CONF"; else slurmctld -c -f "$SLURM_CONF"; fi \
  || { tail_log "$STATE_DIR/log/slurmctld.log"; die "slurmctld failed to start"; }
wait_for "slurmctld" "$STATE_DIR/run/slurmctld.pid" "$STATE_DIR/log/slurmctld.log" scontrol ping

# ---------------------------------------------------------------- slurmd
log "slurmd: node $HOST, $CPUS CPUs, ${MEM_MB} MB, gpu:2"
mark_log "$STATE_DIR/log/slurmd.log"
slurmd -f "$SLURM_CONF" -N "$HOST" \
  || { tail_log "$STATE_DIR/log/slurmd.log"; die "slurmd failed to start"; }
node_idle() {
  local s
  if ! pid_alive "$(pid_of "$STATE_DIR/run/slurmctld.pid")"; then
    # fd 3: wait_for silences this function's stderr
    { echo "start.sh: ERROR: slurmctld died while slurmd was registering"
      tail_log "$STATE_DIR/log/slurmctld.log"; } 2>&3; exit 1
  fi
  s=$(sinfo -h -n "$HOST" -o '%T' 2>/dev/null) || return 1
  case "$s" in idle|mixed|allocated) return 0 ;; *) return 1 ;; esac
}
wait_for "node $HOST to be idle" "$STATE_DIR/run/slurmd.pid" "$STATE_DIR/log/slurmd.log" node_idle
wait_for "sacct to answer" "$STATE_DIR/run/slurmdbd.pid" "$STATE_DIR/log/slurmdbd.log" \
  sacct -n -X -a -S now-1minutes
# slurmctld may die after slurmd registered (for example on auth errors)
pid_alive "$(pid_of "$STATE_DIR/run/slurmctld.pid")" \
  || { tail_log "$STATE_DIR/log/slurmctld.log"; die "slurmctld died"; }

log "cluster $CLUSTER is up: source $STATE_DIR/env.sh"
sinfo
