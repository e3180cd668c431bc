#!/usr/bin/env bash
# boot-setup.sh - install what `lfs-docker boot` and the end-to-end tests need on a Debian machine:
# QEMU for x86_64 (and for aarch64 with --aarch64), the UEFI firmware for each, xorriso (the ISO
# checks) and Chromium (the HTML build report's browser test: test/integration/report-browser.test.ts).
# With --aarch64 also QEMU user emulation, registered with the kernel (binfmt_misc), so that
# a builder on this machine can run linux/arm64 steps. Only packages of the machine's own Debian
# release are installed; nothing installed is upgraded (apt-get --no-upgrade). Already installed:
# nothing to do.
#
# Usage: sudo scripts/boot-setup.sh [--aarch64]
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

pkgs=(qemu-system-x86 ovmf xorriso chromium)
case "${1:-}" in
  '') ;;
  --aarch64) pkgs+=(qemu-system-arm qemu-efi-aarch64 qemu-user-static binfmt-support) ;;
  -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
  *) echo "boot-setup: unknown argument '$1' (accepted: --aarch64, --help)" >&2; exit 2 ;;
esac

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "==> boot tools present: ${pkgs[*]}" >&2
else
  echo "==> installing: ${missing[*]}" >&2
  apt-get update -qq
  # The machine's own release only (the engine set-up pins trixie at 100, which apt never prefers).
  apt-get install -y -qq --no-install-recommends --no-upgrade "${missing[@]}" >/dev/null
fi
if [ "${1:-}" = --aarch64 ]; then
  # QEMU user emulation for foreign binaries: binfmt_misc mounted, Debian's formats enabled.
  [ -e /proc/sys/fs/binfmt_misc/register ] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
  update-binfmts --enable >/dev/null 2>&1 || true
  [ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] || { echo "boot-setup: qemu-aarch64 is not registered in binfmt_misc" >&2; exit 1; }
  echo "==> QEMU user emulation registered: $(cd /proc/sys/fs/binfmt_misc && ls -d qemu-* | tr '\n' ' ')" >&2
  qemu-system-aarch64 --version | head -n1
  ls /usr/share/AAVMF/AAVMF_CODE.fd
fi
qemu-system-x86_64 --version | head -n1
xorriso -version 2>/dev/null | head -n1
chromium --version 2>/dev/null
ls /usr/share/OVMF/OVMF_CODE_4M.fd /usr/share/OVMF/OVMF_VARS_4M.fd
