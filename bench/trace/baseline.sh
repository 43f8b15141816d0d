#!/bin/sh
# Builds percpu as it was before tracing (commit d5a55fe, or $1) in /tmp/percpu-base with the
# trace benchmark's path probe, so `node dist/bench/run.js --only=trace --baseline=/tmp/percpu-base`
# can compare the hooked paths with tracing off against the code without the hooks.
set -e
REV=${1:-d5a55fe}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DEST=/tmp/percpu-base
rm -rf "$DEST" && mkdir -p "$DEST"
git -C "$ROOT" archive "$REV" | tar -x -C "$DEST"
mkdir -p "$DEST/bench/trace"
cp "$ROOT/bench/trace/path-tasks.ts" "$ROOT/bench/trace/path-probe.ts" "$DEST/bench/trace/"
ln -s "$ROOT/node_modules" "$DEST/node_modules"
cd "$DEST" && npx tsc -p tsconfig.json
echo "baseline built in $DEST ($REV)"
