#!/usr/bin/env bash
# Install the packages the local test Slurm cluster needs (Debian 12 / bookworm:
# Slurm 22.05, MariaDB 10.11, MUNGE 0.5.15). Idempotent: does nothing when every
# package is already installed. Must run as root.
set -euo pipefail

PKGS=(slurm-wlm slurmdbd mariadb-server munge)

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install.sh: all packages already installed (${PKGS[*]})"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install.sh: must run as root to install: ${missing[*]}" >&2
  exit 1
fi

echo "install.sh: installing ${missing[*]}"
apt-get update
# policy-rc.d: the packages' postinst scripts try to start munge/mariadb/slurm
# services; start.sh runs its own private daemons instead, so block that.
created_policy=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod 755 /usr/sbin/policy-rc.d
  created_policy=1
fi
trap '[ "$created_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d' EXIT
DEBIAN_FRONTEND=noninteractive apt-get install -y "${PKGS[@]}"
echo "install.sh: done"
