#!/usr/bin/env bash
# The real GuideLLM CLI (v0.7.3, v0.6.1) offline in a chroot, for the conformance tests (pkg/sweeps).
#   scripts/guidellm-kit.sh build
#       build the kit once into $INFERENCEROI_TOOLS/guidellm-rt (default /var/cache/inferenceroi/guidellm-rt)
#       with the kit's build.sh (cold: ~4-15 min, ~315 MB of Debian packages; warm: returns at once)
#   scripts/guidellm-kit.sh run TAG [--results HOSTDIR] [--user UID:GID] [--env K=V]... -- ARGV...
#       build if needed, then run ARGV unchanged in the kit with GuideLLM TAG (run.sh: uid 1001:0 by default,
#       the host's network, so loopback servers are reachable). --results gives this run a private /results
#       (HOSTDIR bind-mounted over it in a mount namespace of its own), like the Job's emptyDir: runs at the
#       same time never see each other's reports.
#   scripts/guidellm-kit.sh dest     # print the kit's directory
# Needs root (chroot, mount). The kit's sources are found, in this order, at $GUIDELLM_KIT_SRC,
# <clone>/../shared/guidellm-runtime (CI) or <clone>/../../shared/guidellm-runtime (a git worktree one level down).
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
TOOLS_CACHE=${INFERENCEROI_TOOLS:-/var/cache/inferenceroi}
DEST=$TOOLS_CACHE/guidellm-rt

kit_src() {
  local d
  for d in ${GUIDELLM_KIT_SRC:+"$GUIDELLM_KIT_SRC"} "$REPO/../shared/guidellm-runtime" "$REPO/../../shared/guidellm-runtime"; do
    if [ -x "$d/build.sh" ] && [ -x "$d/run.sh" ]; then (cd "$d" && pwd); return 0; fi
  done
  echo "guidellm-runtime kit not found: set GUIDELLM_KIT_SRC (looked at \$GUIDELLM_KIT_SRC, $REPO/../shared/guidellm-runtime, $REPO/../../shared/guidellm-runtime)" >&2
  return 1
}

build() {
  [ -e "$DEST/.ready" ] && return 0
  local src; src=$(kit_src)
  mkdir -p "$TOOLS_CACHE"
  # build.sh removes and redoes an unfinished build it finds, so a second build at the same time would
  # destroy the first one's work: one builder at a time, the others wait for it.
  exec 9>"$TOOLS_CACHE/.guidellm-rt.lock"
  flock 9
  if [ ! -e "$DEST/.ready" ]; then
    echo "building the GuideLLM kit into $DEST (cold: several minutes) ..."
    nice "$src/build.sh" "$DEST"
  fi
  flock -u 9
}

run() {
  [ $# -ge 1 ] || { usage; return 2; }
  local tag=$1; shift
  local results="" opts=()
  while [ $# -gt 0 ]; do
    case "$1" in
      --results) [ $# -ge 2 ] || { usage; return 2; }; results=$2; shift 2 ;;
      --user | --env) [ $# -ge 2 ] || { usage; return 2; }; opts+=("$1" "$2"); shift 2 ;;
      --) shift; break ;;
      *) usage; return 2 ;;
    esac
  done
  [ $# -ge 1 ] || { usage; return 2; }
  build
  local src; src=$(kit_src)
  if [ -z "$results" ]; then
    exec "$src/run.sh" "$DEST" "$tag" "${opts[@]}" -- "$@"
  fi
  mkdir -p "$results"
  results=$(cd "$results" && pwd)
  # run.sh mounts proc and /dev/shm when missing and leaves them for the next run: do that in the
  # shared namespace first, so the private namespace below adds nothing but its /results.
  mountpoint -q "$DEST/proc" || mount -t proc proc "$DEST/proc"
  mkdir -p "$DEST/dev/shm" "$DEST/results"
  mountpoint -q "$DEST/dev/shm" || mount -t tmpfs -o mode=1777 tmpfs "$DEST/dev/shm"
  exec unshare --mount --propagation private -- /bin/sh -c 'mount --bind "$1" "$2/results" && shift 2 && exec "$@"' \
    guidellm-kit "$results" "$DEST" "$src/run.sh" "$DEST" "$tag" "${opts[@]}" -- "$@"
}

usage() { echo "usage: $0 build | dest | run TAG [--results HOSTDIR] [--user UID:GID] [--env K=V]... -- ARGV..." >&2; }

cmd=${1:-}
shift || true
case "$cmd" in
  build) build ;;
  dest) echo "$DEST" ;;
  run) run "$@" ;;
  *) usage; exit 2 ;;
esac
