"""The rules of rotq.quantize / rotq.dequantize (docs/Dialects) in float64
NumPy, written independently of rotq's code, and a minimal safetensors
writer: shared by the reference generators of the tests."""
import json
import struct

import numpy as np


def write_st(path, tensors):
    header, blobs, off = {}, [], 0
    for name, (arr, dt) in tensors.items():
        b = np.ascontiguousarray(arr).tobytes()
        header[name] = {"dtype": dt, "shape": list(arr.shape),
                        "data_offsets": [off, off + len(b)]}
        off += len(b)
        blobs.append(b)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    open(path, "wb").write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def quantize_rows(x, bits, group, sym, clip):
    """Codes, scales, zero points of rotq.quantize for [rows, cols]."""
    rows, cols = x.shape
    g = group or cols
    qmax = 2 ** (bits - 1) - 1
    codes = np.zeros_like(x)
    scales = np.zeros((rows, cols // g))
    zps = np.zeros((rows, cols // g))
    for r in range(rows):
        for k in range(cols // g):
            seg = x[r, k * g:(k + 1) * g]
            c = clip[r][k] if isinstance(clip, list) else clip
            if sym:
                s = np.float32(c * np.abs(seg).max() / qmax)
                z = 0.0
            else:
                lo, hi = c * min(seg.min(), 0), c * max(seg.max(), 0)
                s = np.float32((hi - lo) / (2 ** bits - 1))
            s = np.float64(s) if s > 0 else 1.0
            if not sym:
                z = np.clip(np.round(-lo / s) - 2 ** (bits - 1), -qmax - 1, qmax)
            codes[r, k * g:(k + 1) * g] = np.clip(np.round(seg / s) + z,
                                                  -qmax - 1, qmax)
            scales[r, k], zps[r, k] = s, z
    return codes, scales, zps


def dequant(codes, scales, zps, group):
    g = group or codes.shape[1]
    s = np.repeat(scales, g, axis=1).astype(np.float32)
    z = np.repeat(zps, g, axis=1)
    return (s * (codes - z).astype(np.float32)).astype(np.float64)
