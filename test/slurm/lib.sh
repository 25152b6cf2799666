# Shared by start.sh and stop.sh: sourced, not run.

# The cluster's state folder: the one given, else $TMPDIR/intern-slurm.
default_state_dir() { echo "${1:-${TMPDIR:-/tmp}/intern-slurm}"; }

# alive: the process exists and is not a zombie (pid 1 here may not reap, and
# kill -0 succeeds on zombies).
pid_alive() {
  local st
  [ -n "${1:-}" ] || return 1
  st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
  [ -n "$st" ] && [ "${st:0:1}" != Z ]
}

# The pid a daemon's pid file holds, or nothing.
pid_of() { [ -s "$1" ] && tr -d ' \n' < "$1" || true; }
