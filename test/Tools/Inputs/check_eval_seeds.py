"""check_eval_seeds.py FILES.json PIPELINE.json: the models rotq-eval made
with --pipeline/--seeds have exactly the metrics of the same models made
by rotq-opt and passed as files, and its summary is the mean, min and max
of its models' metrics (recomputed here)."""
import json
import sys

files, pipe = (json.load(open(p)) for p in sys.argv[1:3])
keys = ["rel_logit_error", "kl", "top1_agreement", "perplexity"]
assert len(files["models"]) == len(pipe["models"]), "model counts differ"
for a, b in zip(files["models"], pipe["models"]):
    for k in keys:
        if a[k] != b[k]:
            sys.exit("%s: %s %r vs %s %r" % (k, a["file"], a[k], b["file"], b[k]))
s = pipe["summary"]
assert s["models"] == len(pipe["models"])
for k in keys:
    v = [m[k] for m in pipe["models"]]
    want = {"mean": sum(v) / len(v), "min": min(v), "max": max(v)}
    for stat, x in want.items():
        if abs(s[k][stat] - x) > 1e-12 * max(1.0, abs(x)):
            sys.exit("summary %s %s: %r, recomputed %r" % (k, stat, s[k][stat], x))
print("OK")
