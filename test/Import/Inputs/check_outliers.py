"""check_outliers.py CKPT TOKENS.npy: the outliers a realistic synthetic
checkpoint promises, measured on the float64 reference's activations."""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..",
                                "Inputs"))
import hf_model  # noqa: E402

cfg, w = hf_model.load_checkpoint(sys.argv[1])
trace = {}
hf_model.forward(cfg, w, np.load(sys.argv[2]), trace)
ok = lambda c: "OK" if c else "FAILED"

# Normal: a few channels far above the others in every token.
x = np.abs(trace["model.layers.0.self_attn.q_proj"])
per_channel = np.median(x, axis=0)
top = np.sort(per_channel)[-1]
print("normal outliers:", ok(top > 15 * np.median(per_channel)))

# Massive: the BOS token's residual and down_proj input, vs the median.
h = np.abs(trace["residual.0"])
print("massive outlier in the residual stream:",
      ok(h[0].max() > 500 * np.median(h)))
worst = min(
    np.abs(trace["model.layers.%d.mlp.down_proj" % l])[0].max()
    / np.median(np.abs(trace["model.layers.%d.mlp.down_proj" % l]))
    for l in range(cfg["num_hidden_layers"]))
print("massive outlier at the down_proj input:", ok(worst > 500),
      "(min over layers %.0fx)" % worst)
