#!/usr/bin/env bash
# Regenerates docs/architecture.dot and docs/architecture.svg from prod's synthesized templates, so
# the picture cannot drift from the code (a CDK test compares both with what this produces).
set -euo pipefail
cd "$(dirname "$0")/.."
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20 CDK_DISABLE_VERSION_CHECK=1
command -v dot >/dev/null || { echo "Graphviz is missing: apt-get install graphviz" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out" "$out.log"' EXIT
npx --no-install cdk synth --quiet -c env=prod -o "$out" >"$out.log" 2>&1 || { cat "$out.log" >&2; exit 1; }
node scripts/diagram.mjs "$out" > docs/architecture.dot
dot -Tsvg docs/architecture.dot -o docs/architecture.svg
echo "docs/architecture.dot, docs/architecture.svg"
