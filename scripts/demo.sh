#!/usr/bin/env bash
# `make demo`: the rotq pieces working on something small.
set -euo pipefail
BUILD=${1:-build}
BIN=$BUILD/bin
PY=$(grep -m1 '^ROTQ_PYTHON:' "$BUILD/CMakeCache.txt" | cut -d= -f2)
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

echo "== 1. A Hadamard matrix for a size QuaRot cannot rotate (Qwen2.5-0.5B ffn)"
"$BIN/rotq-hadamard" 4864 --emit "$OUT/H.npy"

echo
echo "== 2. rotq.hadamard with seeded random signs, lowered to LLVM and run on the CPU"
"$PY" test/Inputs/gen_hadamard_test.py 4864 8 --signs 7 > "$OUT/had.mlir"
"$PY" test/Inputs/randn.py "$OUT/x.npy" 1 8 4864
"$BIN/rotq-run" "$OUT/had.mlir" -e h --input "$OUT/x.npy" --output "$OUT/y.npy"
echo "checked against x * diag(s) * H / sqrt(n) with the dense matrix (float64, NumPy):"
"$PY" test/Inputs/check_hadamard.py "$OUT/x.npy" "$OUT/y.npy" "$OUT/H.npy" --signs 7

echo
echo "== 3. Why rotate: 4-bit per-token quantization of activations with outlier channels"
"$PY" - "$OUT/act.npy" <<'PYEOF'
import sys
import numpy as np
r = np.random.default_rng(0)
x = r.standard_normal((64, 1536)).astype(np.float32)
x[:, [7, 300, 1201]] *= 60.0   # a few channels ~60x larger in every token
np.save(sys.argv[1], x)
PYEOF
echo "3 of 1536 channels are 60x larger in every token; per-token 4-bit RTN:"
echo -n "no rotation:       "
"$BIN/rotq-run" examples/outlier-rtn.mlir -e plain --input "$OUT/act.npy" --output "$OUT/plain.npy"
"$BIN/rotq-run" examples/outlier-rtn.mlir -e rotated --input "$OUT/act.npy" --output "$OUT/rot.npy"
"$PY" - "$OUT/act.npy" "$OUT/plain.npy" "$OUT/rot.npy" <<'PYEOF'
import sys
import numpy as np
x, p, r = (np.load(f).astype(np.float64) for f in sys.argv[1:])
def rel(a):
    return np.linalg.norm(a - x) / np.linalg.norm(x)
print("relative error %.4f" % rel(p))
print("Hadamard rotation: relative error %.4f  (%.1fx smaller)" % (rel(r), rel(p) / rel(r)))
PYEOF
