#!/usr/bin/env bash
# base-images.sh - build lfs-docker's base images with debootstrap and `docker import`.
#
# No container registry is reachable on the machines lfs-docker is tested on, so
# `FROM debian:bookworm` cannot be pulled. Instead this script bootstraps Debian root
# file systems from the machine's own Debian mirror (the one apt already uses) and
# imports them into the local engine, where `FROM <name>` finds them.
#
# Images (names overridable):
#   host  ${LFS_HOST_IMAGE:-lfs-docker/host:bookworm}
#         everything the LFS book's "Host System Requirements" ask for (bash, binutils,
#         bison, coreutils, diffutils, findutils, gawk, gcc/g++, grep, gzip, m4, make,
#         patch, perl, python3, sed, tar, texinfo, xz), /bin/sh -> bash as the book
#         requires, plus what building binutils/gcc/glibc and an x86_64 defconfig kernel
#         needs (bc, flex, libelf-dev, libssl-dev, cpio, kmod) and download helpers.
#   iso   ${LFS_ISO_IMAGE:-lfs-docker/iso:bookworm}
#         tools to assemble a bootable ISO: xorriso, GRUB (BIOS, x86_64 EFI, arm64 EFI
#         modules), mtools, dosfstools, squashfs-tools, cpio, busybox-static, compressors,
#         and the other architecture's static busybox for its initramfs, unpacked in
#         /usr/lib/lfs-docker/<debian arch>/bin/busybox.
#   cross ${LFS_CROSS_IMAGE:-lfs-docker/cross:bookworm}
#         the host packages plus Debian's cross compilers for the other architecture
#         (gcc-aarch64-linux-gnu on amd64): the end-to-end test book cross-compiles its
#         BusyBox and kernel with them (the real book builds its own cross toolchain).
#   host-arm64 ${LFS_HOST_ARM64_IMAGE:-lfs-docker/host:bookworm-arm64}  (only when named)
#         the host image for linux/arm64, bootstrapped under QEMU user emulation: for
#         building the host stage emulated (--host-platform target), as a comparison.
#
# Images that already exist are skipped unless --force is given.
#
# Usage: sudo scripts/base-images.sh [--force] [host] [iso] [cross] [host-arm64]
#        (default: host iso cross)
#
# Environment (all optional):
#   LFS_HOST_IMAGE, LFS_ISO_IMAGE   image names
#   LFS_DEBIAN_SUITE                suite to bootstrap (default bookworm)
#   LFS_DEBIAN_MIRROR               mirror URI (default: the machine's Debian main archive
#                                   entry, read from /etc/apt/sources.list{,.d} through
#                                   engine-setup.sh --print-debian-mirror)
#   LFS_BASE_WORKDIR                where the temporary root file systems are created
#                                   (default /var/tmp; needs ~1.5 GB, must allow devices/exec)
#
# Requires root, debootstrap and a running engine (run scripts/engine-setup.sh first).
set -euo pipefail

readonly SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly SUITE="${LFS_DEBIAN_SUITE:-bookworm}"
readonly HOST_IMAGE="${LFS_HOST_IMAGE:-lfs-docker/host:$SUITE}"
readonly ISO_IMAGE="${LFS_ISO_IMAGE:-lfs-docker/iso:$SUITE}"
readonly CROSS_IMAGE="${LFS_CROSS_IMAGE:-lfs-docker/cross:$SUITE}"
readonly HOST_ARM64_IMAGE="${LFS_HOST_ARM64_IMAGE:-lfs-docker/host:$SUITE-arm64}"
readonly WORKDIR="${LFS_BASE_WORKDIR:-/var/tmp}"
readonly IMAGE_PATH='/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'

# LFS 12.x "Host System Requirements" + what the toolchain and kernel builds need.
readonly HOST_PACKAGES=(
  bash binutils bison coreutils diffutils findutils gawk gcc g++ libc6-dev grep gzip
  m4 make patch perl python3 sed tar texinfo xz-utils bzip2 file
  wget ca-certificates
  bc flex libelf-dev libssl-dev cpio kmod
)
ISO_PACKAGES=(
  xorriso grub-pc-bin grub-common mtools
  dosfstools squashfs-tools cpio busybox-static zstd xz-utils gzip
)
# grub-efi-<arch>-bin exists only for its own architecture in Debian (grub-efi-arm64-bin
# is not installable on amd64): install the native one, unpack the foreign one.
FOREIGN_GRUB=()

