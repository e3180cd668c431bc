#!/usr/bin/env bash
# engine-legacy.sh - a second, old Docker Engine (20.10, BuildKit 0.8) next to the main one.
#
# lfs-docker's BuildKit driver must also work against the BuildKit 0.8 inside Docker 20.10
# (Debian 12's own docker.io). This script runs that engine beside the modern one started by
# scripts/engine-setup.sh, without touching it:
#   1. downloads Debian's docker.io 20.10 package (Debian 12's own release has it) with
#      `apt-get download` into a cache directory (nothing is installed or replaced) and unpacks it
#      with `dpkg-deb -x` into $LFS_LEGACY_PREFIX (default /opt/lfs-docker/docker-20.10);
#   2. starts its dockerd in the background (setsid) with its own socket, data root, exec root,
#      pid file, config file and its own managed containerd (separate containerd namespaces too),
#      and no network set-up that could disturb the running engine (no iptables rules; its own
#      bridge interface, see below);
#   3. waits until it answers, then loads the images the legacy tests need
#      (lfs-docker/host:bookworm, copied from the main engine with docker save | docker load).
# Running it again is cheap: every step is skipped when already done.
#
# RUN steps of BuildKit 0.8 in dockerd need a bridge network (its default network mode for RUN is
# the engine's "bridge" network), so the legacy engine gets its own bridge interface
# (lfsdocker20, 172.31.250.1/24), created here; no iptables rules (the builds need no network:
# no registry is reachable anyway).
#
# Environment (all optional):
#   LFS_LEGACY_PREFIX     where the package is unpacked (default /opt/lfs-docker/docker-20.10)
#   LFS_LEGACY_CACHE      where the .deb is kept (default /var/cache/lfs-docker)
#   LFS_LEGACY_RUN        socket/pid/exec directory (default /run/lfs-docker-legacy)
#   LFS_LEGACY_DATA       data root (default /var/lib/lfs-docker-legacy)
#   LFS_LEGACY_LOG        dockerd log (default /var/log/lfs-docker-legacy-dockerd.log)
#   LFS_LEGACY_VERSION    docker.io version to download (default: the newest 20.x that apt
#                         offers; 20.10.24 on Debian 12)
#   LFS_LEGACY_IMAGES     images to copy from the main engine (default lfs-docker/host:bookworm)
#   LFS_LEGACY_TIMEOUT    seconds to wait for dockerd to answer (default 90)
#   LFS_LEGACY_BRIDGE     bridge interface name (default lfsdocker20)
#   LFS_LEGACY_BIP        its address (default 172.31.250.1/24)
#
# Usage: sudo scripts/engine-legacy.sh            set up and start (idempotent)
#        sudo scripts/engine-legacy.sh --stop     stop the legacy engine (data is kept)
#        scripts/engine-legacy.sh --print-host    print its DOCKER_HOST address
set -euo pipefail

readonly PREFIX="${LFS_LEGACY_PREFIX:-/opt/lfs-docker/docker-20.10}"
readonly CACHE="${LFS_LEGACY_CACHE:-/var/cache/lfs-docker}"
readonly RUNDIR="${LFS_LEGACY_RUN:-/run/lfs-docker-legacy}"
readonly DATA="${LFS_LEGACY_DATA:-/var/lib/lfs-docker-legacy}"
readonly LOG="${LFS_LEGACY_LOG:-/var/log/lfs-docker-legacy-dockerd.log}"
readonly IMAGES="${LFS_LEGACY_IMAGES:-lfs-docker/host:bookworm}"
readonly TIMEOUT="${LFS_LEGACY_TIMEOUT:-90}"
readonly BRIDGE="${LFS_LEGACY_BRIDGE:-lfsdocker20}"
readonly BIP="${LFS_LEGACY_BIP:-172.31.250.1/24}"
readonly SOCK="$RUNDIR/docker.sock"
readonly PIDFILE="$RUNDIR/docker.pid"
readonly HOST="unix://$SOCK"

log()  { printf '==> engine-legacy: %s\n' "$*" >&2; }
die()  { printf 'engine-legacy: ERROR: %s\n' "$*" >&2; exit 1; }

