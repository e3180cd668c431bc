#!/usr/bin/env bash
# ci-cold.sh - time .ci/run from a cold engine without touching this machine's own engine and caches.
#
# In a private mount and PID namespace (so that its scripts see only the engines it starts), empty
# directories are mounted over everything a run keeps between runs: the engine's data and run
# directories (/var/lib/docker, /var/lib/containerd, /run), the legacy engine's (/var/lib/lfs-docker-legacy, /opt/lfs-docker, /var/cache/lfs-docker) and the tests' source
# cache (/var/cache/lfs-docker-test). A second dockerd starts there on a bridge of its own
# (lfsdockercold0; no iptables rules, so it does not clash with the machine's engine; not
# `--bridge none`, with which dockerd deletes the machine's docker0), the base images are made again with debootstrap,
# and .ci/run runs on a clean clone of HEAD. The machine's own engine, its BuildKit cache and anything
# running on it (a long build) are left alone. What a new machine also pays and this does not: the
# Debian packages (engine, QEMU) and npm's download cache are already on this machine.
#
# Usage: sudo scripts/ci-cold.sh [--warm] [WORKDIR]   (default /var/tmp/lfs-docker-ci-cold; emptied
#        first, unless --warm: then the state a previous run left there is kept, for a warm run)
# Prints .ci/run's output; its phase table is at the end. Exit status: .ci/run's.
set -euo pipefail

readonly REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WARM=0
if [ "${1:-}" = --warm ]; then WARM=1; shift; fi
readonly WORK="${1:-/var/tmp/lfs-docker-ci-cold}"

[ "$(id -u)" -eq 0 ] || { echo "ci-cold: must run as root" >&2; exit 1; }
case "$WORK" in /|/var|/var/tmp|/tmp|"$HOME") echo "ci-cold: refusing to empty $WORK" >&2; exit 1 ;; esac
if [ -d "$WORK/state" ] && [ "$WARM" = 0 ]; then rm -rf --one-file-system "$WORK/state"; fi
mkdir -p "$WORK/state"/{docker,containerd,legacy-data,legacy-opt,legacy-cache,test-cache,run} "$WORK/clone"
rm -rf --one-file-system "$WORK/clone"
git clone -q "$REPO" "$WORK/clone"
if ! ip link show lfsdockercold0 >/dev/null 2>&1; then
  ip link add name lfsdockercold0 type bridge
  ip addr add 172.31.248.1/24 dev lfsdockercold0
fi
ip link set lfsdockercold0 up

exec unshare --mount --pid --fork --mount-proc --propagation private env WORK="$WORK" bash -euo pipefail -c '
  S=$WORK/state
  mount --bind "$S/docker" /var/lib/docker 2>/dev/null || { mkdir -p /var/lib/docker; mount --bind "$S/docker" /var/lib/docker; }
  mkdir -p /var/lib/containerd /var/lib/lfs-docker-legacy /opt/lfs-docker /var/cache/lfs-docker /var/cache/lfs-docker-test
  mount --bind "$S/containerd" /var/lib/containerd
  mount --bind "$S/legacy-data" /var/lib/lfs-docker-legacy
  mount --bind "$S/legacy-opt" /opt/lfs-docker
  mount --bind "$S/legacy-cache" /var/cache/lfs-docker
  mount --bind "$S/test-cache" /var/cache/lfs-docker-test
  mount -t tmpfs -o mode=0755 tmpfs /run
  mkdir -p /run/lock
  export LFS_DOCKERD_ARGS="--bridge lfsdockercold0 --iptables=false --ip6tables=false"
  export LFS_LEGACY_BRIDGE=lfsdockercold LFS_LEGACY_BIP=172.31.249.1/24
  export CI=true
  cd "$WORK/clone"
  rc=0
  bash .ci/run || rc=$?
  # stop the engines started in here (their pid files are in the private /run)
  for f in /run/docker.pid /run/lfs-docker-legacy/*.pid; do
    [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true
  done
  sleep 5
  exit $rc
'