log()  { printf '==> %s\n' "$*" >&2; }
info() { printf '    %s\n' "$*" >&2; }
die()  { printf 'base-images: ERROR: %s\n' "$*" >&2; DIED=1; exit 1; }

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }

FORCE=0
WANT=()
for arg in "$@"; do
  case "$arg" in
    --force|-f) FORCE=1 ;;
    -h|--help) usage; exit 0 ;;
    host|iso|cross|host-arm64) WANT+=("$arg") ;;
    *) die "unknown argument '$arg' (see --help)" ;;
  esac
done
[ "${#WANT[@]}" -gt 0 ] || WANT=(host iso cross)

# ---------------------------------------------------------------------------
# cleanup: a debootstrap target may still have /proc, /sys, /dev/pts ... mounted when
# debootstrap fails; unmount everything below it before deleting, and never cross
# into another file system while deleting.
# ---------------------------------------------------------------------------
ROOTFS=""
DIED=0
cleanup_rootfs() {
  local dir=$1 m
  [ -n "$dir" ] && [ -d "$dir" ] || return 0
  # mount points below $dir, deepest first (mountinfo field 5, octal-escaped)
  while read -r m; do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || info "could not unmount $m"
  done < <(awk -v d="$dir" '{ p = $5; gsub(/\\040/, " ", p); if (index(p, d "/") == 1) print p }' \
             /proc/self/mountinfo | sort -r)
  if awk -v d="$dir" '{ if (index($5, d "/") == 1) f = 1 } END { exit !f }' /proc/self/mountinfo; then
    info "leaving $dir in place: something is still mounted below it"
    return 0
  fi
  rm -rf --one-file-system "$dir"
}
on_exit() {
  local rc=$?
  if [ -n "$ROOTFS" ]; then
    log "cleaning up $ROOTFS"
    cleanup_rootfs "$ROOTFS"
  fi
  if [ "$rc" -ne 0 ] && [ "$DIED" != 1 ]; then
    printf 'base-images: FAILED (exit %s)\n' "$rc" >&2
  fi
}
trap on_exit EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------
# preconditions
# ---------------------------------------------------------------------------
[ "$(id -u)" -eq 0 ] || die "must run as root (debootstrap needs it; try: sudo $0)"
command -v debootstrap >/dev/null || die "debootstrap not found (run scripts/engine-setup.sh first)"
command -v docker >/dev/null || die "docker client not found (run scripts/engine-setup.sh first)"
docker version >/dev/null 2>&1 || die "the docker engine does not answer (run scripts/engine-setup.sh first)"
mkdir -p "$WORKDIR"

ARCH="$(dpkg --print-architecture)"
for efi in amd64 arm64; do
  if [ "$efi" = "$ARCH" ]; then ISO_PACKAGES+=("grub-efi-$efi-bin")
  else FOREIGN_GRUB+=("grub-efi-$efi-bin:$efi"); FOREIGN_ARCH="$efi"; fi
done
# Debian's cross compiler for the other architecture (the end-to-end test book's).
case "$ARCH" in
  amd64) CROSS_PACKAGES=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross) ;;
  arm64) CROSS_PACKAGES=(gcc-x86-64-linux-gnu libc6-dev-amd64-cross) ;;
  *) CROSS_PACKAGES=() ;;
esac

MIRROR="${LFS_DEBIAN_MIRROR:-}"
find_mirror() { # only when something has to be built (keeps the no-op run fast)
  [ -z "$MIRROR" ] || return 0
  # the same Debian archive apt uses on this machine (no host name hard-coded here)
  MIRROR="$("$SCRIPT_DIR/engine-setup.sh" --print-debian-mirror "$SUITE" 2>/dev/null | head -n1 || true)"
  [ -n "$MIRROR" ] || MIRROR="$("$SCRIPT_DIR/engine-setup.sh" --print-debian-mirror 2>/dev/null | head -n1 || true)"
  [ -n "$MIRROR" ] || die "cannot find the machine's Debian mirror in /etc/apt/sources.list{,.d}; set LFS_DEBIAN_MIRROR"
  log "suite $SUITE, architecture $ARCH, mirror $MIRROR"
}

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

join_by_comma() { local IFS=,; printf '%s' "$*"; }