MODE=start
case "${1:-}" in
  '') ;;
  --stop) MODE=stop ;;
  --print-host) printf '%s\n' "$HOST"; exit 0 ;;
  -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
  *) die "unknown argument '$1' (see --help)" ;;
esac
[ "$(id -u)" -eq 0 ] || die "must run as root"

LEGACY_DOCKER="$PREFIX/usr/bin/docker"
LEGACY_DOCKERD="$PREFIX/usr/sbin/dockerd"
ldocker() { DOCKER_HOST="$HOST" DOCKER_CONFIG="$RUNDIR/client-config" "$LEGACY_DOCKER" "$@"; }

running_pid() { # prints the pid of our dockerd if it runs
  local pid
  [ -r "$PIDFILE" ] || return 1
  pid="$(cat "$PIDFILE" 2>/dev/null || true)"
  [ -n "$pid" ] && [ -d "/proc/$pid" ] || return 1
  # the pid must still be our dockerd (pid files outlive reboots of a container)
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "--pidfile $PIDFILE" || return 1
  printf '%s' "$pid"
}

if [ "$MODE" = stop ]; then
  if pid="$(running_pid)"; then
    log "stopping dockerd (pid $pid)"
    kill -TERM "$pid"
    for _ in $(seq 1 60); do [ -d "/proc/$pid" ] || break; sleep 0.5; done
    [ ! -d "/proc/$pid" ] || die "dockerd (pid $pid) did not stop"
  else
    log "not running"
  fi
  exit 0
fi

# ---------------------------------------------------------------- 1. the package
if [ ! -x "$LEGACY_DOCKERD" ] || [ ! -x "$LEGACY_DOCKER" ]; then
  command -v apt-get >/dev/null || die "apt-get not found: Debian machines only"
  # The newest docker.io 20.x any configured source offers (Debian 12's own release has
  # 20.10.24; apt-cache madison lists every version, whatever the pins say).
  version="${LFS_LEGACY_VERSION:-}"
  if [ -z "$version" ]; then
    version="$(apt-cache madison docker.io 2>/dev/null | awk -F'|' '{gsub(/ /, "", $2); print $2}' | grep -E '^20\.' | sort -V | tail -n 1 || true)"
    if [ -z "$version" ]; then
      log "no docker.io 20.x in the package lists; updating them once"
      apt-get update -q >&2 || die "apt-get update failed"
      version="$(apt-cache madison docker.io 2>/dev/null | awk -F'|' '{gsub(/ /, "", $2); print $2}' | grep -E '^20\.' | sort -V | tail -n 1 || true)"
    fi
    [ -n "$version" ] || die "no docker.io 20.x package is available from the configured sources (Debian 12 has 20.10.24; set LFS_LEGACY_VERSION)"
  fi
  spec="docker.io=$version"
  mkdir -p "$CACHE"
  deb="$(find "$CACHE" -maxdepth 1 -name 'docker.io_20.*.deb' | sort | tail -n 1)"
  if [ -z "$deb" ]; then
    log "downloading $spec into $CACHE"
    # _apt cannot write into a root-only directory; download as root, in the cache dir.
    if ! (cd "$CACHE" && apt-get download -q "$spec" -o APT::Sandbox::User=root >&2); then
      log "apt-get download failed; updating the package lists once"
      apt-get update -q >&2 || die "apt-get update failed"
      (cd "$CACHE" && apt-get download -q "$spec" -o APT::Sandbox::User=root >&2) || die "cannot download $spec"
    fi
    deb="$(find "$CACHE" -maxdepth 1 -name 'docker.io_*.deb' | sort | tail -n 1)"
  fi
  [ -n "$deb" ] || die "no docker.io .deb in $CACHE"
  case "$(basename "$deb")" in docker.io_20.*) ;; *) die "$(basename "$deb") is not Docker 20.x (set LFS_LEGACY_VERSION)";; esac
  log "unpacking $(basename "$deb") into $PREFIX"
  tmp="$PREFIX.partial"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  dpkg-deb -x "$deb" "$tmp"
  rm -rf "$PREFIX"
  mkdir -p "$(dirname "$PREFIX")"
  mv "$tmp" "$PREFIX"
