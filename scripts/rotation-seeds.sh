#!/usr/bin/env bash
# rotation-seeds.sh BUILD_DIR [SEEDS]: W4A4 RTN on the synthetic
# realistic-outlier model (the README's), rotated by QuaRot, DuQuant and
# DuQuant on top of QuaRot's residual rotation, over several rotation seeds
# (default 1 2 3), each with the same quantizers (asymmetric per-token
# activations clip 0.9, asymmetric per-channel weights with clip search)
# and QuaRot also with its paper's symmetric ones; prints the KL to the
# float model on 128 sampled tokens as mean, min and max over the seeds.
set -euo pipefail
BUILD=${1:-build}
SEEDS=${2:-"1 2 3"}
BIN=$BUILD/bin
PY=$(grep -m1 '^ROTQ_PYTHON:' "$BUILD/CMakeCache.txt" | cut -d= -f2)
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

"$BIN/rotq-import" --synthesize examples/models/llama-demo.json --seed 1 \
  --outliers realistic -o "$OUT/ckpt" > /dev/null
"$BIN/rotq-import" "$OUT/ckpt" -o "$OUT/float.mlir"
models=()
for s in $SEEDS; do
  "$BIN/rotq-opt" "$OUT/float.mlir" --rotq-quarot=seed=$s -o "$OUT/r.mlir"
  "$BIN/rotq-opt" "$OUT/r.mlir" --rotq-quantize="w-bits=4 a-bits=4" -o "$OUT/quarot-sym.$s.mlir"
  "$BIN/rotq-opt" "$OUT/r.mlir" --rotq-quantize="w-bits=4 a-bits=4 preset=duquant" -o "$OUT/quarot-asym.$s.mlir"
  "$BIN/rotq-opt" "$OUT/float.mlir" --rotq-duquant=seed=$s \
    --rotq-quantize="w-bits=4 a-bits=4 preset=duquant" -o "$OUT/duquant.$s.mlir"
  "$BIN/rotq-opt" "$OUT/float.mlir" --rotq-duquant="seed=$s quarot=true" \
    --rotq-quantize="w-bits=4 a-bits=4 preset=duquant" -o "$OUT/duquant+quarot.$s.mlir"
  models+=("$OUT/quarot-sym.$s.mlir" "$OUT/quarot-asym.$s.mlir" "$OUT/duquant.$s.mlir" "$OUT/duquant+quarot.$s.mlir")
done
"$BIN/rotq-eval" "$OUT/float.mlir" "${models[@]}" --sample 128 --seed 3 --json > "$OUT/eval.json"
"$PY" - "$OUT/eval.json" <<'PYEOF'
import collections, json, os, sys
r = json.load(open(sys.argv[1]))
kl = collections.defaultdict(list)
for m in r["models"]:
    kl[os.path.basename(m["file"]).split(".")[0]].append(m["kl"])
print("| W4A4 RTN | quantizers | KL mean | min | max | seeds |")
print("|---|---|---:|---:|---:|---:|")
names = {"quarot-sym": ("QuaRot", "symmetric"), "quarot-asym": ("QuaRot", "asymmetric"),
         "duquant": ("DuQuant", "asymmetric"), "duquant+quarot": ("DuQuant on QuaRot", "asymmetric")}
for k, (name, q) in names.items():
    v = kl[k]
    print("| %s | %s | %.5f | %.5f | %.5f | %d |" % (name, q, sum(v) / len(v), min(v), max(v), len(v)))
PYEOF
