"""check_eval_json.py EVAL.json TOKENS.npy REF_LOGITS.npy MODEL_LOGITS.npy...:
recomputes rotq-eval's metrics in float64 NumPy from the logits rotq-run
wrote for each model, and checks that they agree."""
import json
import sys

import numpy as np

r = json.load(open(sys.argv[1]))
tokens = np.load(sys.argv[2]).reshape(-1)
ref = np.load(sys.argv[3]).astype(np.float64)


def log_softmax(x):
    m = x.max(axis=1, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=1, keepdims=True))


def ppl(logits):
    lp = log_softmax(logits)
    return float(np.exp(-lp[np.arange(len(tokens) - 1), tokens[1:]].mean()))


def close(a, b, what):
    if not abs(a - b) <= 1e-6 * max(1.0, abs(b)):
        sys.exit("%s: rotq-eval %r, NumPy %r" % (what, a, b))


close(r["reference"]["perplexity"], ppl(ref), "reference perplexity")
lref = log_softmax(ref)
for m, f in zip(r["models"], sys.argv[4:]):
    x = np.load(f).astype(np.float64)
    lx = log_softmax(x)
    close(m["rel_logit_error"], np.linalg.norm(x - ref) / np.linalg.norm(ref),
          "relative logit error")
    close(m["kl"], float((np.exp(lref) * (lref - lx)).sum(axis=1).mean()), "KL")
    close(m["top1_agreement"],
          float((x.argmax(axis=1) == ref.argmax(axis=1)).mean()), "top-1")
    close(m["perplexity"], ppl(x), "perplexity")
    print("%s: rel %.4f kl %.5f top1 %.3f ppl %.2f" % (
        f.split("/")[-1], m["rel_logit_error"], m["kl"], m["top1_agreement"],
        m["perplexity"]))
print("OK")
