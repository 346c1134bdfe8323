"""randn.py OUT.npy SEED DIM... [--dtype float32]: seeded N(0,1) array."""
import sys
import numpy as np

args = sys.argv[1:]
dtype = "float32"
if "--dtype" in args:
    i = args.index("--dtype")
    dtype = args[i + 1]
    del args[i:i + 2]
out, seed, dims = args[0], int(args[1]), [int(d) for d in args[2:]]
np.save(out, np.random.default_rng(seed).standard_normal(dims).astype(dtype))
