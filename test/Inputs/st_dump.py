"""st_dump.py FILE.safetensors: prints every tensor of the file as
`name dtype shape: values` (values rounded to 6 significant digits), read
with NumPy alone, so that tests can check what a tool wrote."""
import json
import struct
import sys

import numpy as np

data = open(sys.argv[1], "rb").read()
(n,) = struct.unpack("<Q", data[:8])
header = json.loads(data[8:8 + n])
base = 8 + n
types = {"F32": np.float32, "F64": np.float64, "F16": np.float16,
         "I8": np.int8, "BF16": np.uint16}
for name in sorted(k for k in header if k != "__metadata__"):
    t = header[name]
    b, e = t["data_offsets"]
    a = np.frombuffer(data[base + b:base + e], dtype=types[t["dtype"]])
    if t["dtype"] == "BF16":
        a = (a.astype(np.uint32) << 16).view(np.float32)
    a = a.reshape(t["shape"])
    vals = " ".join("%.6g" % v for v in a.reshape(-1))
    print("%s %s %s: %s" % (name, t["dtype"], list(t["shape"]), vals))
