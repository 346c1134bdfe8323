"""check_export.py SOURCE_CKPT EXPORTED_CKPT: the exported checkpoint is a
plain Hugging Face model that computes the source's logits, checked with the
independent float64 NumPy implementation (test/Inputs/hf_model.py) on both;
its weights are not the source's (the rotation is fused into them), it is
untied and float32."""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..",
                                "Inputs"))
import hf_model  # noqa: E402

src, out = sys.argv[1], sys.argv[2]
cfg_s, w_s = hf_model.load_checkpoint(src)
cfg_o, w_o = hf_model.load_checkpoint(out)
assert cfg_o["tie_word_embeddings"] is False, cfg_o
assert cfg_o["torch_dtype"] == "float32", cfg_o
for k, v in cfg_s.items():
    if k not in ("tie_word_embeddings", "torch_dtype", "dtype"):
        assert cfg_o[k] == v, (k, cfg_o[k], v)
with open(os.path.join(out, "model.safetensors"), "rb") as f:
    n = int.from_bytes(f.read(8), "little")
    header = json.loads(f.read(n))
assert {v["dtype"] for k, v in header.items() if k != "__metadata__"} == \
    {"F32"}, header
k = "model.layers.0.self_attn.q_proj.weight"
assert not np.allclose(w_o[k], w_s[k], atol=1e-3), "weights not rotated"
rng = np.random.default_rng(0)
tokens = rng.integers(0, cfg_s["vocab_size"], 24)
a = hf_model.forward(cfg_s, w_s, tokens)
b = hf_model.forward(cfg_o, w_o, tokens)
err = np.linalg.norm(a - b) / np.linalg.norm(a)
print("relative logit difference %.2e" % err)
assert err < 1e-4, err
print("OK")
