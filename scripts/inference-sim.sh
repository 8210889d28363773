#!/usr/bin/env bash
# llm-d-inference-sim (a vLLM simulator written in Go: OpenAI API, vLLM metrics) for tests, on 127.0.0.1 only.
#   scripts/inference-sim.sh build                  # build v0.10.2 once into $INFERENCEROI_TOOLS/llm-d-inference-sim-v0.10.2/
#   scripts/inference-sim.sh start PORT [ARGS...]   # build if needed, start one instance on 127.0.0.1:PORT with ARGS
#                                                   # (e.g. --model mock --time-to-first-token 20), wait until
#                                                   # GET /v1/models answers, state in .cache/inference-sim/PORT/
#   scripts/inference-sim.sh stop PORT              # stop that instance by PID, remove its state dir
#   scripts/inference-sim.sh bin                    # print the binary's path (building it if needed)
# `go install ...@v0.10.2` fails here: it asks the module proxy for the module's version list (to look for a
# deprecation), which the proxy answers 403. `go mod download` of the exact version works, so the module is
# fetched that way and built from a temporary copy of its source with its own go.sum.
# With --enable-kvcache the simulator reads POD_IP and exits 0 without it; `start` sets POD_IP=127.0.0.1
# unless the caller set one.
set -euo pipefail

VERSION=v0.10.2
MODULE=github.com/llm-d/llm-d-inference-sim
REPO=$(cd "$(dirname "$0")/.." && pwd)
# Built binaries live outside the clone, so every clone and CI run on this machine reuses them.
TOOLS_CACHE=${INFERENCEROI_TOOLS:-/var/cache/inferenceroi}
BIN_DIR=$TOOLS_CACHE/llm-d-inference-sim-$VERSION
BIN=$BIN_DIR/llm-d-inference-sim
STATE_ROOT=$REPO/.cache/inference-sim

build() {
  [ -x "$BIN" ] && return 0
  local src tmp
  src=$(GOFLAGS=-mod=mod go mod download -json "$MODULE@$VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -n "$src" ] && [ -d "$src" ] || { echo "go mod download $MODULE@$VERSION gave no source dir" >&2; return 1; }
  tmp=$(mktemp -d)
  trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' RETURN
  cp -r "$src/." "$tmp/"
  chmod -R u+w "$tmp" # the module cache is read-only
  mkdir -p "$BIN_DIR.tmp"
  echo "building llm-d-inference-sim $VERSION into $BIN_DIR ..."
  # CGO off: the default build links the ZMQ/tokenizer C libraries the tests do not need.
  (cd "$tmp" && CGO_ENABLED=0 nice go build -mod=mod -trimpath -ldflags='-s -w' \
    -o "$BIN_DIR.tmp/llm-d-inference-sim" ./cmd/llm-d-inference-sim)
  rm -rf "$BIN_DIR"
  mv "$BIN_DIR.tmp" "$BIN_DIR" # only a complete build is ever found by the check above
}

check_port() {
  [[ "${1:-}" =~ ^[0-9]+$ ]] && (($1 > 0 && $1 < 65536)) || { echo "PORT must be a TCP port number, got '${1:-}'" >&2; return 2; }
}

start() {
  local port=${1:-}
  check_port "$port"
  shift
  build
  local state=$STATE_ROOT/$port
  if [ -f "$state/pid" ] && kill -0 "$(cat "$state/pid")" 2>/dev/null; then
    echo "already running on port $port: pid $(cat "$state/pid")"; return 0
  fi
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "port $port is in use" >&2; return 1; fi
  rm -rf "$state"; mkdir -p "$state"
  local t0; t0=$(date +%s%N)
  POD_IP=${POD_IP:-127.0.0.1} "$BIN" --port "$port" "$@" >"$state/sim.log" 2>&1 &
  echo $! >"$state/pid"
  # The simulator binds all interfaces; the tests only ever address it on loopback.
  for _ in $(seq 1 300); do # 30 s at most
    if ! kill -0 "$(cat "$state/pid")" 2>/dev/null; then
      tail -20 "$state/sim.log" >&2; echo "llm-d-inference-sim exited (args: $*)" >&2; rm -rf "$state"; return 1
    fi
    if curl -sf -o /dev/null "http://127.0.0.1:$port/v1/models"; then
      echo "llm-d-inference-sim $VERSION ready on http://127.0.0.1:$port (pid $(cat "$state/pid")) in $((($(date +%s%N) - t0) / 1000000)) ms"
      return 0
    fi
    sleep 0.1
  done
  echo "llm-d-inference-sim not ready after 30 s" >&2; tail -20 "$state/sim.log" >&2; stop "$port"; return 1
}

stop() {
  local port=${1:-}
  check_port "$port"
  local state=$STATE_ROOT/$port
  [ -f "$state/pid" ] || { rm -rf "$state"; return 0; }
  local pid; pid=$(cat "$state/pid")
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  rm -rf "$state"
  echo "llm-d-inference-sim on port $port stopped"
}

cmd=${1:-}
shift || true
case "$cmd" in
  build) build ;;
  bin) build >&2; echo "$BIN" ;;
  start) start "$@" ;;
  stop) stop "$@" ;;
  *) echo "usage: $0 build|bin|start PORT [ARGS...]|stop PORT" >&2; exit 2 ;;
esac