# ---------------------------------------------------------------------------
# build_image KIND NAME PACKAGES...   (DEB_ARCH: the architecture to bootstrap)
# ---------------------------------------------------------------------------
build_image() {
  local kind=$1 name=$2; shift 2
  local arch=${DEB_ARCH:-$ARCH}
  local pkgs=("$@") t0 old_id dlog new_id size
  t0=$SECONDS

  if image_exists "$name"; then
    if [ "$FORCE" = 1 ]; then
      log "[$kind] $name exists; rebuilding (--force)"
    else
      log "[$kind] $name already exists; skipping (use --force to rebuild)"
      return 0
    fi
  fi
  old_id="$(docker image inspect --format '{{.Id}}' "$name" 2>/dev/null || true)"
  find_mirror

  ROOTFS="$(mktemp -d "$WORKDIR/lfs-docker-rootfs-$kind.XXXXXX")"
  dlog="$WORKDIR/lfs-docker-debootstrap-$kind.log"
  log "[$kind] debootstrap --variant=minbase $SUITE -> $ROOTFS (log: $dlog)"
  info "packages: ${pkgs[*]}"
  if ! debootstrap --variant=minbase --arch="$arch" --components=main \
       --include="$(join_by_comma "${pkgs[@]}")" \
       "$SUITE" "$ROOTFS" "$MIRROR" >"$dlog" 2>&1; then
    printf '\n---- last 30 lines of %s ----\n' "$dlog" >&2
    tail -n 30 "$dlog" >&2 || true
    die "[$kind] debootstrap failed (see $dlog)"
  fi
  info "debootstrap done in $((SECONDS - t0)) s"

  # make sure nothing from the bootstrap (proc, sys, dev/pts) is still mounted
  if awk -v d="$ROOTFS" '{ if (index($5, d "/") == 1) f = 1 } END { exit !f }' /proc/self/mountinfo; then
    die "[$kind] something is still mounted below $ROOTFS after debootstrap"
  fi

  if [ "$kind" = iso ] && [ "${#FOREIGN_GRUB[@]}" -gt 0 ]; then
    # GRUB's EFI modules for another architecture (e.g. arm64-efi on an amd64 machine)
    # are not packaged for this architecture; they are target code, not programs, so
    # unpack that architecture's grub-efi-*-bin into /usr/lib/grub/<target> where
    # grub-mkrescue -d / grub-mkimage -d find them.
    local fp farch
    for fp in "${FOREIGN_GRUB[@]}"; do
      farch="${fp##*:}"
      log "[$kind] unpacking $fp (modules only) into the image"
      chroot "$ROOTFS" sh -ec "
        dpkg --add-architecture $farch
        apt-get -q update >/dev/null
        cd /tmp && apt-get -q download $fp >/dev/null
        for d in /tmp/*_$farch.deb; do dpkg-deb -x "\$d" /; done
        rm -f /tmp/*.deb
        dpkg --remove-architecture $farch" >>"$dlog" 2>&1 \
        || die "[$kind] could not unpack $fp (see $dlog)"
    done
    # The other architecture's static busybox, for that architecture's initramfs (the
    # iso-builder runs on the build machine whatever the target).
    log "[$kind] unpacking busybox-static:$FOREIGN_ARCH into /usr/lib/lfs-docker/$FOREIGN_ARCH"
    chroot "$ROOTFS" sh -ec "
      dpkg --add-architecture $FOREIGN_ARCH
      apt-get -q update >/dev/null
      cd /tmp && apt-get -q download busybox-static:$FOREIGN_ARCH >/dev/null
      mkdir -p /usr/lib/lfs-docker/$FOREIGN_ARCH
      dpkg-deb -x /tmp/busybox-static_*_$FOREIGN_ARCH.deb /usr/lib/lfs-docker/$FOREIGN_ARCH
      rm -f /tmp/*.deb
      dpkg --remove-architecture $FOREIGN_ARCH" >>"$dlog" 2>&1 \
      || die "[$kind] could not unpack busybox-static:$FOREIGN_ARCH (see $dlog)"
  fi

  if [ "$kind" != iso ]; then
    # LFS: "/bin/sh should be a symbolic or hard link to bash". bookworm's dash owns a
    # diversion of /bin/sh (to /bin/sh.distrib) and re-points /bin/sh at dash on every
    # configure unless the diversion is the admin's (LOCAL); so turn it into a local
    # diversion, then link bash.
    if [ "$(chroot "$ROOTFS" dpkg-divert --listpackage /bin/sh)" != LOCAL ]; then
      if [ "$(chroot "$ROOTFS" dpkg-divert --listpackage /bin/sh)" = dash ]; then
        chroot "$ROOTFS" dpkg-divert --quiet --package dash --no-rename --remove /bin/sh
      fi
      chroot "$ROOTFS" dpkg-divert --quiet --local --no-rename --divert /bin/sh.distrib --add /bin/sh
    fi
    ln -sfn bash "$ROOTFS/bin/sh"
    [ "$(readlink "$ROOTFS/bin/sh")" = bash ] || die "[host] could not point /bin/sh at bash"
  fi

  # Strip what is specific to this machine or only a cache: the engine provides
  # /etc/hosts, /etc/hostname and /etc/resolv.conf to every container/RUN step.
  rm -rf "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/cache/apt/*.bin \
         "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/log/*.log "$ROOTFS"/debootstrap \
         "$ROOTFS"/tmp/* "$ROOTFS"/var/tmp/*
  mkdir -p "$ROOTFS/var/lib/apt/lists/partial"
  : >"$ROOTFS/etc/resolv.conf"
  printf 'localhost\n' >"$ROOTFS/etc/hostname"
  rm -f "$ROOTFS/etc/machine-id" && : >"$ROOTFS/etc/machine-id"

  log "[$kind] docker import -> $name"
  tar -C "$ROOTFS" --numeric-owner --xattrs --xattrs-include='security.capability' -c . \
    | docker import --platform "linux/$arch" \
        --change "ENV PATH=$IMAGE_PATH" \
        --change 'CMD ["/bin/bash"]' \
        --change "LABEL org.opencontainers.image.title=lfs-docker-$kind org.opencontainers.image.base.name=debian:$SUITE" \
        --message "lfs-docker base-images.sh: debootstrap --variant=minbase $SUITE ($kind)" \
        - "$name" >/dev/null \
    || die "[$kind] docker import failed"

  cleanup_rootfs "$ROOTFS"
  ROOTFS=""

  new_id="$(docker image inspect --format '{{.Id}}' "$name")"
  if [ -n "$old_id" ] && [ "$old_id" != "$new_id" ]; then
    docker image rm "$old_id" >/dev/null 2>&1 || info "old image $old_id is still in use; left in place"
  fi
  size="$(docker image inspect --format '{{.Size}}' "$name")"

  # smoke test: the image runs and has its key tools
  local check
  if [ "$kind" = cross ]; then
    check='set -e; readlink /bin/sh; gcc --version | head -n1; for c in /usr/bin/*-linux-gnu-gcc; do "$c" --version | head -n1; done'
  elif [ "$kind" != iso ]; then
    check='set -e; readlink /bin/sh; bash --version | head -n1; gcc --version | head -n1;
           ld --version | head -n1; make --version | head -n1; python3 --version;
           bison --version | head -n1; flex --version; bc --version | head -n1'
  else
    check='set -e; xorriso -version 2>&1 | head -n1; grub-mkrescue --version;
           ls -d /usr/lib/grub/i386-pc /usr/lib/grub/x86_64-efi /usr/lib/grub/arm64-efi; ls /usr/lib/grub/arm64-efi | wc -l;
           ls /usr/lib/lfs-docker/*/bin/busybox;
           mksquashfs -version | head -n1; busybox | head -n1'
  fi
  docker run --rm --network none --platform "linux/$arch" "$name" bash -c "$check" 2>&1 | sed 's/^/    | /' >&2 \
    || die "[$kind] smoke test of $name failed"

  log "[$kind] $name built in $((SECONDS - t0)) s ($((size / 1000000)) MB)"
  rm -f "$dlog"
}

for kind in "${WANT[@]}"; do
  case "$kind" in
    host)  build_image host  "$HOST_IMAGE"  "${HOST_PACKAGES[@]}" ;;
    iso)   build_image iso   "$ISO_IMAGE"   "${ISO_PACKAGES[@]}" ;;
    cross) build_image cross "$CROSS_IMAGE" "${HOST_PACKAGES[@]}" "${CROSS_PACKAGES[@]}" ;;
    host-arm64)
      [ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] || [ "$ARCH" = arm64 ] \
        || die "[host-arm64] no QEMU user emulation for aarch64 is registered (scripts/boot-setup.sh --aarch64)"
      DEB_ARCH=arm64 build_image host-arm64 "$HOST_ARM64_IMAGE" "${HOST_PACKAGES[@]}" ;;
  esac
done

log "images:"
for kind in "${WANT[@]}"; do
  case "$kind" in host) n=$HOST_IMAGE ;; iso) n=$ISO_IMAGE ;; cross) n=$CROSS_IMAGE ;; host-arm64) n=$HOST_ARM64_IMAGE ;; esac
  docker image ls --format '    {{.Repository}}:{{.Tag}}  {{.ID}}  {{.Size}}  {{.CreatedSince}}' "$n" >&2
done
