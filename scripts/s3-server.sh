#!/usr/bin/env bash
# Real S3-compatible server (Versity S3 Gateway, posix backend) for integration tests, on 127.0.0.1 only.
#   scripts/s3-server.sh build   # go install versitygw once into $INFERENCEROI_TOOLS (about 1-2 min on 2 cores)
#   scripts/s3-server.sh start   # build if needed, start with a fresh data dir, wait until a signed
#                                # bucket create + PUT works, write .cache/s3-test/env
#   scripts/s3-server.sh stop    # stop by PID, remove the data dir
# Use:  scripts/s3-server.sh start && set -a && . .cache/s3-test/env && set +a
# Env:  S3_TEST_PORT (default 18333; when unset and 18333 is taken, the next free port is used),
#       S3_TEST_ACCESS_KEY / S3_TEST_SECRET_KEY (default: random per start).
set -euo pipefail

VERSION=v1.8.0
REPO=$(cd "$(dirname "$0")/.." && pwd)
# Built binaries live outside the clone, so every clone and CI run on this machine reuses them.
TOOLS_CACHE=${INFERENCEROI_TOOLS:-/var/cache/inferenceroi}
BIN_DIR=$TOOLS_CACHE/versitygw-$VERSION
BIN=$BIN_DIR/versitygw
STATE=$REPO/.cache/s3-test
REGION=us-east-1

build() {
  [ -x "$BIN" ] && return 0
  mkdir -p "$BIN_DIR"
  echo "building versitygw $VERSION into $BIN_DIR ..."
  GOBIN="$BIN_DIR" go install -trimpath -ldflags='-s -w' "github.com/versity/versitygw/cmd/versitygw@$VERSION"
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pick_port() {
  if [ -n "${S3_TEST_PORT:-}" ]; then
    if port_in_use "$S3_TEST_PORT"; then echo "port $S3_TEST_PORT (S3_TEST_PORT) is in use" >&2; return 1; fi
    echo "$S3_TEST_PORT"; return 0
  fi
  local p
  for p in $(seq 18333 18432); do
    port_in_use "$p" || { echo "$p"; return 0; }
  done
  echo "no free port in 18333-18432; set S3_TEST_PORT" >&2; return 1
}

random_hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }

start() {
  build
  if [ -f "$STATE/pid" ] && kill -0 "$(cat "$STATE/pid")" 2>/dev/null; then
    echo "already running: pid $(cat "$STATE/pid") ($STATE/env)"; return 0
  fi
  local port ak sk
  port=$(pick_port)
  ak=${S3_TEST_ACCESS_KEY:-roitest$(random_hex 6)}
  sk=${S3_TEST_SECRET_KEY:-$(random_hex 20)}
  rm -rf "$STATE"; mkdir -p "$STATE/data"
  local t0; t0=$(date +%s%N)
  # Credentials go through the environment, not argv, so they do not show in ps.
  ROOT_ACCESS_KEY_ID="$ak" ROOT_SECRET_ACCESS_KEY="$sk" \
    "$BIN" --port "127.0.0.1:$port" --region "$REGION" --quiet posix "$STATE/data" >"$STATE/versitygw.log" 2>&1 &
  echo $! >"$STATE/pid"
  local url="http://127.0.0.1:$port"
  local curl_s3=(curl -sf -o /dev/null --aws-sigv4 "aws:amz:$REGION:s3" --user "$ak:$sk" -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD')
  for _ in $(seq 1 300); do # 30 s at most
    if ! kill -0 "$(cat "$STATE/pid")" 2>/dev/null; then
      tail -20 "$STATE/versitygw.log"; echo "versitygw exited" >&2; rm -rf "$STATE"; return 1
    fi
    if "${curl_s3[@]}" -X PUT "$url/readiness-probe" \
      && "${curl_s3[@]}" -X PUT --data-binary '{}' "$url/readiness-probe/ready.json"; then
      umask 077
      cat >"$STATE/env" <<EOF
S3_ENDPOINT=127.0.0.1:$port
S3_ACCESS_KEY=$ak
S3_SECRET_KEY=$sk
S3_REGION=$REGION
EOF
      echo "versitygw $VERSION ready on $url (pid $(cat "$STATE/pid")) in $((($(date +%s%N) - t0) / 1000000)) ms; env: $STATE/env"
      return 0
    fi
    sleep 0.1
  done
  echo "versitygw not ready after 30 s" >&2; tail -20 "$STATE/versitygw.log"; stop; return 1
}

stop() {
  [ -f "$STATE/pid" ] || { rm -rf "$STATE"; return 0; }
  local pid; pid=$(cat "$STATE/pid")
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  rm -rf "$STATE"
  echo "versitygw stopped"
}

case "${1:-}" in
  build) build ;;
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 build|start|stop" >&2; exit 2 ;;
esac
