#!/usr/bin/env bash
# engine-setup.sh - install and start a Docker Engine with a modern BuildKit.
#
# lfs-docker needs Docker Engine >= 26 (BuildKit >= 0.13: heredocs in the builtin
# Dockerfile frontend, RUN --mount, named build contexts, `buildx bake`).
# Debian 12 ("bookworm") only ships docker.io 20.10 (BuildKit 0.8), so on such a
# machine this script borrows docker.io + docker-buildx from Debian 13 ("trixie"),
# using the *same* archive URIs the machine already uses for Debian, pinned at a low
# priority so that nothing else is ever upgraded from trixie by accident.
#
# What it does (each step is skipped when already done, so re-running is cheap):
#   1. installs debootstrap, ca-certificates, iptables, iproute2 and docker-registry (Debian's
#      distribution 2.8, the registry the cache tests push to) from the machine's own release
#   2. if `dockerd` is missing or older than 26 (or the buildx plugin is missing):
#      adds a trixie apt source + a priority-100 pin, then installs only
#      docker.io and docker-buildx from trixie (docker.io/trixie docker-buildx/trixie;
#      their dependencies - containerd, runc, tini, ... - come from the machine's release)
#   3. starts dockerd in the background (no systemd needed) unless `docker version`
#      already answers, and waits for it
#   4. makes sure `docker buildx` works with whichever docker client is first on PATH
#   5. prints `docker version`, `docker buildx version` and the builder's BuildKit version
#
# Environment (all optional):
#   LFS_DOCKERD_LOG        dockerd log file (default /var/log/lfs-docker-dockerd.log)
#   LFS_DOCKERD_ARGS       extra arguments for dockerd (word-split), e.g. "--iptables=false"
#   LFS_DOCKERD_TIMEOUT    seconds to wait for dockerd to answer (default 90)
#   LFS_DOCKER_MIN_MAJOR   minimum Docker Engine major version (default 26)
#   LFS_DOCKER_SUITE       Debian suite to take docker.io from (default trixie)
#
# Usage: sudo scripts/engine-setup.sh
#        scripts/engine-setup.sh --print-debian-mirror [SUITE]
#            prints the URI(s) of the machine's Debian main archive entry for SUITE
#            (default: the machine's release), one per line, and exits; used by
#            base-images.sh so that debootstrap uses the same mirror as apt.
set -euo pipefail

readonly DOCKERD_LOG="${LFS_DOCKERD_LOG:-/var/log/lfs-docker-dockerd.log}"
readonly DOCKERD_TIMEOUT="${LFS_DOCKERD_TIMEOUT:-90}"
readonly MIN_MAJOR="${LFS_DOCKER_MIN_MAJOR:-26}"
readonly DOCKER_SUITE="${LFS_DOCKER_SUITE:-trixie}"
readonly SOURCES_FILE="/etc/apt/sources.list.d/lfs-docker-${DOCKER_SUITE}.sources"
readonly PIN_FILE="/etc/apt/preferences.d/lfs-docker-${DOCKER_SUITE}"
readonly PLUGIN_DIR_DEBIAN=/usr/libexec/docker/cli-plugins
readonly PLUGIN_DIR_LOCAL=/usr/local/lib/docker/cli-plugins
readonly DEBIAN_KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

export DEBIAN_FRONTEND=noninteractive

log()  { printf '==> %s\n' "$*" >&2; }
info() { printf '    %s\n' "$*" >&2; }
die()  { printf 'engine-setup: ERROR: %s\n' "$*" >&2; DIED=1; exit 1; }

DIED=0
trap 'rc=$?; [ "$rc" -eq 0 ] || [ "$DIED" = 1 ] || printf "engine-setup: FAILED (exit %s) at line %s: %s\n" "$rc" "$LINENO" "$BASH_COMMAND" >&2' EXIT

MODE=setup
case "${1:-}" in
  '') ;;
  --print-debian-mirror) MODE=print-mirror ;;
  -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
  *) die "unknown argument '$1' (see --help)" ;;
esac

command -v apt-get >/dev/null || die "apt-get not found: this script supports Debian-based machines only"
if [ "$MODE" = setup ]; then
  [ "$(id -u)" -eq 0 ] || die "must run as root (try: sudo $0)"
fi

START=$SECONDS

# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------
is_installed() { # pkg -> 0 if dpkg considers it installed
  dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null | grep -q '^install ok installed$'
}

