"""gguf_make.py VARIANT OUT_DIR: a small GGUF model written with the `gguf`
package (llama.cpp's Python writer) and, for comparison, the same weights as
a Hugging Face checkpoint.

Writes OUT_DIR/model.gguf and OUT_DIR/hf/{config.json, model.safetensors}.
Each linear gets another ggml type (F32, F16, BF16, Q8_0, Q4_0, Q4_1 from
random floats with the package's quantizers; Q4_K, Q5_K, Q6_K as random
blocks, which the package only dequantizes); the checkpoint holds what the
package's dequantizers (llama.cpp's, in NumPy) make of every tensor. For
the llama architecture the q/k rows are stored permuted as llama.cpp's
converter stores them; the checkpoint keeps Hugging Face's order.

VARIANT: llama (untied LM head) | qwen2 (q/k/v biases, tied embeddings) |
q5_0 (a Q5_0 tensor) | extra (a tensor the model does not use) | yarn
(yarn rope scaling) | partial-rope (rope.dimension_count != head size).
"""
import json
import os
import sys

import numpy as np
import gguf
from gguf import GGMLQuantizationType as T
from safetensors.numpy import save_file

variant, out = sys.argv[1], sys.argv[2]
arch = "qwen2" if variant == "qwen2" else "llama"
os.makedirs(os.path.join(out, "hf"), exist_ok=True)
rng = np.random.default_rng(11)
hidden, ffn, layers, heads, kv, vocab = 256, 512, 2, 4, 2, 320
hd = hidden // heads
eps = float(np.float32(1e-5))  # GGUF stores float32
theta = 500000.0


def random_k_blocks(qtype, rows, cols):
    """Random Q4_K / Q5_K / Q6_K blocks with small f16 scales."""
    n = rows * cols // 256
    size = {T.Q4_K: 144, T.Q5_K: 176, T.Q6_K: 210}[qtype]
    b = rng.integers(0, 256, (n, size), dtype=np.uint8)
    d = rng.uniform(0.0005, 0.002, n).astype(np.float16).view(np.uint8).reshape(n, 2)
    if qtype == T.Q6_K:
        b[:, 192:208] = rng.integers(-32, 32, (n, 16), dtype=np.int8).view(np.uint8)
        b[:, 208:210] = d
    else:
        dmin = rng.uniform(0.0, 0.001, n).astype(np.float16).view(np.uint8).reshape(n, 2)
        b[:, 0:2], b[:, 2:4] = d, dmin
    return b.reshape(rows, cols // 256 * size)


def encode(qtype, shape):
    """Raw GGUF data and its dequantized float32 values."""
    rows, cols = (shape[0], shape[1]) if len(shape) == 2 else (1, shape[0])
    if qtype in (T.Q4_K, T.Q5_K, T.Q6_K):
        raw = random_k_blocks(qtype, rows, cols)
    else:
        x = rng.standard_normal((rows, cols)) * 0.05
        if rows == 1:  # norm scales and biases: near 1, as trained
            x += 1     # models have them
        x = x.astype(np.float32)
        raw = gguf.quants.quantize(x, qtype)
    if qtype == T.F32:
        ref = raw.astype(np.float32)
    elif qtype == T.F16:
        ref = raw.astype(np.float32)
    else:
        ref = gguf.quants.dequantize(raw, qtype)
    return raw.reshape(shape[0], -1) if len(shape) == 2 else raw.reshape(-1), \
        ref.reshape(shape).astype(np.float32)


def permute(w, n_head):
    # llama.cpp's convert_hf_to_gguf.py LlamaModel.permute, on rows
    return (w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:])
            .swapaxes(1, 2).reshape(w.shape))


