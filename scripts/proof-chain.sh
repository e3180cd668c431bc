#!/usr/bin/env bash
# proof-chain.sh - run the proof build (scripts/proof-build.mjs) in increments, one after another,
# detached from the terminal, each continuing from BuildKit's cache: an interrupted chain loses no
# finished section, and re-running the same chain skips what is cached.
#
#   nohup scripts/proof-chain.sh sysv 6.18 7.13 8.30 8.60 8.85 full >proof-chain.log 2>&1 &
#
# An increment that stops with exit 2 (a source file missing from the fixtures) is retried after
# five minutes (time to add it); any other failure ends the chain with that increment's exit code.
# Environment: LFS_PROOF_ARGS, extra arguments for every increment (word-split), e.g. "--jobs 2".
set -uo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { echo "usage: $0 sysv|systemd STOP... (N.M or full)" >&2; exit 64; }
init=$1
shift
for stop in "$@"; do
  case "$stop" in
    full) until=() ;;
    [0-9]*.[0-9]*) until=(--until "$stop") ;;
    *) echo "proof-chain: '$stop' is neither a book section (N.M) nor 'full'" >&2; exit 64 ;;
  esac
  while :; do
    echo "proof-chain: $(date -u +%FT%TZ) $init up to $stop"
    # shellcheck disable=SC2086 # LFS_PROOF_ARGS is word-split on purpose
    node scripts/proof-build.mjs --init "$init" "${until[@]}" ${LFS_PROOF_ARGS:-}
    rc=$?
    [ "$rc" -eq 2 ] && { echo "proof-chain: sources missing; retrying in 5 minutes"; sleep 300; continue; }
    [ "$rc" -eq 0 ] || { echo "proof-chain: $stop failed (exit $rc)"; exit "$rc"; }
    break
  done
done
echo "proof-chain: $(date -u +%FT%TZ) done"
