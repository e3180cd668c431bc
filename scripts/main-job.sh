#!/usr/bin/env bash
# main-job.sh - the main job on a fresh Debian 12 machine, in one command: the real LFS 12.3 book
# built from source through lfs-docker and its ISO booted (hours on 2 cores).
#
# It installs what it needs (each step idempotent, as .ci/run's): the engine (engine-setup.sh), the
# host and ISO base images (base-images.sh), QEMU for the boots (boot-setup.sh), the autotools that
# three of the Debian-assembled sources need, the npm packages, then compiles lfs-docker and runs
# the proof (scripts/proof-chain.sh) in increments, each continuing from BuildKit's cache: re-run
# it after an interruption and it goes on from the last finished section.
#
# Usage: sudo scripts/main-job.sh [sysv|systemd]   (default sysv)
# The ISO: under the test cache (proof-out-12.3-x86_64-<init>/); the record: proof/12.3-x86_64-<init>/.
set -euo pipefail
cd "$(dirname "$0")/.."
init=${1:-sysv}
case "$init" in sysv|systemd) ;; *) echo "main-job: '$init' is not an edition (sysv, systemd)" >&2; exit 64 ;; esac

bash scripts/engine-setup.sh
bash scripts/base-images.sh host
bash scripts/base-images.sh iso
bash scripts/boot-setup.sh
DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q \
  autoconf automake libtool autopoint gettext pkg-config >/dev/null
npm ci --no-audit --no-fund
npm run build
exec bash scripts/proof-chain.sh "$init" 5.6 6.18 7.13 8.30 8.60 8.85 full
