#!/usr/bin/env bash
# bench/forward.sh [BUILD_DIR] [TOKENS]: CPU forward throughput of a
# synthesized Llama-shaped float32 checkpoint (hidden 768, 12 layers, ffn
# 2048, 12 heads, vocab 32000: 134 M parameters), TOKENS tokens (default
# 128) in one sequence, measured in the same run for
#
#   rotq-run (microkernels, the default) -- one compilation, then calls;
#   rotq-run --ukernels=false (every op as loops: the previous CPU path);
#   PyTorch's CPU forward of the same checkpoint (transformers, float32,
#   torch.set_num_threads = the cores rotq uses), where .venv has torch;
#   rotq-run of the W8A8 model (--rotq-quantize="w-bits=8 a-bits=8",
#   int8 x int8 -> int32 matmuls), materialized first.
#
# Each figure is the median call time over several calls after a first one
# (rotq: --repeat; PyTorch: timeit-style loop), as tokens/s and as a ratio
# to PyTorch. Record the output in bench/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
TOKENS=${2:-128}
BIN=$(cd "$BUILD/bin" && pwd)
WORK=${BENCH_DIR:-/tmp/rotq-forward}
PY=/usr/bin/python3
VENV_PY=.venv/bin/python
THREADS=${ROTQ_NUM_THREADS:-$(nproc)}
export ROTQ_NUM_THREADS=$THREADS
mkdir -p "$WORK"

cat > "$WORK/config.json" <<JSON
{"architectures": ["LlamaForCausalLM"], "model_type": "llama",
 "hidden_size": 768, "intermediate_size": 2048, "num_hidden_layers": 12,
 "num_attention_heads": 12, "num_key_value_heads": 12, "vocab_size": 32000,
 "max_position_embeddings": 4096, "rms_norm_eps": 1e-05,
 "rope_theta": 10000.0, "tie_word_embeddings": false,
 "torch_dtype": "float32", "bos_token_id": 1, "eos_token_id": 2}
JSON
ck="$WORK/ck"
[ -f "$ck/model.safetensors" ] || "$BIN/rotq-import" --synthesize "$WORK/config.json" -o "$ck" > /dev/null
"$BIN/rotq-import" "$ck" -o "$WORK/model.mlir"
"$PY" -c "import numpy as np; np.save('$WORK/tokens.npy', (np.arange($TOKENS) * 7919 % 32000).astype(np.int64))"

# median_call FILE [rotq-run options]: the median call time in seconds.
median_call() {
  local f=$1; shift
  "$BIN/rotq-run" "$f" -e forward --input "$WORK/tokens.npy" --output "$WORK/out.npy" "$@" 2>&1 >/dev/null |
    sed -n 's/.*median \([0-9.]*\) s.*/\1/p'
}

fast=$(median_call "$WORK/model.mlir" --repeat 5)
cp "$WORK/out.npy" "$WORK/fast.npy"
loops=$(median_call "$WORK/model.mlir" --repeat 3 --ukernels=false)
cp "$WORK/out.npy" "$WORK/loops.npy"
agree=$("$PY" -c "
import numpy as np
a, b = np.load('$WORK/fast.npy'), np.load('$WORK/loops.npy')
print('%.1e' % (np.linalg.norm(a - b) / np.linalg.norm(b)))")

"$BIN/rotq-opt" "$WORK/model.mlir" --rotq-quantize="w-bits=8 a-bits=8 kv-bits=16" -o "$WORK/w8a8.mlir"
rm -rf "$WORK/w8a8"
"$BIN/rotq-materialize" "$WORK/w8a8.mlir" -o "$WORK/w8a8" --quiet
w8a8=$(median_call "$WORK/w8a8/model.mlir" --repeat 5)

torch=""
if [ -x "$VENV_PY" ] && "$VENV_PY" -c "import torch, transformers" 2>/dev/null; then
  torch=$("$VENV_PY" - "$ck" "$WORK/tokens.npy" "$THREADS" "$WORK/fast.npy" <<'PY'
import statistics, sys, time
import numpy as np, torch
from transformers import AutoModelForCausalLM
ck, tokens, threads, rotq_out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
torch.set_num_threads(threads)
model = AutoModelForCausalLM.from_pretrained(ck, torch_dtype=torch.float32).eval()
ids = torch.from_numpy(np.load(tokens)).unsqueeze(0)
times = []
with torch.no_grad():
    for i in range(6):
        t0 = time.perf_counter()
        logits = model(ids).logits
        times.append(time.perf_counter() - t0)
ref = logits[0].numpy()
got = np.load(rotq_out)
err = np.linalg.norm(got - ref) / np.linalg.norm(ref)
print("%.4f %.1e" % (statistics.median(times[1:]), err))
PY
)
fi

rate() { "$PY" -c "print('%.1f' % ($TOKENS / $1))"; }
ratio() { [ -n "$2" ] && "$PY" -c "print('%.2f' % ($2 / $1))" || echo "-"; }
read -r tsec terr <<< "${torch:-"" ""}"
echo "CPU forward, $TOKENS tokens, 134M-parameter Llama shape, float32, $THREADS threads"
echo
echo "| path | median s per forward | tokens/s | x PyTorch |"
echo "|---|---|---|---|"
[ -n "$tsec" ] && echo "| PyTorch (transformers) | $tsec | $(rate "$tsec") | 1.00 |"
echo "| rotq-run (microkernels) | $fast | $(rate "$fast") | $(ratio "$fast" "$tsec") |"
echo "| rotq-run --ukernels=false (loops) | $loops | $(rate "$loops") | $(ratio "$loops" "$tsec") |"
echo "| rotq-run W8A8 (int8 matmuls) | $w8a8 | $(rate "$w8a8") | $(ratio "$w8a8" "$tsec") |"
echo
echo "microkernels vs loops: $("$PY" -c "print('%.1f' % ($loops / $fast))")x faster; logits agree to $agree (relative)"
[ -n "$terr" ] && echo "rotq vs PyTorch logits: $terr (relative)"
[ -n "$tsec" ] || echo "PyTorch not measured: .venv has no torch/transformers (make venv)"
