"""Float64 NumPy reference of the Hugging Face Llama / Mistral / Qwen2 /
Qwen3 decoders, and a safetensors reader/writer, independent of rotq's C++ code.

Used by the tests as the independent route: the importer's IR, run on the
CPU, must give these logits.
"""
import glob
import json
import os
import struct

import numpy as np

_DTYPES = {"F32": np.float32, "F64": np.float64, "F16": np.float16}


def _bf16_to_f32(raw):
    return (raw.astype(np.uint32) << 16).view(np.float32)


def _f32_to_bf16(x):
    bits = np.ascontiguousarray(x, dtype=np.float32).view(np.uint32)
    rounded = bits + 0x7FFF + ((bits >> 16) & 1)  # nearest even
    return (rounded >> 16).astype(np.uint16)


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        b, e = info["data_offsets"]
        raw = data[base + b:base + e]
        if info["dtype"] == "BF16":
            arr = _bf16_to_f32(np.frombuffer(raw, dtype="<u2"))
        else:
            arr = np.frombuffer(raw, dtype=_DTYPES[info["dtype"]])
        out[name] = arr.reshape(info["shape"]).astype(np.float64)
    return out


def write_safetensors(path, tensors, dtype="F32"):
    """tensors: dict name -> float array; written in sorted order."""
    header, blobs, off = {"__metadata__": {"format": "pt"}}, [], 0
    for name in sorted(tensors):
        a = np.asarray(tensors[name], dtype=np.float32)
        if dtype == "BF16":
            raw = _f32_to_bf16(a).astype("<u2").tobytes()
        else:
            raw = a.astype(_DTYPES[dtype]).astype(
                np.dtype(_DTYPES[dtype]).newbyteorder("<")).tobytes()
        header[name] = {"dtype": dtype, "shape": list(a.shape),
                        "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in blobs:
            f.write(raw)


def load_checkpoint(directory):
    with open(os.path.join(directory, "config.json")) as f:
        cfg = json.load(f)
    weights = {}
    for path in sorted(glob.glob(os.path.join(directory, "*.safetensors"))):
        weights.update(read_safetensors(path))
    return cfg, weights


def _rms_norm(x, w, eps):
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * w


_MAX_POSITIONS = {"LlamaForCausalLM": 2048, "MistralForCausalLM": 131072}


def rope_frequencies(cfg, hd, s):
    """(inv_freq [hd/2], cos/sin scaling) for a sequence of s tokens, from
    the config as transformers 5 reads it (rope_parameters, or the legacy
    rope_theta / rope_scaling), with modeling_rope_utils' formulas in
    float64."""
    rp = cfg.get("rope_scaling") or cfg.get("rope_parameters") or {}
    theta = rp.get("rope_theta", cfg.get("rope_theta", 10000.0))
    kind = rp.get("rope_type", rp.get("type", "default"))
    mpe = cfg.get("max_position_embeddings",
                  _MAX_POSITIONS.get(cfg["architectures"][0], 32768))
    orig = cfg.get("original_max_position_embeddings",
                   rp.get("original_max_position_embeddings", mpe))
    exps = np.arange(0, hd, 2, dtype=np.float64) / hd
    inv = 1.0 / theta ** exps
    if kind == "default":
        return inv, 1.0
    if kind == "linear":
        return inv / rp["factor"], 1.0
    if kind == "dynamic":
        if s > mpe:
            f = rp["factor"]
            base = theta * (f * s / mpe - (f - 1)) ** (hd / (hd - 2))
            inv = 1.0 / base ** exps
        return inv, 1.0
    if kind == "llama3":
        f, lo, hi = rp["factor"], rp["low_freq_factor"], rp["high_freq_factor"]
        wavelen = 2 * np.pi / inv
        out = np.where(wavelen > orig / lo, inv / f, inv)
        smooth = (orig / wavelen - lo) / (hi - lo)
        mid = (wavelen >= orig / hi) & (wavelen <= orig / lo)
        return np.where(mid, (1 - smooth) * out / f + smooth * out, out), 1.0
    if kind == "yarn":
        f = rp.get("factor") or mpe / orig
        def corr(rot):
            return hd * np.log(orig / (rot * 2 * np.pi)) / (2 * np.log(theta))
        lo, hi = corr(rp.get("beta_fast") or 32), corr(rp.get("beta_slow") or 1)
        if rp.get("truncate", True):
            lo, hi = np.floor(lo), np.ceil(hi)
        lo, hi = max(lo, 0), min(hi, hd - 1)
        if lo == hi:
            hi += 0.001
        ramp = np.clip((np.arange(hd // 2) - lo) / (hi - lo), 0, 1)
        inv = inv / f * ramp + inv * (1 - ramp)
        def mscale(scale, m=1.0):
            return 1.0 if scale <= 1 else 0.1 * m * np.log(scale) + 1.0
        att = rp.get("attention_factor")
        if att is None:
            m, mall = rp.get("mscale"), rp.get("mscale_all_dim")
            att = mscale(f, m) / mscale(f, mall) if m and mall else mscale(f)
        return inv, att
    raise ValueError("rope type %s" % kind)


def forward(cfg, w, tokens, trace=None):
    """Logits [S, vocab] in float64 for one sequence of token ids. With a
    dict `trace`, also records each linear's input by module name."""
    arch = cfg["architectures"][0]
    d = cfg["hidden_size"]
    nh = cfg["num_attention_heads"]
    nkv = cfg.get("num_key_value_heads") or nh
    hd = cfg.get("head_dim") or d // nh
    eps = cfg.get("rms_norm_eps", 1e-6)
    if arch == "Qwen3ForCausalLM":
        hd = cfg.get("head_dim") or 128
    window = cfg.get("sliding_window", 4096) if arch == "MistralForCausalLM" \
        else None
    tokens = np.asarray(tokens, dtype=np.int64)
    s = len(tokens)

    def lin(x, name):
        if trace is not None:
            trace[name] = x
        y = x @ w[name + ".weight"].T
        if name + ".bias" in w:
            y = y + w[name + ".bias"]
        return y

    inv, att = rope_frequencies(cfg, hd, s)
    ang = np.arange(s, dtype=np.float64)[:, None] * inv[None, :]
    cos = att * np.cos(np.concatenate([ang, ang], -1))[:, None, :]
    sin = att * np.sin(np.concatenate([ang, ang], -1))[:, None, :]

    def rope(x):
        x1, x2 = x[..., :hd // 2], x[..., hd // 2:]
        return x * cos + np.concatenate([-x2, x1], -1) * sin

    pos = np.arange(s)
    allowed = pos[None, :] <= pos[:, None]
    if window:
        allowed &= (pos[:, None] - pos[None, :]) < window

    h = w["model.embed_tokens.weight"][tokens]
    if trace is not None:
        trace["residual.0"] = h
    for layer in range(cfg["num_hidden_layers"]):
        p = "model.layers.%d." % layer
        x = _rms_norm(h, w[p + "input_layernorm.weight"], eps)
        q = lin(x, p + "self_attn.q_proj").reshape(s, nh, hd)
        k = lin(x, p + "self_attn.k_proj").reshape(s, nkv, hd)
        if p + "self_attn.q_norm.weight" in w:  # Qwen3
            q = _rms_norm(q, w[p + "self_attn.q_norm.weight"], eps)
            k = _rms_norm(k, w[p + "self_attn.k_norm.weight"], eps)
        q, k = rope(q), rope(k)
        v = lin(x, p + "self_attn.v_proj").reshape(s, nkv, hd)
        rep = nh // nkv
        k = np.repeat(k, rep, axis=1)
        v = np.repeat(v, rep, axis=1)
        scores = np.einsum("shd,thd->hst", q, k) / np.sqrt(hd)
        scores = np.where(allowed[None], scores, -np.inf)
        scores -= scores.max(-1, keepdims=True)
        p_attn = np.exp(scores)
        p_attn /= p_attn.sum(-1, keepdims=True)
        a = np.einsum("hst,thd->shd", p_attn, v).reshape(s, nh * hd)
        h = h + lin(a, p + "self_attn.o_proj")
        x = _rms_norm(h, w[p + "post_attention_layernorm.weight"], eps)
        g = lin(x, p + "mlp.gate_proj")
        u = lin(x, p + "mlp.up_proj")
        h = h + lin(g / (1.0 + np.exp(-g)) * u, p + "mlp.down_proj")
    x = _rms_norm(h, w["model.norm.weight"], eps)
    head = w["model.embed_tokens.weight"] if cfg.get("tie_word_embeddings") \
        else w["lm_head.weight"]
    if trace is not None:
        trace["lm_head"] = x
    return x @ head.T
