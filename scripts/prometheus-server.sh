#!/usr/bin/env bash
# Starts or stops a throw-away Prometheus for integration tests, with a TSDB backfilled from an
# OpenMetrics file.
#
#   scripts/prometheus-server.sh start <openmetrics-file>   # writes .cache/prom-test/env (PROM_URL=…)
#   scripts/prometheus-server.sh stop
#
# The live tests' dataset:
#   go run ./pkg/live/internal/testdataset/cmd/write-openmetrics > .cache/prom-test.om
#   scripts/prometheus-server.sh start .cache/prom-test.om && . .cache/prom-test/env && export PROM_URL
#
# Needs the Debian packages prometheus and promtool (apt-get install prometheus; 2.42 on
# Debian 12). Listens on 127.0.0.1:${PROM_TEST_PORT:-19090} only, scrapes nothing.
#
# Time: backfilled blocks are served as they are, wherever they lie. Prometheus 2.42 loads blocks
# that overlap each other or reach past "now" (overlapping blocks are always allowed since 2.39),
# and, since this TSDB has no head data (no scrape targets), nothing overlaps the head block.
# Time retention is measured from the newest block's end, not from the wall clock, so a dataset
# from a fixed past hour stays queryable; the long retention below only makes that explicit. The
# tests therefore use a dataset at a fixed time and evaluate at a fixed instant in it.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$root/.cache/prom-test"
port="${PROM_TEST_PORT:-19090}"
pidfile="$dir/prometheus.pid"

die() {
	echo "prometheus-server.sh: $*" >&2
	exit 1
}

stop() {
	if [[ -f "$pidfile" ]]; then
		local pid
		pid="$(cat "$pidfile")"
		if kill -0 "$pid" 2>/dev/null; then
			kill "$pid"
			for _ in $(seq 1 50); do
				kill -0 "$pid" 2>/dev/null || break
				sleep 0.1
			done
			if kill -0 "$pid" 2>/dev/null; then
				kill -9 "$pid"
			fi
		fi
		rm -f "$pidfile"
	fi
	rm -f "$dir/env"
}

start() {
	local input="${1:-}"
	[[ -n "$input" ]] || die "usage: $0 start <openmetrics-file>"
	[[ -f "$input" ]] || die "no such file: $input"
	command -v prometheus >/dev/null || die "prometheus not found: apt-get install prometheus"
	command -v promtool >/dev/null || die "promtool not found: apt-get install prometheus"
	command -v curl >/dev/null || die "curl not found: apt-get install curl"
	input="$(cd "$(dirname "$input")" && pwd)/$(basename "$input")"

	stop
	mkdir -p "$dir"
	rm -rf "$dir/data"
	promtool tsdb create-blocks-from openmetrics "$input" "$dir/data" >"$dir/backfill.log" 2>&1 ||
		die "promtool could not backfill $input: $(tail -n 5 "$dir/backfill.log")"

	cat >"$dir/prometheus.yml" <<-EOF
		global:
		  scrape_interval: 15s
		  evaluation_interval: 15s
	EOF

	prometheus \
		--config.file="$dir/prometheus.yml" \
		--storage.tsdb.path="$dir/data" \
		--storage.tsdb.retention.time=100y \
		--web.listen-address="127.0.0.1:$port" \
		--log.level=warn \
		>"$dir/prometheus.log" 2>&1 &
	echo $! >"$pidfile"

	local url="http://127.0.0.1:$port"
	for _ in $(seq 1 100); do
		if curl -fsS "$url/-/ready" >/dev/null 2>&1; then
			echo "PROM_URL=$url" >"$dir/env"
			echo "Prometheus ready at $url (data: $dir/data, log: $dir/prometheus.log)"
			return 0
		fi
		kill -0 "$(cat "$pidfile")" 2>/dev/null || die "prometheus exited: $(tail -n 5 "$dir/prometheus.log")"
		sleep 0.2
	done
	stop
	die "prometheus did not become ready at $url within 20 s: $(tail -n 5 "$dir/prometheus.log")"
}

case "${1:-}" in
start) start "${2:-}" ;;
stop) stop ;;
*) die "usage: $0 start <openmetrics-file> | stop" ;;
esac
