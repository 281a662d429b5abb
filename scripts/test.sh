#!/usr/bin/env bash
# Runs every test of the solution on a fresh machine: installs what the tests need when it is
# missing, then `dotnet test`. `.ci/run` calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20   # jsii on Node 20: silence the end-of-life banner
export CDK_DISABLE_VERSION_CHECK=1                        # no network lookups for newer CLI versions
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

apt_updated=0
need_package() { # need_package COMMAND DEBIAN_PACKAGE
  command -v "$1" >/dev/null 2>&1 && return 0
  echo "test.sh: installing $2 (for $1)"
  if [ "$apt_updated" = 0 ]; then apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
}

command -v dotnet >/dev/null || { echo "test.sh: the .NET 10 SDK is required (dotnet not on PATH)" >&2; exit 1; }
need_package node nodejs
need_package npm npm
need_package redis-server redis-server   # integration tests start their own on free loopback ports
need_package redis-cli redis-tools       # the local Redis Cluster is created and inspected with redis-cli
need_package haproxy haproxy             # E2E: the load balancer in front of two nodes
need_package chromium chromium           # E2E: Debian's browser, driven by Playwright (no download)
need_package dot graphviz                # the architecture diagram test renders docs/architecture.dot

# The CDK tests drive the real CLI pinned in package-lock.json.
if [ ! -x node_modules/.bin/cdk ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

# The policy checks (cdk-nag and its packs), which a CDK test runs on dev built to compliance: hipaa.
if [ ! -d tests/policy/node_modules ] || [ tests/policy/package-lock.json -nt tests/policy/node_modules/.package-lock.json ]; then
  npm ci --prefix tests/policy --no-audit --no-fund
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0

# The browser client's unit tests and the stack's Lambda handlers, on Node's own test runner.
node --test tests/Realtime.Client.Js.Tests/ tests/functions/ 2>&1 | tee "$log" || status=$?

# One test assembly at a time: the integration and E2E tests measure timing (heartbeats, drain
# spread, presence expiry) on a 2-core machine, and the CDK tests' jsii process is heavy. `-m:1`
# is what does it (MSBuild otherwise tests the projects in parallel); MaxCpuCount=1 keeps vstest
# to one assembly as well.
dotnet test RealtimeInfra.sln -m:1 --configuration Release --logger "console;verbosity=normal" "$@" -- RunConfiguration.MaxCpuCount=1 2>&1 | tee -a "$log" || status=$?

# One closing line over every test assembly, in the plain 'N passed, N failed' form.
# A skipped test or an empty run proves nothing: both fail the run.
awk '/^ *Passed: *[0-9]+$/ {p += $2} /^ *Failed: *[0-9]+$/ {f += $2} /^ *Skipped: *[0-9]+$/ {s += $2}
     /^# pass [0-9]+$/ {p += $3} /^# fail [0-9]+$/ {f += $3} /^# skipped [0-9]+$/ {s += $3}
     END {printf "tests: %d passed, %d failed, %d skipped\n", p, f, s; exit (p == 0 || s > 0) ? 1 : 0}' "$log" || status=1
exit "$status"
