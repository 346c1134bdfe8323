"""handwritten_decoder.py additive|masked: a decoder written in plain
PyTorch (no transformers): custom RMSNorm with x.pow(2).mean(keepdim),
rotate-half RoPE from buffers, GQA by repeat_interleave, and a causal mask
from a constant buffer, either added (additive) or applied with masked_fill
(masked). Exported with torch-mlir to MODE.mlir, with MODE.tokens.npy and
PyTorch's MODE.logits.npy beside it. torch-handwritten.* is the masked
export (run with the peers venv to regenerate)."""
import sys
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch_mlir import fx

torch.manual_seed(0)
V, D, H, KV, F_, L, S = 64, 32, 4, 2, 48, 1, 6
hd = D // H

class RMSNorm(nn.Module):
    def __init__(s, d):
        super().__init__(); s.w = nn.Parameter(1 + 0.2 * torch.randn(d))
    def forward(s, x):
        return s.w * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-5))

def rope(x, cos, sin):
    x1, x2 = x[..., : hd // 2], x[..., hd // 2:]
    return x * cos + torch.cat([-x2, x1], -1) * sin

class Block(nn.Module):
    def __init__(s):
        super().__init__()
        s.n1, s.n2 = RMSNorm(D), RMSNorm(D)
        s.q, s.k, s.v = nn.Linear(D, H * hd, bias=False), nn.Linear(D, KV * hd, bias=False), nn.Linear(D, KV * hd, bias=False)
        s.o = nn.Linear(H * hd, D, bias=False)
        s.g, s.u, s.d = nn.Linear(D, F_, bias=False), nn.Linear(D, F_, bias=False), nn.Linear(F_, D, bias=False)
    def forward(s, h, cos, sin, mask):
        x = s.n1(h)
        T = x.shape[0]
        q = rope(s.q(x).view(T, H, hd).transpose(0, 1), cos, sin)
        k = rope(s.k(x).view(T, KV, hd).transpose(0, 1), cos, sin)
        v = s.v(x).view(T, KV, hd).transpose(0, 1)
        k = k.repeat_interleave(H // KV, dim=0)
        v = v.repeat_interleave(H // KV, dim=0)
        att = (q @ k.transpose(-1, -2)) / hd ** 0.5
        att = MODE(att, mask)
        a = (att.softmax(-1) @ v).transpose(0, 1).reshape(T, H * hd)
        h = h + s.o(a)
        x = s.n2(h)
        return h + s.d(F.silu(s.g(x)) * s.u(x))

def additive(att, mask):
    return att + mask
def masked_fill(att, mask):
    return att.masked_fill(mask != 0, float("-inf"))

class Dec(nn.Module):
    def __init__(s):
        super().__init__()
        s.e = nn.Embedding(V, D); s.blocks = nn.ModuleList([Block() for _ in range(L)])
        s.n = RMSNorm(D); s.head = nn.Linear(D, V, bias=False)
        inv = 1.0 / (10000 ** (torch.arange(0, hd, 2).float() / hd))
        ang = torch.arange(S).float()[:, None] * inv[None]
        emb = torch.cat([ang, ang], -1)
        s.register_buffer("cos", emb.cos()); s.register_buffer("sin", emb.sin())
        tri = torch.triu(torch.ones(S, S), 1)
        s.register_buffer("mask", tri * float("-inf") if MODEKIND == "additive" else tri)
    def forward(s, ids):
        h = s.e(ids)
        for b in s.blocks:
            h = b(h, s.cos, s.sin, torch.nan_to_num(s.mask, neginf=-1e30) if MODEKIND == "additive" else s.mask)
        return s.head(s.n(h))

MODEKIND = sys.argv[1]
MODE = additive if MODEKIND == "additive" else masked_fill
m = Dec().eval()
ids = torch.tensor([1, 17, 5, 42, 9, 33])
with torch.no_grad():
    np.save(MODEKIND + ".logits.npy", m(ids).numpy())
np.save(MODEKIND + ".tokens.npy", ids.numpy())
mod = fx.export_and_import(m, ids, output_type="linalg-on-tensors", func_name="main")
open(MODEKIND + ".mlir", "w").write(str(mod))
