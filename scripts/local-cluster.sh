#!/usr/bin/env bash
# A local copy of the AWS setup: redis-server, two app nodes and HAProxy (cookie stickiness,
# WebSocket upgrade, /readyz checks, ALB-like timeouts). Ctrl-C, or the parent exiting, stops
# everything this script started.
#   ./scripts/local-cluster.sh            → http://127.0.0.1:8080 (demo page), ws://127.0.0.1:8080/ws
# Ports: FRONTEND_PORT (8080), NODE1_PORT (5001), NODE2_PORT (5002), REDIS_PORT (6390).
set -euo pipefail
cd "$(dirname "$0")/.."

FRONTEND_PORT=${FRONTEND_PORT:-8080}
NODE1_PORT=${NODE1_PORT:-5001}
NODE2_PORT=${NODE2_PORT:-5002}
REDIS_PORT=${REDIS_PORT:-6390}
work=$(mktemp -d)
pids=()

cleanup() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -n "${KEEP_LOGS:-}" ] || rm -rf "$work"
}
trap cleanup EXIT INT TERM

for tool in redis-server haproxy dotnet; do
  command -v "$tool" >/dev/null || { echo "local-cluster: $tool is missing (./scripts/test.sh installs redis-server and haproxy)" >&2; exit 1; }
done

echo "local-cluster: publishing the server…"
dotnet publish app/Realtime.Server -c Release -o "$work/app" --nologo -v quiet >/dev/null

redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no >"$work/redis.log" 2>&1 &
pids+=($!)

for n in 1 2; do
  port_var="NODE${n}_PORT"
  (cd "$work/app" && Realtime__Redis__ConnectionString="127.0.0.1:$REDIS_PORT" Realtime__NodeId="node-$n" \
    exec dotnet Realtime.Server.dll --urls "http://127.0.0.1:${!port_var}") >"$work/node$n.log" 2>&1 &
  pids+=($!)
done

sed -e "s/@FRONTEND_PORT@/$FRONTEND_PORT/" -e "s/@NODE1_PORT@/$NODE1_PORT/" -e "s/@NODE2_PORT@/$NODE2_PORT/" \
  scripts/haproxy.cfg.template >"$work/haproxy.cfg"
haproxy -f "$work/haproxy.cfg" >"$work/haproxy.log" 2>&1 &
pids+=($!)

for port in "$NODE1_PORT" "$NODE2_PORT" "$FRONTEND_PORT"; do
  for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
    sleep 0.2
  done
done

echo "local-cluster: ready at http://127.0.0.1:$FRONTEND_PORT  (nodes on $NODE1_PORT and $NODE2_PORT, redis on $REDIS_PORT; logs in $work)"
parent=$PPID
while kill -0 "$parent" 2>/dev/null; do
  for pid in "${pids[@]}"; do
    kill -0 "$pid" 2>/dev/null || { echo "local-cluster: process $pid exited; stopping" >&2; exit 1; }
  done
  sleep 1
done
