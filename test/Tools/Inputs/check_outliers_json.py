"""check_outliers_json.py STATS.json CKPT TOKENS.npy BLOCK: the rotq-outliers
figures for the original model (max, median, and the between-block variance
of the per-block mean |x| for blocks of BLOCK channels, relative to the
squared mean) match the float64 NumPy reference's activations, and the
rotation cuts the max/median ratio of every input that has outliers by a
large factor."""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..",
                                "Inputs"))
import hf_model  # noqa: E402

rows = json.load(open(sys.argv[1]))
cfg, w = hf_model.load_checkpoint(sys.argv[2])
trace = {}
hf_model.forward(cfg, w, np.load(sys.argv[3]), trace)
bad = 0
for row in rows:
    name = row["input_of"].split(",")[0]
    x = np.abs(trace[name])
    got = row["model"]
    ref_max, ref_med = x.max(), np.median(x)
    b = int(sys.argv[4])
    means = x.reshape(-1, x.shape[-1]).mean(axis=0).reshape(-1, b).mean(axis=1)
    ref_var = np.var(means) / np.mean(means) ** 2
    if got["block"] != b:
        print("BLOCK", name, got["block"])
        bad += 1
    for what, a, b in (("max", got["max_abs"], ref_max),
                       ("median", got["median_abs"], ref_med),
                       ("block variance", got["block_mean_var_rel"], ref_var)):
        if abs(a - b) > 1e-3 * abs(b) + 1e-6:
            print("MISMATCH", name, what, a, b)
            bad += 1
    fell = got["ratio"] / row["rotated"]["ratio"]
    outlier_input = got["ratio"] > 100
    print("%s: ratio %.1f -> %.1f (%.1fx)%s" % (
        row["input_of"], got["ratio"], row["rotated"]["ratio"], fell,
        " outliers" if outlier_input else ""))
    if outlier_input and fell < 10:
        print("NOT REDUCED", name)
        bad += 1
print("OK" if bad == 0 else "FAILED")
