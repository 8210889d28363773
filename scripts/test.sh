#!/usr/bin/env bash
# Runs every test of the project on a fresh Debian machine: installs what is missing (apt-get, npm, go),
# builds the frontend and the plugin binary, starts the real servers the integration tests need
# (Versity S3 Gateway, Prometheus, kube-apiserver + etcd built from the Go module proxy), runs all Go
# and jest tests, and stops the servers again.
#
#   scripts/test.sh            # everything (what .ci/run calls)
#
# Built third-party binaries are cached under $INFERENCEROI_TOOLS (default /var/cache/inferenceroi, outside the
# clone), so later runs and other clones on the same machine skip those builds. Test state lives in .cache/.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export PATH="$PATH:/usr/local/go/bin:$(go env GOPATH)/bin"
export CI="${CI:-}"

step() { printf '\n== %s\n' "$*"; }

step "system packages"
missing=()
# gcc: go test -race needs cgo. chromium: the browser test of the built frontend (tests/browser).
# python3, unshare: the GuideLLM conformance test (the report packer runs python3; the kit runs in a chroot).
# busybox: the compose demo's DCGM stand-in (httpd), run natively by the compose conformance test.
# skopeo, umoci: read and unpack the plugin image (mage image) as a registry push and a runtime would.
for cmd_pkg in prometheus:prometheus promtool:prometheus curl:curl openssl:openssl gcc:gcc chromium:chromium python3:python3 unshare:util-linux busybox:busybox skopeo:skopeo umoci:umoci; do
  command -v "${cmd_pkg%%:*}" >/dev/null 2>&1 || missing+=("${cmd_pkg##*:}")
done
[ -e /usr/include/stdlib.h ] || missing+=(libc6-dev) # the C headers cgo (-race) compiles against
[ -e /usr/share/fonts/opentype/inter ] || missing+=(fonts-inter) # Grafana's UI font, for the browser test's screenshots
if ((${#missing[@]})); then
  apt-get update -qq
  # policy-rc.d keeps the package's own Prometheus service from starting: the tests start their own.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(printf '%s\n' "${missing[@]}" | sort -u)
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm
fi
command -v go >/dev/null || { echo "go (>= 1.26.5) is required"; exit 1; }

step "frontend: install, typecheck, lint, jest, build"
npm ci --no-audit --no-fund --loglevel=error
npm run typecheck
npm run lint
npm run test:ci
npm run build

step "backend: vet and build the plugin binary with mage"
command -v mage >/dev/null || go install github.com/magefile/mage@v1.17.2
go vet ./pkg/...
mage -v build:linux
test -x dist/gpx_inferenceroi_linux_amd64
export PLUGIN_BINARY="$ROOT/dist/gpx_inferenceroi_linux_amd64"

step "release package: every platform, catalog zips, the plugin validator's offline rules, the plugin image"
node --test tests/package/
mage -v package
node tests/package/validate.mjs artifacts/*.zip
mage image
export PLUGIN_IMAGE_LAYOUT="$ROOT/artifacts/plugin-image"

step "browser: the built editors in headless Chromium (screenshots in .cache/browser/screenshots)"
npx webpack -c tests/browser/webpack.config.mjs
node --test tests/browser/

step "real servers: Versity S3 Gateway, Prometheus, kube-apiserver + etcd"
cleanup() {
  scripts/s3-server.sh stop || true
  scripts/prometheus-server.sh stop || true
  scripts/k8s-server.sh stop || true
}
trap cleanup EXIT
scripts/s3-server.sh start
set -a
. .cache/s3-test/env
set +a
mkdir -p .cache
go run ./pkg/live/internal/testdataset/cmd/write-openmetrics > .cache/prom-test.om
scripts/prometheus-server.sh start .cache/prom-test.om
set -a
. .cache/prom-test/env
set +a
scripts/k8s-server.sh start
set -a
. .cache/k8s-test/env
set +a

step "GuideLLM kit, llm-d-inference-sim and Prometheus 3 (built once into \$INFERENCEROI_TOOLS)"
# The GuideLLM conformance test (pkg/sweeps) runs the plugin's Job command in the kit against the simulator;
# the compose conformance test (pkg/e2e) runs every service of docker-compose.yaml natively.
scripts/guidellm-kit.sh build
scripts/inference-sim.sh build
export INFERENCEROI_CONFORMANCE=1
INFERENCE_SIM_BIN=$(scripts/inference-sim.sh bin)
PROMETHEUS3_BIN=$(scripts/prometheus3.sh build | tail -n 1)
GUIDELLM_KIT=$ROOT/scripts/guidellm-kit.sh
export INFERENCE_SIM_BIN PROMETHEUS3_BIN GUIDELLM_KIT

step "go test -race (unit, integration, gRPC end-to-end, GuideLLM conformance, fuzz corpus)"
# The compose demo runs on its own below: its sweeps measure latencies, which other packages' GuideLLM
# runs competing for the CPUs would skew.
CGO_ENABLED=1 go test -race -count=1 -timeout 30m -skip '^TestComposeDemoConformance$' ./pkg/...

step "compose demo conformance: every docker-compose.yaml service run natively, both dashboards answered (~10 min)"
# Its full log (every panel's answer) stays in .cache/compose-conformance.log; on failure its end is printed.
log=.cache/compose-conformance.log
if ! CGO_ENABLED=1 go test -race -count=1 -timeout 30m -run '^TestComposeDemoConformance$' -v ./pkg/e2e/ >"$log" 2>&1; then
  tail -n 200 "$log"
  exit 1
fi
grep -E '^(--- |ok)|compose_test.go:[0-9]+: (live story|sweeps finished|breaking point|conformance)' "$log" | cut -c1-400

step "benchmarks compile and run once (figures: mage bench)"
go test -count=1 -run='^$' -bench=. -benchtime=1x ./pkg/... >/dev/null
echo "benchmarks ok"