writer = gguf.GGUFWriter(os.path.join(out, "model.gguf"), arch)
writer.add_uint32(arch + ".context_length", 4096)
writer.add_uint32(arch + ".embedding_length", hidden)
writer.add_uint32(arch + ".feed_forward_length", ffn)
writer.add_uint32(arch + ".block_count", layers)
writer.add_uint32(arch + ".attention.head_count", heads)
writer.add_uint32(arch + ".attention.head_count_kv", kv)
writer.add_float32(arch + ".attention.layer_norm_rms_epsilon", eps)
writer.add_float32(arch + ".rope.freq_base", theta)
writer.add_uint32(arch + ".rope.dimension_count",
                  hd // 2 if variant == "partial-rope" else hd)
if variant == "yarn":
    writer.add_string(arch + ".rope.scaling.type", "yarn")
    writer.add_float32(arch + ".rope.scaling.factor", 4.0)
writer.add_uint32("tokenizer.ggml.bos_token_id", 1)

hf = {}


def tensor(gname, hname, qtype, shape, heads_for_perm=None):
    raw, ref = encode(qtype, shape)
    hf[hname] = ref
    if heads_for_perm and arch == "llama":
        raw = permute(raw, heads_for_perm)
    writer.add_tensor(gname, raw, raw_dtype=qtype)


types = [
    dict(q=T.Q4_K, k=T.Q5_K, v=T.Q6_K, o=T.Q4_0, gate=T.Q4_1, up=T.Q8_0, down=T.F16),
    dict(q=T.Q8_0, k=T.Q4_0, v=T.BF16, o=T.Q4_K, gate=T.Q5_K, up=T.Q6_K, down=T.Q4_1),
]
tensor("token_embd.weight", "model.embed_tokens.weight", T.Q8_0, (vocab, hidden))
for l in range(layers):
    g, h, t = "blk.%d." % l, "model.layers.%d." % l, types[l]
    tensor(g + "attn_norm.weight", h + "input_layernorm.weight", T.F32, (hidden,))
    tensor(g + "attn_q.weight", h + "self_attn.q_proj.weight", t["q"], (hidden, hidden), heads)
    tensor(g + "attn_k.weight", h + "self_attn.k_proj.weight", t["k"], (kv * hd, hidden), kv)
    tensor(g + "attn_v.weight", h + "self_attn.v_proj.weight", t["v"], (kv * hd, hidden))
    if arch == "qwen2":
        tensor(g + "attn_q.bias", h + "self_attn.q_proj.bias", T.F32, (hidden,))
        tensor(g + "attn_k.bias", h + "self_attn.k_proj.bias", T.F32, (kv * hd,))
        tensor(g + "attn_v.bias", h + "self_attn.v_proj.bias", T.F32, (kv * hd,))
    tensor(g + "attn_output.weight", h + "self_attn.o_proj.weight",
           T.Q5_0 if variant == "q5_0" and l == 1 else t["o"], (hidden, hidden))
    tensor(g + "ffn_norm.weight", h + "post_attention_layernorm.weight", T.F32, (hidden,))
    tensor(g + "ffn_gate.weight", h + "mlp.gate_proj.weight", t["gate"], (ffn, hidden))
    tensor(g + "ffn_up.weight", h + "mlp.up_proj.weight", t["up"], (ffn, hidden))
    tensor(g + "ffn_down.weight", h + "mlp.down_proj.weight", t["down"], (hidden, ffn))
tensor("output_norm.weight", "model.norm.weight", T.F32, (hidden,))
if arch == "llama":
    tensor("output.weight", "lm_head.weight", T.Q6_K, (vocab, hidden))
if variant == "extra":
    tensor("blk.0.attn_extra.weight", "unused", T.F32, (hidden,))
    del hf["unused"]

writer.write_header_to_file()
writer.write_kv_data_to_file()
writer.write_tensors_to_file()
writer.close()

config = {
    "architectures": ["Qwen2ForCausalLM" if arch == "qwen2" else "LlamaForCausalLM"],
    "vocab_size": vocab, "hidden_size": hidden, "intermediate_size": ffn,
    "num_hidden_layers": layers, "num_attention_heads": heads,
    "num_key_value_heads": kv, "rms_norm_eps": eps, "rope_theta": theta,
    "max_position_embeddings": 4096, "tie_word_embeddings": arch == "qwen2",
    "hidden_act": "silu", "torch_dtype": "float32", "bos_token_id": 1,
}
if arch == "qwen2":
    config["use_sliding_window"] = False
json.dump(config, open(os.path.join(out, "hf", "config.json"), "w"), indent=1)
save_file(hf, os.path.join(out, "hf", "model.safetensors"))
