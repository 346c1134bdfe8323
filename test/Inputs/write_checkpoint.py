"""write_checkpoint.py CONFIG.json OUT_DIR [--dtype F32|F16|BF16] [--shards N]
[--seed S] [--extra-lm-head]

Writes a Hugging Face style checkpoint with NumPy only (no rotq code): the
config, N shards model-0000i-of-0000N.safetensors and, when sharded, the
model.safetensors.index.json weight map that transformers writes.
"""
import argparse
import json
import os
import shutil

import numpy as np

import hf_model

ap = argparse.ArgumentParser()
ap.add_argument("config")
ap.add_argument("out")
ap.add_argument("--dtype", default="F32")
ap.add_argument("--shards", type=int, default=1)
ap.add_argument("--seed", type=int, default=0)
ap.add_argument("--extra-lm-head", action="store_true",
                help="also store lm_head.weight when tied (some writers do)")
args = ap.parse_args()

with open(args.config) as f:
    cfg = json.load(f)
arch = cfg["architectures"][0]
d, f_, v = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]
nh = cfg["num_attention_heads"]
nkv = cfg.get("num_key_value_heads") or nh
hd = cfg.get("head_dim") or (128 if arch == "Qwen3ForCausalLM" else d // nh)
qkv_bias = arch == "Qwen2ForCausalLM" or cfg.get("attention_bias", False)
o_bias = arch in ("LlamaForCausalLM", "Qwen3ForCausalLM") and \
    cfg.get("attention_bias", False)
rng = np.random.default_rng(args.seed)

w = {"model.embed_tokens.weight": rng.standard_normal((v, d))}
for layer in range(cfg["num_hidden_layers"]):
    p = "model.layers.%d." % layer
    for n in ("input_layernorm", "post_attention_layernorm"):
        w[p + n + ".weight"] = 1.0 + 0.2 * rng.standard_normal(d)
    if arch == "Qwen3ForCausalLM":
        for n in ("self_attn.q_norm", "self_attn.k_norm"):
            w[p + n + ".weight"] = 1.0 + 0.2 * rng.standard_normal(hd)
    for n, (o, i, b) in {"self_attn.q_proj": (nh * hd, d, qkv_bias),
                         "self_attn.k_proj": (nkv * hd, d, qkv_bias),
                         "self_attn.v_proj": (nkv * hd, d, qkv_bias),
                         "self_attn.o_proj": (d, nh * hd, o_bias),
                         "mlp.gate_proj": (f_, d, False),
                         "mlp.up_proj": (f_, d, False),
                         "mlp.down_proj": (d, f_, False)}.items():
        w[p + n + ".weight"] = rng.standard_normal((o, i)) / np.sqrt(i)
        if b:
            w[p + n + ".bias"] = 0.2 * rng.standard_normal(o)
w["model.norm.weight"] = 1.0 + 0.2 * rng.standard_normal(d)
if not cfg.get("tie_word_embeddings"):
    w["lm_head.weight"] = rng.standard_normal((v, d)) / np.sqrt(d)
elif args.extra_lm_head:
    w["lm_head.weight"] = w["model.embed_tokens.weight"]

os.makedirs(args.out, exist_ok=True)
shutil.copy(args.config, os.path.join(args.out, "config.json"))
names = sorted(w)
if args.shards == 1:
    hf_model.write_safetensors(os.path.join(args.out, "model.safetensors"), w,
                               args.dtype)
else:
    weight_map = {}
    for s in range(args.shards):
        fname = "model-%05d-of-%05d.safetensors" % (s + 1, args.shards)
        part = {n: w[n] for n in names[s::args.shards]}
        hf_model.write_safetensors(os.path.join(args.out, fname), part,
                                   args.dtype)
        weight_map.update({n: fname for n in part})
    with open(os.path.join(args.out, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {}, "weight_map": weight_map}, f)
