"""plant_massive.py CHECKPOINT_DIR CHANNEL GAIN GAMMA: rewrites the f32
model.safetensors of a synthetic Llama checkpoint in place with a massive
residual channel, as trained models have one: the embedding's CHANNEL is
GAIN on every token (so after each RMSNorm that channel carries most of the
energy), and every layer norm's weight on it is GAMMA (small: the norm
damps what its readers see of it, until the scale is fused into them)."""
import json
import struct
import sys

import numpy as np

path = sys.argv[1] + "/model.safetensors"
channel, gain, gamma = int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
raw = open(path, "rb").read()
n = struct.unpack("<Q", raw[:8])[0]
header = json.loads(raw[8:8 + n])
data = bytearray(raw[8 + n:])
for name, info in header.items():
    if name == "__metadata__":
        continue
    assert info["dtype"] == "F32", name
    b, e = info["data_offsets"]
    t = np.frombuffer(bytes(data[b:e]), np.float32).reshape(info["shape"]).copy()
    if name == "model.embed_tokens.weight":
        t[:, channel] = gain
    elif name.endswith("layernorm.weight"):
        t[channel] = gamma
    else:
        continue
    data[b:e] = t.tobytes()
open(path, "wb").write(raw[:8 + n] + bytes(data))
