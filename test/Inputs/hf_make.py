"""hf_make.py KIND OUT_DIR [--dtype float32|bfloat16] [--shard KB] [--seed S]

Builds a small randomly initialised model with transformers itself and
writes it with save_pretrained, so that the config.json and the safetensors
shards are exactly what transformers 5 writes. KIND:
  llama-gqa   Llama, GQA 4/2, rope_parameters {theta 5e5}
  llama3      Llama 3 rope (llama3 type, 3 frequency bands), tied embeddings
  mistral     Mistral, GQA, sliding window 5 (shorter than the test sequence)
  qwen2       Qwen2, q/k/v biases, tied embeddings, 5 heads
  qwen3       Qwen3, q/k norms, explicit head_dim 32 (hidden/heads = 16)
Weights are drawn with a larger spread than transformers' initialiser (and
norm weights away from 1) so that every part of the model shows in the
logits.
"""
import argparse

import torch
from transformers import (LlamaConfig, LlamaForCausalLM, MistralConfig,
                          MistralForCausalLM, Qwen2Config, Qwen2ForCausalLM,
                          Qwen3Config, Qwen3ForCausalLM)

BASE = dict(vocab_size=200, hidden_size=64, intermediate_size=96,
            num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
            rms_norm_eps=1e-5)
KINDS = {
    "llama-gqa": (LlamaConfig, LlamaForCausalLM, dict(
        rope_parameters={"rope_type": "default", "rope_theta": 500000.0})),
    "llama3": (LlamaConfig, LlamaForCausalLM, dict(
        tie_word_embeddings=True, max_position_embeddings=256,
        rope_parameters={"rope_type": "llama3", "rope_theta": 500000.0,
                         "factor": 8.0, "low_freq_factor": 1.0,
                         "high_freq_factor": 4.0,
                         "original_max_position_embeddings": 64})),
    "mistral": (MistralConfig, MistralForCausalLM, dict(
        sliding_window=5,
        rope_parameters={"rope_type": "default", "rope_theta": 1e6})),
    "qwen2": (Qwen2Config, Qwen2ForCausalLM, dict(
        hidden_size=80, num_attention_heads=5, num_key_value_heads=1,
        tie_word_embeddings=True)),
    "qwen3": (Qwen3Config, Qwen3ForCausalLM, dict(head_dim=32)),
}

ap = argparse.ArgumentParser()
ap.add_argument("kind", choices=sorted(KINDS))
ap.add_argument("out")
ap.add_argument("--dtype", default="float32", choices=["float32", "bfloat16"])
ap.add_argument("--shard", type=int, default=0,
                help="max shard size in KB (0: one file)")
ap.add_argument("--seed", type=int, default=0)
args = ap.parse_args()

config_cls, model_cls, extra = KINDS[args.kind]
cfg = config_cls(**{**BASE, **extra})
torch.manual_seed(args.seed)
model = model_cls(cfg).eval()
with torch.no_grad():
    for name, p in model.named_parameters():
        if name.endswith("norm.weight"):
            p.copy_(1.0 + 0.2 * torch.randn_like(p))
        elif p.dim() == 2:
            p.copy_(torch.randn_like(p) / p.shape[1] ** 0.5)
        else:
            p.copy_(0.2 * torch.randn_like(p))
model = model.to(getattr(torch, args.dtype))
kw = {"max_shard_size": "%dKB" % args.shard} if args.shard else {}
model.save_pretrained(args.out, **kw)
