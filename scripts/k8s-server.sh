#!/usr/bin/env bash
# Real kube-apiserver + etcd for the Kubernetes integration tests (pkg/sweeps), on 127.0.0.1 only.
# Both are built from the Go module proxy by the tools module hack/k8s-testenv (never the plugin's go.mod).
#   scripts/k8s-server.sh build   # build kube-apiserver v1.37.2 + etcd v3.7.0 into
#                                 # $INFERENCEROI_TOOLS/k8s/<sha256 of hack/k8s-testenv/go.sum>/ unless there
#                                 # (cold: ~6.5 min, 2.4 GB RAM on 2 cores; warm Go cache: seconds)
#   scripts/k8s-server.sh start   # build if needed, start etcd + kube-apiserver (RBAC, token auth,
#                                 # ServiceAccount token signing) with fresh data, wait for /readyz,
#                                 # write .cache/k8s-test/env (K8S_TEST_KUBECONFIG=...)
#   scripts/k8s-server.sh stop    # stop both by PID, remove the state dir
# Use:  scripts/k8s-server.sh start && set -a && . .cache/k8s-test/env && set +a
# The tests read K8S_TEST_KUBECONFIG, never KUBECONFIG, so a developer's real cluster is never touched.
# Env:  K8S_TEST_PORT (apiserver, default 16443), K8S_TEST_ETCD_PORT (default 12379; peer port is +1).
set -euo pipefail

K8S_VERSION=v1.37.2
REPO=$(cd "$(dirname "$0")/.." && pwd)
TOOLS=$REPO/hack/k8s-testenv
# Built binaries live outside the clone, so every clone and CI run on this machine reuses them.
BIN=${INFERENCEROI_TOOLS:-/var/cache/inferenceroi}/k8s/$(sha256sum "$TOOLS/go.sum" | cut -c1-64)
STATE=$REPO/.cache/k8s-test
API_PORT=${K8S_TEST_PORT:-16443}
ETCD_PORT=${K8S_TEST_ETCD_PORT:-12379}
PEER_PORT=$((ETCD_PORT + 1))

