"""gen_duquant_test.py N B DTYPE ROWS OUT_PREFIX [--quantize] [--seed S]:
writes OUT_PREFIX.mlir, a function @f applying DuQuant's online transform
to [?, N] rows (rotq.rotate by a B x B block, rotq.permute by a seeded
permutation, rotq.rotate; with --quantize, then asymmetric 4-bit per-row
rotq.quantize with clip 0.9), and its inputs OUT_PREFIX.x.npy (ROWS rows,
an outlier channel), .m1.npy and .m2.npy (random orthogonal matrices)."""
import argparse

import numpy as np

ap = argparse.ArgumentParser()
ap.add_argument("n", type=int)
ap.add_argument("b", type=int)
ap.add_argument("dtype", choices=["f32", "f16", "bf16"])
ap.add_argument("rows", type=int)
ap.add_argument("prefix")
ap.add_argument("--quantize", action="store_true")
ap.add_argument("--seed", type=int, default=0)
a = ap.parse_args()
r = np.random.default_rng(a.seed)
perm = r.permutation(a.n)
t = "tensor<?x%dx%s>" % (a.n, a.dtype)
mt = "tensor<%dx%dx%s>" % (a.b, a.b, a.dtype)
if a.quantize:
    res = "tensor<?x%dxi8>, tensor<?x1xf32>, tensor<?x1xi8>" % a.n
    tail = ("  %%q, %%s, %%z = rotq.quantize %%c {bits = 4, granularity = "
            "#rotq.granularity<row>, clip_ratio = 0.9, asymmetric} : %s -> %s\n"
            "  return %%q, %%s, %%z : %s\n" % (t, res, res))
else:
    res = t
    tail = "  return %%c : %s\n" % t
src = ("func.func @f(%%x: %s, %%m1: %s, %%m2: %s) -> (%s) {\n"
       "  %%a = rotq.rotate %%x, %%m1 : %s, %s\n"
       "  %%b = rotq.permute %%a [%s] : %s\n"
       "  %%c = rotq.rotate %%b, %%m2 : %s, %s\n%s}\n"
       % (t, mt, mt, res, t, mt, ", ".join(map(str, perm)), t, t, mt, tail))
open(a.prefix + ".mlir", "w").write(src)
x = r.standard_normal((a.rows, a.n))
x[:, 3] *= 50
x[0, 5] = 400
np_t = {"f32": np.float32, "f16": np.float16, "bf16": np.float32}[a.dtype]
np.save(a.prefix + ".x.npy", x.astype(np_t))
for m in ("m1", "m2"):
    q, rr = np.linalg.qr(r.standard_normal((a.b, a.b)))
    np.save(a.prefix + "." + m + ".npy", (q * np.sign(np.diag(rr))).astype(np_t))
