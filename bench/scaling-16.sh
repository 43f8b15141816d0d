#!/bin/sh
# The counter benchmark at 1, 2, 4, 8 and 16 CPUs, on a machine with 16 cores or more.
# Needs a built checkout (npm ci && npm run build); no network. About 3 minutes on 16 cores.
# Writes bench-results/scaling-16.json (or the file given as $1); then
#   npm run bench -- --full --report-only
# adds a "Scaling on 16 cores" section and chart to docs/benchmarks.md.
set -eu
cd "$(dirname "$0")/.."
test -f dist/bench/scaling-16.js || { echo "build first: npm ci && npm run build" >&2; exit 1; }
exec node dist/bench/scaling-16.js --cpus=16 ${1:+--out="$1"}
