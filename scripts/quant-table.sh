#!/usr/bin/env bash
# quant-table.sh BUILD_DIR [CONFIGS]: quantize a synthetic Llama with
# realistic outliers at several bit widths, without rotation, with QuaRot
# and with DuQuant, with RTN and GPTQ weights, and compare every model with
# the float one on 128 tokens sampled from the float model (rotq-eval).
# CONFIGS is a list of NAME=w,a,kv (bits; 16 keeps floats), by default the
# README's four. Each method uses its paper's quantizers (QuaRot
# symmetric, DuQuant asymmetric weights and activations).
set -euo pipefail
BUILD=${1:-build}
CONFIGS=${2:-"W8A8=8,8,16 W4A8=4,8,16 W4A4=4,4,16 W4A4KV4=4,4,4"}
BIN=$BUILD/bin
PY=$(grep -m1 '^ROTQ_PYTHON:' "$BUILD/CMakeCache.txt" | cut -d= -f2)
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

"$BIN/rotq-import" --synthesize examples/models/llama-demo.json --seed 1 \
  --outliers realistic -o "$OUT/ckpt" > /dev/null
"$BIN/rotq-import" "$OUT/ckpt" -o "$OUT/float.mlir"
"$BIN/rotq-opt" "$OUT/float.mlir" --rotq-raise-model -o "$OUT/none.mlir"
"$BIN/rotq-opt" "$OUT/float.mlir" --rotq-quarot=seed=7 -o "$OUT/quarot.mlir"
"$BIN/rotq-opt" "$OUT/float.mlir" --rotq-duquant=seed=7 -o "$OUT/duquant.mlir"
# GPTQ calibrates on its own random tokens (8 x 128), not on the
# evaluation sequence.
models=()
for cfg in $CONFIGS; do
  name=${cfg%%=*}
  IFS=, read -r w a kv <<< "${cfg#*=}"
  for rot in none quarot duquant; do
    preset=quarot
    [ "$rot" = duquant ] && preset=duquant
    for method in rtn gptq; do
      m="$OUT/$name.$rot.$method.mlir"
      "$BIN/rotq-opt" "$OUT/$rot.mlir" \
        --rotq-quantize="w-bits=$w a-bits=$a kv-bits=$kv w-method=$method seed=5 preset=$preset" -o "$m"
      models+=("$m")
    done
  done
done
"$BIN/rotq-eval" "$OUT/float.mlir" "${models[@]}" --sample 128 --seed 3 --json > "$OUT/eval.json"
"$PY" - "$OUT/eval.json" <<'PYEOF'
import json, os, sys
r = json.load(open(sys.argv[1]))
print("%d tokens sampled from the float model; float perplexity %.2f"
      % (r["positions"], r["reference"]["perplexity"]))
print()
print("| config | rotation | weights | rel. logit error | KL(float‖quant) | top-1 agree | perplexity |")
print("|---|---|---|---:|---:|---:|---:|")
for m in r["models"]:
    name, rot, method, _ = os.path.basename(m["file"]).split(".")
    print("| %s | %s | %s | %.4f | %.5f | %.1f%% | %.2f |" % (
        name, {"quarot": "QuaRot", "duquant": "DuQuant"}.get(rot, "none"),
        method.upper(),
        m["rel_logit_error"], m["kl"], 100 * m["top1_agreement"],
        m["perplexity"]))
PYEOF
