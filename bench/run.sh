#!/usr/bin/env bash
# One command for the benchmark (docs/benchmarks.md): installs or builds what it needs, then runs
# every scenario against ours, SignalR and Socket.IO, three interleaved runs each. `--smoke` runs a
# small scale once in a few minutes. The servers (nodes and Redis) are pinned to the first half of the
# CPUs and the generator to the rest, with taskset, unless BENCH_NO_PIN=1.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v redis-server >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; }
command -v node >/dev/null || { echo "bench: Node.js 20+ is required for the Socket.IO peer" >&2; exit 1; }
(cd bench/peers/socketio && npm install --no-audit --no-fund --silent)
dotnet build -c Release app/Realtime.Server -v quiet --nologo >/dev/null
dotnet build -c Release bench/peers/signalr -v quiet --nologo >/dev/null
dotnet build -c Release bench/Realtime.Bench -v quiet --nologo >/dev/null
# S5 holds 20,000 connections on one node: both ends need an open file per connection.
ulimit -n 200000 2>/dev/null || ulimit -n "$(ulimit -Hn)"
cpus=$(nproc)
if [ "${BENCH_NO_PIN:-0}" != 1 ] && [ "$cpus" -ge 2 ] && command -v taskset >/dev/null; then
  half=$((cpus / 2))
  exec taskset -c "$half-$((cpus - 1))" dotnet bench/Realtime.Bench/bin/Release/net10.0/Realtime.Bench.dll run --server-cpus "0-$((half - 1))" "$@"
fi
exec dotnet bench/Realtime.Bench/bin/Release/net10.0/Realtime.Bench.dll run "$@"
