"""Checks y == x * M against an independently assembled dense M.

check_hadamard.py X.npy Y.npy H_b.npy [--signs SEED] [--block B] [--transpose]
H_b.npy is the normalized b x b matrix written by `rotq-hadamard b --emit`
(b = block size, or the whole last dimension). The reference is
M = diag(s) * blockdiag(H_b, ..., H_b) (transposed with --transpose), in
float64 with NumPy; signs are drawn by the same rule as the test inputs.
"""
import sys
import numpy as np

args = sys.argv[1:]
x = np.load(args[0]).astype(np.float64)
y = np.load(args[1]).astype(np.float64)
hb = np.load(args[2], mmap_mode="r")
n = x.shape[-1]
b = hb.shape[0]
signs = np.ones(n)
if "--signs" in args:
    seed = int(args[args.index("--signs") + 1])
    signs = np.where(np.random.default_rng(seed).random(n) < 0.5, -1.0, 1.0)
transpose = "--transpose" in args
rows = x.reshape(-1, n)
if not transpose:
    rows = rows * signs
blocks = rows.reshape(rows.shape[0], n // b, b)
hm = np.asarray(hb).T if transpose else np.asarray(hb)
ref = np.einsum("rjk,ki->rji", blocks, hm).reshape(rows.shape)
if transpose:
    ref = ref * signs
ref = ref.reshape(x.shape)
err = np.abs(y - ref).max()
rel = np.linalg.norm(y - ref) / np.linalg.norm(ref)
tol = float(args[args.index("--tol") + 1]) if "--tol" in args else 1e-5
print("max_abs_err=%.3e rel_err=%.3e" % (err, rel))
if not rel <= tol:
    print("FAIL: rel_err above %g" % tol)
    sys.exit(1)
print("OK")
