#!/usr/bin/env bash
# Offline review: what the synthesized templates (cdk.out.<env>, from .ci/run) change against the
# committed baselines (the snapshot tests' templates). `cdk diff --template` needs no AWS account.
# Informational: the snapshot tests are what fail on an unreviewed change. The baselines hold
# "<asset-hash>" and no CDK metadata, so asset keys and aws:cdk:path entries always show as changes.
set -euo pipefail
cd "$(dirname "$0")/.."
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20 CDK_DISABLE_VERSION_CHECK=1
for env in dev prod; do
  out="cdk.out.$env"
  [ -d "$out" ] || { echo "$out is missing: run .ci/run (or npx cdk synth -c env=$env -o $out) first" >&2; exit 1; }
  for template in "$out"/*.template.json; do
    stack=$(basename "$template" .template.json)
    baseline="tests/RealtimeInfra.Cdk.Tests/Snapshots/$stack.json"
    [ -f "$baseline" ] || { echo "== $stack: no baseline"; continue; }
    echo "== $stack against $baseline"
    npx --no-install cdk diff --app "$out" --exclusively --template "$baseline" "$stack" 2>&1 | grep -v '^$' || true
  done
done
