#!/usr/bin/env bash
# bench/code-reuse.sh FLOAT.mlir [BUILD_DIR]: what sharing compiled code
# between programs that differ only in their weights saves.
#
# One rotq-eval process evaluates the float model and three QuaRot draws
# quantized W4A4KV4 with the calibrated RTN recipe (calibration and
# evaluation tokens sampled from the model, so that any model works):
#
#   rotq-eval FLOAT --pipeline 'rotq-quarot{seed={seed}},rotq-quantize{...}' --seeds 3
#
# once as is (A) and once with -rotq-reuse-code=false (B), in turn, REPEAT
# times (default 1), with the wall time and peak RSS of each (/usr/bin/time)
# and the ratio A/B. The metrics of A and B must be identical (checked).
# Record the output in bench/RESULTS.md.
set -euo pipefail
FLOAT=$(realpath "$1")
BUILD=${2:-build}
BIN=$(cd "$(dirname "$0")/../$BUILD/bin" && pwd)
REPEAT=${REPEAT:-1}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
"$BIN/rotq-eval" "$FLOAT" --sample 64 --seed 1 --save-tokens eval.npy >/dev/null
"$BIN/rotq-eval" "$FLOAT" --sample 64 --seed 2 --save-tokens calib.npy >/dev/null
P="rotq-quarot{seed={seed}},rotq-quantize{w-bits=4 a-bits=4 kv-bits=4 protect-directions=4 calibration=$WORK/calib.npy}"
run() { # label extra-flags...
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$label.time" \
    "$BIN/rotq-eval" "$FLOAT" --input eval.npy --pipeline "$P" --seeds 3 --json "$@" > "$label.json"
  read -r wall rss < "$label.time"
  echo "$wall $rss"
}
echo "model: $FLOAT; 3 QuaRot draws, W4A4KV4 RTN (4 protected directions), 64 calibration and 64 evaluation tokens"
printf '%-4s %10s %10s %10s %12s %12s\n' run "A wall s" "B wall s" "A/B" "A peak MiB" "B peak MiB"
for i in $(seq "$REPEAT"); do
  read -r wa ra < <(run a)
  read -r wb rb < <(run b -rotq-reuse-code=false)
  cmp -s a.json b.json || { echo "A and B differ:"; diff a.json b.json | head; exit 1; }
  awk -v i="$i" -v wa="$wa" -v wb="$wb" -v ra="$ra" -v rb="$rb" \
    'BEGIN { printf "%-4s %10.1f %10.1f %10.3f %12.0f %12.0f\n", i, wa, wb, wa / wb, ra / 1024, rb / 1024 }'
done
