#!/usr/bin/env bash
# One command for the benchmark (docs/benchmarks.md): installs or builds what it needs, then runs
# every scenario against ours, SignalR and Socket.IO. `--smoke` runs a small scale in about a minute.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v redis-server >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; }
command -v node >/dev/null || { echo "bench: Node.js 20+ is required for the Socket.IO peer" >&2; exit 1; }
(cd bench/peers/socketio && npm install --no-audit --no-fund --silent)
dotnet build -c Release app/Realtime.Server -v quiet --nologo >/dev/null
dotnet build -c Release bench/peers/signalr -v quiet --nologo >/dev/null
dotnet build -c Release bench/Realtime.Bench -v quiet --nologo >/dev/null
exec dotnet bench/Realtime.Bench/bin/Release/net10.0/Realtime.Bench.dll run "$@"