dockerd_major() { # prints the major version of the installed dockerd, or nothing
  local v
  command -v dockerd >/dev/null 2>&1 || return 0
  v="$(dockerd --version 2>/dev/null | sed -n 's/^Docker version \([0-9][0-9]*\)\..*/\1/p')"
  printf '%s' "$v"
}

APT_UPDATED=0
apt_update() {
  log "apt-get update"
  # --error-on=any: a repository that cannot be fetched or verified is an error, not a
  # warning (plain `apt-get update` exits 0 and silently keeps stale indexes).
  apt-get update -q --error-on=any >&2 \
    || die "apt-get update failed (is the package archive reachable? see the messages above)"
  APT_UPDATED=1
}

# Lines "TYPE<TAB>URI<TAB>SUITE<TAB>COMPONENTS<TAB>SIGNED_BY" for every enabled entry in
# apt's sources: deb822 files (*.sources) and one-line files (sources.list, *.list).
# Files with other suffixes (e.g. *.disabled) are ignored, exactly like apt does.
list_apt_entries() {
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -r "$f" ] || continue
    awk '
      function flush(   nt, t, nu, u, ns, s, i, j, k) {
        if (have && tolower(enabled) != "no") {
          nt = split(types, t, " "); nu = split(uris, u, " "); ns = split(suites, s, " ")
          for (i = 1; i <= nt; i++) for (j = 1; j <= nu; j++) for (k = 1; k <= ns; k++)
            printf "%s\t%s\t%s\t%s\t%s\n", t[i], u[j], s[k], comps, signed
        }
        have = 0; types = uris = suites = comps = signed = key = ""; enabled = "yes"
      }
      BEGIN { enabled = "yes" }
      /^[ \t]*#/ { next }
      /^[ \t]*$/ { flush(); next }
      /^[ \t]/ {                       # continuation line of a multi-line field
        if (key == "uris") uris = uris " " $0
        else if (key == "suites") suites = suites " " $0
        else if (key == "components") comps = comps " " $0
        else if (key == "types") types = types " " $0
        else if (key == "signed-by") signed = ""   # inline key block: not a path
        next
      }
      {
        c = index($0, ":"); if (c == 0) next
        key = tolower(substr($0, 1, c - 1)); val = substr($0, c + 1)
        gsub(/^[ \t]+|[ \t]+$/, "", val); have = 1
        if (key == "types") types = val
        else if (key == "uris") uris = val
        else if (key == "suites") suites = val
        else if (key == "components") comps = val
        else if (key == "signed-by") signed = val
        else if (key == "enabled") enabled = val
      }
      END { flush() }
    ' "$f"
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -r "$f" ] || continue
    awk '
      { sub(/#.*/, "") }
      NF < 3 { next }
      {
        type = $1; i = 2; signed = ""
        if ($2 ~ /^\[/) {                  # [ option=value ... ]
          opts = ""
          for (; i <= NF; i++) { opts = opts " " $i; if ($i ~ /\]$/) { i++; break } }
          gsub(/[\[\]]/, " ", opts)
          n = split(opts, o, " ")
          for (j = 1; j <= n; j++) if (o[j] ~ /^signed-by=/) { signed = substr(o[j], 11) }
        }
        uri = $i; suite = $(i + 1); comps = ""
        for (j = i + 2; j <= NF; j++) comps = comps (comps == "" ? "" : " ") $j
        printf "%s\t%s\t%s\t%s\t%s\n", type, uri, suite, comps, signed
      }
    ' "$f"
  done
}

# URIs (one per line) apt itself reports as the Debian archive (o=Debian, l=Debian) for
# the given suite. Empty when apt has no downloaded metadata yet.
apt_debian_archive_uris() {
  apt-cache policy 2>/dev/null | awk -v want="$1" '
    /^ *-?[0-9]+ [a-z+]+:\/\// { uri = $2; split($3, sc, "/"); suite = sc[1]; next }
    /^ +release / {
      if (uri != "" && suite == want && $0 ~ /o=Debian,/ && $0 ~ /l=Debian,/) print uri
      uri = ""
    }
  ' | sed 's:/*$::' | sort -u
}

# "URI<TAB>SIGNED_BY" of the machine's Debian *main archive* entries for the machine's
# release (suite == codename exactly, so not -security/-updates/-backports; component
# main; no third-party repos: the repository must be Debian's own).
debian_main_archive() {
  local codename=$1 confirmed type uri suite comps signed
  confirmed="$(apt_debian_archive_uris "$codename")"
  while IFS=$'\t' read -r type uri suite comps signed; do
    [ "$type" = deb ] || continue
    [ "$suite" = "$codename" ] || continue
    case " $comps " in *" main "*) ;; *) continue ;; esac
    if [ -n "$confirmed" ]; then
      # apt knows which repositories are Debian's (Release file: Origin/Label Debian)
      grep -qxF "${uri%/}" <<<"$confirmed" || continue
    else
      # no metadata yet: accept only entries that are not signed by a third-party key
      case "$signed" in ''|*debian-archive-keyring*) ;; *) continue ;; esac
    fi
    printf '%s\t%s\n' "$uri" "$signed"
  done < <(list_apt_entries) | awk -F'\t' '!seen[$1]++'
}

# Write FILE with CONTENT only if it differs (keeps mtimes stable, idempotent).
write_if_changed() {
  local file=$1 content=$2
  if [ -f "$file" ] && [ "$(cat "$file")" = "$content" ]; then
    info "unchanged: $file"
    return 1
  fi
  printf '%s\n' "$content" >"$file"
  info "wrote: $file"
  return 0
}

# shellcheck disable=SC1091
CODENAME="$(. /etc/os-release && printf '%s' "${VERSION_CODENAME:-}")"
[ -n "$CODENAME" ] || die "cannot read VERSION_CODENAME from /etc/os-release"

if [ "$MODE" = print-mirror ]; then
  suite="${2:-$CODENAME}"
  mirrors="$(debian_main_archive "$suite" | cut -f1)"
  [ -n "$mirrors" ] || die "no Debian main archive entry for '$suite' in /etc/apt/sources.list{,.d}"
  printf '%s\n' "$mirrors"
  exit 0
fi

# ---------------------------------------------------------------------------
# 1+2. packages
# ---------------------------------------------------------------------------

BASE_PKGS=(ca-certificates iptables iproute2 debootstrap docker-registry)
missing_base=()
for p in "${BASE_PKGS[@]}"; do is_installed "$p" || missing_base+=("$p"); done

cur_major="$(dockerd_major)"
need_docker=0
if [ -z "$cur_major" ]; then
  log "dockerd is not installed"
  need_docker=1
elif [ "$cur_major" -lt "$MIN_MAJOR" ]; then
  log "dockerd $(dockerd --version) is older than $MIN_MAJOR"
  need_docker=1
elif ! is_installed docker-buildx && [ ! -x "$PLUGIN_DIR_DEBIAN/docker-buildx" ] \
     && ! docker buildx version >/dev/null 2>&1; then
  log "dockerd $cur_major is fine, but the buildx plugin is missing"
  need_docker=1
else
  log "dockerd is new enough: $(dockerd --version)"
fi

if [ "${#missing_base[@]}" -gt 0 ]; then
  [ "$APT_UPDATED" = 1 ] || apt_update
  log "installing from $CODENAME: ${missing_base[*]}"
  apt-get install -y -q --no-install-recommends "${missing_base[@]}" >&2
else
  log "already installed: ${BASE_PKGS[*]}"
fi

if [ "$need_docker" = 1 ]; then
  T0=$SECONDS
  [ "$APT_UPDATED" = 1 ] || apt_update

  candidate="$(apt-cache policy docker.io 2>/dev/null | sed -n 's/^ *Candidate: *//p')"
  cand_major="$(printf '%s' "$candidate" | sed -n 's/^\([0-9]*:\)\{0,1\}\([0-9][0-9]*\)\..*/\2/p')"
  from_suite=""
  if [ -n "$cand_major" ] && [ "$cand_major" -ge "$MIN_MAJOR" ]; then
    log "docker.io $candidate from the configured sources is new enough; no extra suite needed"
  else
    log "docker.io candidate is '${candidate:-none}': adding Debian '$DOCKER_SUITE' (pinned at 100) for docker.io"
    mapfile -t archive < <(debian_main_archive "$CODENAME")
    [ "${#archive[@]}" -gt 0 ] || die "no Debian main archive entry for '$CODENAME' found in /etc/apt/sources.list{,.d}; cannot derive a '$DOCKER_SUITE' source"
    uris=() signed_by=""
    for line in "${archive[@]}"; do
      uris+=("${line%%$'\t'*}")
      [ -n "$signed_by" ] || signed_by="${line#*$'\t'}"
    done
    [ -n "$signed_by" ] || { [ -r "$DEBIAN_KEYRING" ] && signed_by="$DEBIAN_KEYRING"; } || true
    info "Debian archive URIs: ${uris[*]}"
    src="# Added by lfs-docker scripts/engine-setup.sh: Debian '$DOCKER_SUITE', used only for
# docker.io/docker-buildx (see $PIN_FILE, priority 100: never chosen by default).
Types: deb
URIs: ${uris[*]}
Suites: $DOCKER_SUITE
Components: main"
    [ -z "$signed_by" ] || src+=$'\n'"Signed-By: $signed_by"
    pin="# Added by lfs-docker scripts/engine-setup.sh: packages from Debian '$DOCKER_SUITE' are only
# installed when asked for explicitly (apt-get install PACKAGE/$DOCKER_SUITE).
Package: *
Pin: release n=$DOCKER_SUITE
Pin-Priority: 100"
    changed=0
    write_if_changed "$PIN_FILE" "$pin" && changed=1
    write_if_changed "$SOURCES_FILE" "$src" && changed=1
    # grep without -q reads to the end: under pipefail, apt-cache must not die of SIGPIPE
    if [ "$changed" = 1 ] || ! apt-cache policy 2>/dev/null | grep "n=$DOCKER_SUITE," >/dev/null; then
      apt_update
    fi
    from_suite="/$DOCKER_SUITE"
  fi

  # Only docker.io and docker-buildx come from $DOCKER_SUITE: they are selected with
  # "pkg/$DOCKER_SUITE", so apt resolves every dependency from the machine's own release
  # ($CODENAME, priority 500 > 100) whenever it can; containerd, runc and tini stay at
  # $CODENAME's versions (docker.io 26 only needs containerd >= 1.4, runc >= 1.0, any tini;
  # checked: Docker 26.1.5 runs and builds on bookworm's containerd 1.6.20 / runc 1.1.5).
  # NOT `apt-get install -t $DOCKER_SUITE docker.io docker-buildx`: -t raises *every*
  # package of $DOCKER_SUITE to priority 990 for that command, so each dependency it has
  # to install comes from $DOCKER_SUITE too; trixie's tini needs libc6 >= 2.38, and that
  # dragged libc6, libc-bin, locales, base-files, dpkg and the gcc-14 runtime libraries
  # from trixie onto a bookworm machine when tried. As a safety net the transaction is
  # simulated first and refused if it would upgrade anything already installed besides
  # the requested packages (override: LFS_ENGINE_ALLOW_UPGRADES=1).
  # Even with pkg/suite apt prefers trixie's containerd (1.7) for docker.io/trixie, so
  # containerd and runc - when not installed yet - are named with /$CODENAME explicitly.
  # If that combination ever stops being installable, apt is left to choose them (the
  # upgrade check below still guards the rest of the system).
  pkgs=("docker.io${from_suite:-}" "docker-buildx${from_suite:-}")
  keep=()
  if [ -n "${from_suite:-}" ]; then
    for p in containerd runc; do
      is_installed "$p" || keep+=("$p/$CODENAME")
    done
  fi
  if ! plan="$(apt-get install -s --no-install-recommends "${pkgs[@]}" "${keep[@]}" 2>&1)"; then
    [ "${#keep[@]}" -gt 0 ] || { printf '%s\n' "$plan" >&2; die "apt cannot install ${pkgs[*]}"; }
    log "cannot keep ${keep[*]}; letting apt choose containerd/runc"
    keep=()
    plan="$(apt-get install -s --no-install-recommends "${pkgs[@]}" 2>&1)" \
      || { printf '%s\n' "$plan" >&2; die "apt cannot install ${pkgs[*]}"; }
  fi
  pkgs+=("${keep[@]}")
  # "Inst NAME [OLDVERSION] (NEWVERSION ...)" = upgrade/downgrade of an installed package
  others="$(awk '$1 == "Inst" && $3 ~ /^\[/ && $2 != "docker.io" && $2 != "docker-buildx" { print $2 " " $3 " -> " $4 }' <<<"$plan")"
  if [ -n "$others" ]; then
    printf '%s\n' "$others" | sed 's/^/      /' >&2
    [ "${LFS_ENGINE_ALLOW_UPGRADES:-0}" = 1 ] \
      || die "installing ${pkgs[*]} would also change the installed packages above; refusing (set LFS_ENGINE_ALLOW_UPGRADES=1 to allow)"
  fi
  log "installing: ${pkgs[*]} (plus, from $CODENAME where possible, their dependencies)"
  awk '$1 == "Inst" { print "      " $0 }' <<<"$plan" >&2
  apt-get install -y -q --no-install-recommends "${pkgs[@]}" >&2 \
    || die "apt-get install ${pkgs[*]} failed"
  new_major="$(dockerd_major)"
  [ -n "$new_major" ] && [ "$new_major" -ge "$MIN_MAJOR" ] \
    || die "installed dockerd is '$(dockerd --version 2>&1 || true)', still older than $MIN_MAJOR"
  log "engine packages installed in $((SECONDS - T0)) s: $(dockerd --version)"
fi

# ---------------------------------------------------------------------------
# 3. start dockerd
# ---------------------------------------------------------------------------
command -v docker >/dev/null || die "no docker client on PATH"

if docker version >/dev/null 2>&1; then
  log "docker engine already answers"
else
  if pgrep -x dockerd >/dev/null 2>&1; then
    log "dockerd is running (pid $(pgrep -x dockerd | tr '\n' ' ')) but does not answer yet; waiting"
  else
    log "starting dockerd (log: $DOCKERD_LOG)"
    mkdir -p "$(dirname "$DOCKERD_LOG")"
    printf '\n==== %s engine-setup.sh starting dockerd ====\n' "$(date -Is)" >>"$DOCKERD_LOG"
    # BuildKit clips a step's log at 2 MiB (and 200 KiB/s): a book section's compile prints more, and
    # its error comes last. Raised (1 GiB, 100 MiB/s; explicit values, as -1 was broken in some
    # versions) unless the environment gives its own.
    # shellcheck disable=SC2086  # LFS_DOCKERD_ARGS is intentionally word-split
    BUILDKIT_STEP_LOG_MAX_SIZE="${BUILDKIT_STEP_LOG_MAX_SIZE:-1073741824}" BUILDKIT_STEP_LOG_MAX_SPEED="${BUILDKIT_STEP_LOG_MAX_SPEED:-104857600}" \
      setsid -f dockerd ${LFS_DOCKERD_ARGS:-} >>"$DOCKERD_LOG" 2>&1 </dev/null
  fi
  deadline=$((SECONDS + DOCKERD_TIMEOUT))
  until docker version >/dev/null 2>&1; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      printf '\n---- last 40 lines of %s ----\n' "$DOCKERD_LOG" >&2
      tail -n 40 "$DOCKERD_LOG" >&2 || true
      die "dockerd did not answer within ${DOCKERD_TIMEOUT} s (see $DOCKERD_LOG)"
    fi
    if ! pgrep -x dockerd >/dev/null 2>&1; then
      printf '\n---- last 40 lines of %s ----\n' "$DOCKERD_LOG" >&2
      tail -n 40 "$DOCKERD_LOG" >&2 || true
      die "dockerd exited during start-up (see $DOCKERD_LOG)"
    fi
    sleep 1
  done
  log "dockerd answers"
fi

# ---------------------------------------------------------------------------
# 4. buildx for the docker client first on PATH
# ---------------------------------------------------------------------------
if ! docker buildx version >/dev/null 2>&1; then
  # The Debian package installs the plugin in $PLUGIN_DIR_DEBIAN, which some clients
  # (e.g. a docker CLI installed in /usr/local/bin) do not search. Link it where every
  # docker CLI looks.
  [ -x "$PLUGIN_DIR_DEBIAN/docker-buildx" ] || die "docker-buildx plugin not found in $PLUGIN_DIR_DEBIAN"
  log "linking $PLUGIN_DIR_DEBIAN/docker-buildx into $PLUGIN_DIR_LOCAL for $(command -v docker)"
  mkdir -p "$PLUGIN_DIR_LOCAL"
  ln -sfn "$PLUGIN_DIR_DEBIAN/docker-buildx" "$PLUGIN_DIR_LOCAL/docker-buildx"
  docker buildx version >/dev/null 2>&1 || die "'docker buildx' still does not work with $(command -v docker)"
fi

# ---------------------------------------------------------------------------
# 5. report
# ---------------------------------------------------------------------------
log "docker version (client: $(command -v docker))"
docker version
log "docker buildx version"
docker buildx version
log "builder"
docker buildx inspect | grep -E '^(Name|Driver|BuildKit version|Platforms):' || true
server_major="$(docker version --format '{{.Server.Version}}' | sed -n 's/^\([0-9][0-9]*\)\..*/\1/p')"
[ -n "$server_major" ] && [ "$server_major" -ge "$MIN_MAJOR" ] \
  || die "the engine answering on ${DOCKER_HOST:-the default socket} is $(docker version --format '{{.Server.Version}}'), older than $MIN_MAJOR (stop it and re-run)"
log "engine ready in $((SECONDS - START)) s"
