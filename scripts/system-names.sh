#!/bin/bash
# Regenerate data/timezones.txt, data/locales.txt and data/keymaps.txt: the names --timezone,
# --locale/--charmap and --keymap accept (src/system-names.ts reads them).
#
#   scripts/system-names.sh [CONSOLE_DATA_DEB]
#
# - timezones: every zone and link of the tz database, from /usr/share/zoneinfo/tzdata.zi (Debian's
#   tzdata package; the book builds tzdata2025a, Debian 12 ships 2025b: a superset by one zone).
# - locales: "LOCALE CHARMAP" pairs of glibc's supported list, /usr/share/i18n/SUPPORTED (Debian's
#   locales package: apt-get install locales), the locale without its .charmap suffix.
# - keymaps: the console keymap names, from the keymaps of Debian's console-data package (kbd's own
#   package in Debian ships none): give its .deb (apt-get download console-data), or have
#   /usr/share/keymaps installed.
set -euo pipefail
cd "$(dirname "$0")/.."
zi=/usr/share/zoneinfo/tzdata.zi
supported=/usr/share/i18n/SUPPORTED
[ -r "$zi" ] || { echo "$zi missing: apt-get install tzdata" >&2; exit 1; }
[ -r "$supported" ] || { echo "$supported missing: apt-get install locales" >&2; exit 1; }

{
  echo "# tz database zone and link names, from $(head -1 "$zi" | sed 's/^# //') ($zi); scripts/system-names.sh"
  awk '$1 == "Z" { print $2 } $1 == "L" { print $3 }' "$zi" | LC_ALL=C sort -u
} > data/timezones.txt

{
  echo "# glibc supported locales as LOCALE CHARMAP (locale without .charmap), from $supported; scripts/system-names.sh"
  sed -E 's/^([^ .]+)(\.[^ @]+)?(@[^ ]+)? (.+)$/\1\3 \4/' "$supported" | LC_ALL=C sort -u
} > data/locales.txt

keymaps=/usr/share/keymaps
if [ $# -gt 0 ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  dpkg-deb -x "$1" "$tmp"
  keymaps=$tmp/usr/share/keymaps
fi
[ -d "$keymaps" ] || { echo "$keymaps missing: give the console-data .deb (apt-get download console-data)" >&2; exit 1; }
{
  echo "# console keymap names (loadkeys NAME), from Debian's console-data keymaps; scripts/system-names.sh"
  find "$keymaps" -path '*/include' -prune -o -type f \( -name '*.kmap.gz' -o -name '*.map.gz' -o -name '*.kmap' -o -name '*.map' \) -print |
    sed -E 's,.*/,,; s/\.(k?map)(\.gz)?$//' | LC_ALL=C sort -u
} > data/keymaps.txt
wc -l data/*.txt
