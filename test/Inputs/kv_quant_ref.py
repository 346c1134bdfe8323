"""kv_quant_ref.py OUT_DIR BITS CLIP: seeded q [5, 4, 8], k and v [5, 2, 8]
(one key channel much larger, as RoPE'd keys have) and the causal GQA
attention of q on k and v fake-quantized in NumPy float64 per token and
head, asymmetric with clip ratio CLIP, by the rotq.quantize rules."""
import os
import sys

import numpy as np

from fake_quant import fake_quant

out, bits, clip = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
rng = np.random.default_rng(11)
q = rng.standard_normal((5, 4, 8)).astype(np.float32)
k = rng.standard_normal((5, 2, 8)).astype(np.float32)
k[:, :, 3] *= 10.0
v = rng.standard_normal((5, 2, 8)).astype(np.float32)


def fake_quant_kv(x):
    """Per token and head: the rows of x reshaped to [T * H, d]."""
    rows = x.reshape(-1, x.shape[-1])
    return fake_quant(rows, bits, 0, False, clip).reshape(x.shape)


kq, vq = fake_quant_kv(k), fake_quant_kv(v)
y = np.zeros((5, 4, 8))
for h in range(4):
    kv = h // 2
    sc = q[:, h].astype(np.float64) @ kq[:, kv].T / np.sqrt(8.0)
    sc[np.triu_indices(5, 1)] = -np.inf
    p = np.exp(sc - sc.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    y[:, h] = p @ vq[:, kv]
for name, a in (("q", q), ("k", k), ("v", v), ("ref", y)):
    np.save(os.path.join(out, name + ".npy"), a)