build() {
  if [ -x "$BIN/kube-apiserver" ] && [ -x "$BIN/etcd" ]; then return 0; fi
  mkdir -p "$BIN.tmp"
  echo "building kube-apiserver $K8S_VERSION and etcd into $BIN (cold: several minutes) ..."
  local v=k8s.io/component-base/version minor=${K8S_VERSION#v1.}
  minor=${minor%%.*}
  # -X flags give the server a real /version; -mod=readonly so the committed go.sum is what is built.
  (cd "$TOOLS" && nice go build -mod=readonly -trimpath \
    -ldflags="-s -w -X $v.gitVersion=$K8S_VERSION -X $v.gitMajor=1 -X $v.gitMinor=$minor -X $v.gitTreeState=clean" \
    -o "$BIN.tmp/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver)
  (cd "$TOOLS" && nice go build -mod=readonly -trimpath -ldflags='-s -w' -o "$BIN.tmp/etcd" go.etcd.io/etcd/server/v3)
  rm -rf "$BIN"
  mv "$BIN.tmp" "$BIN" # only a complete build is ever found by the check above
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

alive() { [ -f "$STATE/$1.pid" ] && kill -0 "$(cat "$STATE/$1.pid")" 2>/dev/null; }

start() {
  build
  if alive kube-apiserver; then
    echo "already running: pid $(cat "$STATE/kube-apiserver.pid") ($STATE/env)"; return 0
  fi
  stop >/dev/null
  for p in "$API_PORT" "$ETCD_PORT" "$PEER_PORT"; do
    if port_in_use "$p"; then echo "port $p is in use (set K8S_TEST_PORT / K8S_TEST_ETCD_PORT)" >&2; return 1; fi
  done
  mkdir -p "$STATE/certs"
  chmod 700 "$STATE"
  local t0; t0=$(date +%s%N)

  "$BIN/etcd" --name=test --data-dir="$STATE/etcd" \
    --listen-client-urls="http://127.0.0.1:$ETCD_PORT" --advertise-client-urls="http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls="http://127.0.0.1:$PEER_PORT" --initial-advertise-peer-urls="http://127.0.0.1:$PEER_PORT" \
    --initial-cluster="test=http://127.0.0.1:$PEER_PORT" \
    --unsafe-no-fsync --quota-backend-bytes=536870912 --log-level=warn >"$STATE/etcd.log" 2>&1 &
  echo $! >"$STATE/etcd.pid"

  local token
  token=$(openssl rand -hex 16)
  (umask 077 && echo "$token,test-admin,test-admin-uid,system:masters" >"$STATE/tokens.csv")
  openssl genrsa -out "$STATE/certs/sa.key" 2048 2>/dev/null

  for _ in $(seq 1 100); do # etcd: 10 s at most
    alive etcd || { tail -20 "$STATE/etcd.log"; echo "etcd exited" >&2; stop; return 1; }
    curl -sf "http://127.0.0.1:$ETCD_PORT/health" >/dev/null && break
    sleep 0.1
  done

  # --endpoint-reconciler-type=none: required with a loopback advertise address.
  # --disable-admission-plugins=ServiceAccount: no controller-manager creates the "default" ServiceAccount.
  # The apiserver generates a self-signed serving cert (apiserver.crt = cert + CA, SAN 127.0.0.1) in --cert-dir.
  "$BIN/kube-apiserver" \
    --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$API_PORT" \
    --cert-dir="$STATE/certs" \
    --token-auth-file="$STATE/tokens.csv" \
    --authorization-mode=RBAC \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$STATE/certs/sa.key" \
    --service-account-signing-key-file="$STATE/certs/sa.key" \
    --service-cluster-ip-range=10.0.0.0/24 \
    --endpoint-reconciler-type=none \
    --disable-admission-plugins=ServiceAccount \
    --enable-admission-plugins=OwnerReferencesPermissionEnforcement >"$STATE/kube-apiserver.log" 2>&1 &
  echo $! >"$STATE/kube-apiserver.pid"

  local ca=$STATE/certs/apiserver.crt
  for _ in $(seq 1 600); do # 60 s at most
    alive kube-apiserver || { tail -20 "$STATE/kube-apiserver.log"; echo "kube-apiserver exited" >&2; stop; return 1; }
    if [ -f "$ca" ] && curl -sf -o /dev/null --cacert "$ca" -H "Authorization: Bearer $token" \
      "https://127.0.0.1:$API_PORT/readyz"; then
      (umask 077 && cat >"$STATE/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: test
  cluster:
    server: https://127.0.0.1:$API_PORT
    certificate-authority: $ca
users:
- name: test-admin
  user:
    token: $token
contexts:
- name: test
  context: {cluster: test, user: test-admin}
current-context: test
EOF
      echo "K8S_TEST_KUBECONFIG=$STATE/kubeconfig" >"$STATE/env")
      echo "kube-apiserver $K8S_VERSION ready on https://127.0.0.1:$API_PORT (pid $(cat "$STATE/kube-apiserver.pid"))" \
        "in $((($(date +%s%N) - t0) / 1000000)) ms; env: $STATE/env"
      return 0
    fi
    sleep 0.1
  done
  echo "kube-apiserver not ready after 60 s" >&2; tail -20 "$STATE/kube-apiserver.log"; stop; return 1
}

stop_one() {
  [ -f "$STATE/$1.pid" ] || return 0
  local pid; pid=$(cat "$STATE/$1.pid")
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}

stop() {
  stop_one kube-apiserver
  stop_one etcd
  rm -rf "$STATE"
  echo "kube-apiserver and etcd stopped"
}

case "${1:-}" in
  build) build ;;
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 build|start|stop" >&2; exit 2 ;;
esac
