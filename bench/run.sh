#!/usr/bin/env bash
# bench/run.sh [BUILD_DIR] [rotq-bench options]: builds rotq if needed and
# runs the GPU benchmarks (needs a CUDA driver and a GPU), printing markdown
# tables of kernel times as ratios to the copy-bandwidth and cuBLAS
# baselines measured in the same run; the tables are also written to
# bench/last-run.md. Record each run in bench/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
shift || true
if [ ! -x "$BUILD/bin/rotq-bench" ]; then
  make --no-print-directory build BUILD_DIR="$BUILD"
fi
"$BUILD/bin/rotq-bench" "$@" | tee bench/last-run.md
