"""Row-wise fake quantization by the rotq.quantize rules, in NumPy float64
(f32 scale, ties to even, clamp in float, zero point), shared by the
reference scripts."""
import numpy as np


def fake_quant(m, bits, group, sym, clip):
    """Each row of m (each group of `group` entries; 0: the whole row)."""
    g = group or m.shape[1]
    qmax = 2 ** (bits - 1) - 1
    out = np.zeros(m.shape)
    for r in range(m.shape[0]):
        for j in range(0, m.shape[1], g):
            v = m[r, j:j + g].astype(np.float64)
            if sym:
                s = np.float32(clip * np.abs(v).max() / qmax)
                zp = 0
            else:
                lo, hi = clip * min(v.min(), 0.0), clip * max(v.max(), 0.0)
                s = np.float32((hi - lo) / (2 ** bits - 1))
                s = np.float32(1.0) if s == 0 else s
                zp = np.clip(np.round(-lo / np.float64(s)) - 2 ** (bits - 1),
                             -qmax - 1, qmax)
            s = np.float32(1.0) if s == 0 else s
            q = np.clip(np.round(v / np.float64(s)) + zp, -qmax - 1, qmax)
            out[r, j:j + g] = np.float32(s) * (q - zp).astype(np.float32)
    return out
