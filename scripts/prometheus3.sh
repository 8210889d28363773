#!/usr/bin/env bash
# Builds Prometheus 3.x (the major version the compose demo pins: prom/prometheus:v3.5.0) from the Go
# module proxy, once, into $INFERENCEROI_TOOLS (default /var/cache/inferenceroi, outside the clone).
# Debian ships 2.x, which accepts scrape targets that 3.x refuses (e.g. a blank Content-Type), so the
# compose conformance test runs this build.
#
#   scripts/prometheus3.sh build   # builds if missing (about 5-10 min on 2 cores), prints the binary path
#   scripts/prometheus3.sh path    # prints the binary path; fails when it is not built
#
# Module v0.305.0 is Prometheus 3.5.0. The web UI's assets are not embedded (no builtinassets tag):
# the conformance test uses only the HTTP API.
set -euo pipefail

MODULE_VERSION=v0.305.0
RELEASE=3.5.0
TOOLS_CACHE=${INFERENCEROI_TOOLS:-/var/cache/inferenceroi}
BIN_DIR=$TOOLS_CACHE/prometheus-$RELEASE
BIN=$BIN_DIR/prometheus

build() {
  if [ -x "$BIN" ]; then echo "$BIN"; return 0; fi
  command -v go >/dev/null || { echo "prometheus3.sh: go is required" >&2; exit 1; }
  mkdir -p "$BIN_DIR"
  echo "building Prometheus $RELEASE (module $MODULE_VERSION) into $BIN_DIR ..." >&2
  # The module's go.mod has replace directives, so `go install pkg@version` refuses it: build it as
  # the main module from a copy of its source (the module cache is read-only).
  local src
  src=$(go mod download -json "github.com/prometheus/prometheus@$MODULE_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -d "$src" ] || { echo "prometheus3.sh: go mod download gave no source directory" >&2; exit 1; }
  # Global, not local: the EXIT trap runs after build() has returned.
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  cp -r "$src/." "$work/"
  chmod -R u+w "$work"
  # The version shows in /api/v1/status/buildinfo, which the conformance test checks for the major version.
  (cd "$work" && nice -n 10 go build -trimpath -o "$BIN.tmp" \
    -ldflags="-s -w -X github.com/prometheus/common/version.Version=$RELEASE" ./cmd/prometheus) >&2
  mv "$BIN.tmp" "$BIN"
  echo "$BIN"
}

case "${1:-}" in
build) build ;;
path) [ -x "$BIN" ] || { echo "prometheus3.sh: $BIN not built (scripts/prometheus3.sh build)" >&2; exit 1; }; echo "$BIN" ;;
*) echo "usage: $0 build | path" >&2; exit 2 ;;
esac
