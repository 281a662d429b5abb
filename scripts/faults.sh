#!/usr/bin/env bash
# The fault suite (docs/reliability.md): redis-server, published nodes behind HAProxy, clients through
# the .NET client library; one fault at a time, counting what was acknowledged, delivered,
# duplicated, announced and silently lost. `--smoke` is the small scale CI runs (a few minutes).
# Writes artifacts/faults/{report.md,connections.csv,connections.svg}; exits 1 on any silent loss.
set -euo pipefail
cd "$(dirname "$0")/.."
need() { command -v "$1" >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null; }; }
need redis-server redis-server
need redis-cli redis-tools
need haproxy haproxy
app=$(mktemp -d)
trap 'rm -rf "$app"' EXIT
dotnet publish app/Realtime.Server -c Release -o "$app" --nologo -v quiet >/dev/null
dotnet build bench/Realtime.Faults -c Release --nologo -v quiet >/dev/null
dotnet bench/Realtime.Faults/bin/Release/net10.0/Realtime.Faults.dll --app "$app" --out artifacts/faults "$@"
