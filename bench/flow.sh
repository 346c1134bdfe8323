#!/usr/bin/env bash
# bench/flow.sh [BUILD_DIR] [SIZE...]: the whole offline flow on synthesized
# Llama-shaped bf16 checkpoints of increasing size (SIZE: 125m, 1b, 7b;
# default 125m 1b):
#
#   rotq-import CKPT -o model.mlir
#   rotq-opt model.mlir --rotq-quarot -o rotated.mlir
#   rotq-opt rotated.mlir --rotq-quantize="w-bits=4 a-bits=16 kv-bits=16 ..." -o quantized.mlir
#   rotq-materialize quantized.mlir -o OUT
#
# with each step's wall time and peak RSS, the bytes written and the largest
# .mlir, as a ratio to copying the checkpoint (`cp`) in the same run. The
# weight quantizer is RTN per output channel, once with the clip search
# (the default) and once without (W_CLIP=both|on|off, default both). A
# one-layer model of the same shapes checks that the rotated float model
# gives the original's logits. Needs about 2.2x the largest checkpoint in
# free space under ${BENCH_DIR:-/tmp/rotq-flow}. Record the output in
# bench/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
shift || true
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(125m 1b)
W_CLIP=${W_CLIP:-both}
BIN=$(cd "$BUILD/bin" && pwd)
WORK=${BENCH_DIR:-/tmp/rotq-flow}
mkdir -p "$WORK"

config() { # name hidden ffn layers heads vocab
  cat > "$WORK/$1.json" <<JSON
{"architectures": ["LlamaForCausalLM"], "model_type": "llama",
 "hidden_size": $2, "intermediate_size": $3, "num_hidden_layers": $4,
 "num_attention_heads": $5, "num_key_value_heads": $5, "vocab_size": $6,
 "max_position_embeddings": 4096, "rms_norm_eps": 1e-05,
 "rope_theta": 10000.0, "tie_word_embeddings": false,
 "torch_dtype": "bfloat16", "bos_token_id": 1, "eos_token_id": 2}
JSON
}
shape() {
  case $1 in
    125m) echo "768 2048 12 12 32000" ;;
    1b) echo "2048 5632 16 16 32000" ;;
    7b) echo "4096 11008 32 32 32000" ;;
    *) echo "unknown size $1 (125m, 1b, 7b)" >&2; exit 2 ;;
  esac
}
# timed LABEL CMD...: runs CMD, prints "LABEL wall_s peak_rss_MB".
timed() {
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$WORK/time.txt" "$@" > "$WORK/$label.log" 2>&1 ||
    { cat "$WORK/$label.log"; exit 1; }
  read -r wall rss < "$WORK/time.txt"
  echo "$label $wall $((rss / 1024))"
}
mb() { echo $(( $(du -sbL "$1" | cut -f1) / 1000000 )); }

echo "| model | params | step | wall s | peak RSS MB | x cp |"
echo "|---|---|---|---|---|---|"
for size in "${SIZES[@]}"; do
  read -r d f l h v <<< "$(shape "$size")"
  config "$size" "$d" "$f" "$l" "$h" "$v"
  ck="$WORK/$size-ck"
  [ -f "$ck/model.safetensors" ] || "$BIN/rotq-import" --synthesize "$WORK/$size.json" -o "$ck" > /dev/null
  params=$(( (v * d * 2 + l * (4 * d * d + 3 * d * f)) / 1000000 ))M
  sync
  read -r _ cpwall _ <<< "$(timed cp cp "$ck/model.safetensors" "$WORK/copy.safetensors")"
  rm -f "$WORK/copy.safetensors"
  row() { echo "| $size | $params | $1 | $2 | $3 | $(python3 -c "print('%.2f' % ($2 / max($cpwall, 0.01)))") |"; }
  echo "| $size | $params | cp ($(mb "$ck") MB) | $cpwall | - | 1.00 |"
  read -r _ w r <<< "$(timed import "$BIN/rotq-import" "$ck" -o "$WORK/model.mlir")"; row "rotq-import" "$w" "$r"
  read -r _ w r <<< "$(timed quarot "$BIN/rotq-opt" "$WORK/model.mlir" --rotq-quarot -o "$WORK/rotated.mlir")"; row "--rotq-quarot" "$w" "$r"
  for clip in on off; do
    [ "$W_CLIP" = both ] || [ "$W_CLIP" = "$clip" ] || continue
    opt="w-bits=4 a-bits=16 kv-bits=16"
    [ $clip = on ] || opt="$opt w-clip-search=false"
    read -r _ w1 r1 <<< "$(timed quant "$BIN/rotq-opt" "$WORK/rotated.mlir" --rotq-quantize="$opt" -o "$WORK/quantized.mlir")"
    row "--rotq-quantize (clip search $clip)" "$w1" "$r1"
    rm -rf "$WORK/out"
    read -r _ w2 r2 <<< "$(timed materialize "$BIN/rotq-materialize" "$WORK/quantized.mlir" -o "$WORK/out" --quiet)"
    row "rotq-materialize ($(mb "$WORK/out") MB written)" "$w2" "$r2"
    largest=$(ls -S "$WORK"/*.mlir "$WORK/out/model.mlir" | head -1)
    echo "| $size | $params | largest .mlir: $(basename "$largest") $(( $(stat -c %s "$largest") / 1000 )) kB | | | |"
  done
done

# Equivalence at the largest shapes, one layer: rotated float == original.
size=${SIZES[-1]}
read -r d f l h v <<< "$(shape "$size")"
config "$size-1l" "$d" "$f" 1 "$h" 1024
rm -rf "$WORK/$size-1l-ck"
"$BIN/rotq-import" --synthesize "$WORK/$size-1l.json" --outliers realistic -o "$WORK/$size-1l-ck" > /dev/null
"$BIN/rotq-import" "$WORK/$size-1l-ck" -o "$WORK/1l.mlir"
"$BIN/rotq-opt" "$WORK/1l.mlir" --rotq-quarot -o "$WORK/1l-rot.mlir"
echo
echo "rotated vs original logits, $size shapes with one layer (vocab 1024, 8 tokens):"
"$BIN/rotq-run" --compare "$WORK/1l.mlir" "$WORK/1l-rot.mlir" -e forward --random-inputs \
  --random-int-max 1024 --dynamic-size 8 --rel-tol 1e-4 2>&1 | tail -2