fi
# docker-init (tini) comes from the system's tini package; the package's own link is relative.
mkdir -p "$PREFIX/libexec"
for t in /usr/bin/tini-static /usr/bin/docker-init; do
  if [ -x "$t" ]; then ln -sfn "$t" "$PREFIX/libexec/docker-init"; break; fi
done
if ! command -v ip >/dev/null; then
  log "installing iproute2 (for the bridge interface)"
  apt-get install -y -q --no-install-recommends iproute2 >&2 || die "cannot install iproute2"
fi
for b in containerd containerd-shim-runc-v2 runc; do
  command -v "$b" >/dev/null || die "$b not found (install the containerd and runc packages, e.g. with scripts/engine-setup.sh)"
done

# ---------------------------------------------------------------- 2. the daemon
if pid="$(running_pid)" && ldocker version >/dev/null 2>&1; then
  log "already running (pid $pid) on $HOST"
else
  if pid="$(running_pid)"; then
    log "dockerd (pid $pid) runs but does not answer yet; waiting"
  else
    mkdir -p "$RUNDIR" "$DATA" "$(dirname "$LOG")"
    chmod 0711 "$RUNDIR"
    rm -f "$SOCK" "$PIDFILE"
    printf '{"features": {"buildkit": true}}\n' >"$RUNDIR/daemon.json"
    if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
      log "creating bridge $BRIDGE ($BIP)"
      ip link add name "$BRIDGE" type bridge
      ip addr add "$BIP" dev "$BRIDGE"
    fi
    ip link set "$BRIDGE" up
    log "starting dockerd $("$LEGACY_DOCKERD" --version | sed 's/^Docker version //') on $HOST (log: $LOG)"
    printf '\n==== %s engine-legacy.sh starting dockerd ====\n' "$(date -Is)" >>"$LOG"
    # Own everything: socket, pid file, data root, exec root (its managed containerd lives
    # below it), config file (not /etc/docker/daemon.json), containerd namespaces; no iptables,
    # no ip forwarding/masquerading changes, its own bridge.
    PATH="$PREFIX/usr/sbin:$PREFIX/libexec:$PATH" setsid -f "$LEGACY_DOCKERD" \
      --host "$HOST" \
      --pidfile "$PIDFILE" \
      --data-root "$DATA" \
      --exec-root "$RUNDIR/exec" \
      --config-file "$RUNDIR/daemon.json" \
      --containerd-namespace lfs-docker-legacy \
      --containerd-plugins-namespace lfs-docker-legacy-plugins \
      --bridge "$BRIDGE" \
      --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false \
      --userland-proxy=false \
      --init-path "$PREFIX/libexec/docker-init" \
      --storage-driver overlay2 \
      >>"$LOG" 2>&1 </dev/null
  fi
  deadline=$((SECONDS + TIMEOUT))
  until ldocker version >/dev/null 2>&1; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      tail -n 40 "$LOG" >&2 || true
      die "the legacy dockerd did not answer within $TIMEOUT s (see $LOG)"
    fi
    if [ "$SECONDS" -gt 3 ] && ! running_pid >/dev/null; then
      sleep 1
      running_pid >/dev/null || { tail -n 40 "$LOG" >&2 || true; die "the legacy dockerd exited during start-up (see $LOG)"; }
    fi
    sleep 0.5
  done
  log "dockerd answers on $HOST"
fi

# ---------------------------------------------------------------- 3. images
for img in $IMAGES; do
  want="$(docker image inspect --format '{{.Id}}' "$img" 2>/dev/null || true)"
  have="$(ldocker image inspect --format '{{.Id}}' "$img" 2>/dev/null || true)"
  if [ -n "$have" ] && { [ -z "$want" ] || [ "$have" = "$want" ]; }; then
    log "image $img present"
    continue
  fi
  [ -n "$want" ] || die "image $img is neither in the legacy engine nor in the main one (run scripts/base-images.sh)"
  log "copying image $img from the main engine"
  docker save "$img" | ldocker load -q >&2
done

log "ready: DOCKER_HOST=$HOST ($(ldocker version --format 'Docker {{.Server.Version}}'))"
