"""ref_ops.py KIND ARGS...: NumPy references for rotq ops; exits 1 on mismatch.

qmatmul A AS AZ W WS WZ BIAS Y  -- integer codes, exact int64 accumulation
rotate  X R Y [--transpose]     -- float64 x @ blockdiag(R)
permute X Y p0,p1,...           -- y[..., i] = x[..., p[i]]
equal   A B                     -- bitwise-equal arrays
protect Y X P C Z               -- float64 y + (x @ p.T) @ c.T
"""
import sys
import numpy as np

kind, args = sys.argv[1], sys.argv[2:]


def check(got, ref, tol):
    rel = np.linalg.norm(got - ref) / max(np.linalg.norm(ref), 1e-30)
    print("max_abs_err=%.3e rel_err=%.3e" % (np.abs(got - ref).max(), rel))
    if not rel <= tol:
        print("FAIL")
        sys.exit(1)
    print("OK")


if kind == "qmatmul":
    a, as_, az, w, ws, wz, bias, y = [np.load(f) for f in args]
    m, k = a.shape
    n = w.shape[0]
    g = max(as_.shape[1], ws.shape[1])
    gs = k // g
    ref = np.zeros((m, n))
    for j in range(g):
        sl = slice(j * gs, (j + 1) * gs)
        ja = 0 if as_.shape[1] == 1 else j
        jw = 0 if ws.shape[1] == 1 else j
        ai = a[:, sl].astype(np.int64) - az[:, ja:ja + 1].astype(np.int64)
        wi = w[:, sl].astype(np.int64) - wz[:, jw:jw + 1].astype(np.int64)
        acc = ai @ wi.T  # exact integers
        ref += (as_[:, ja:ja + 1].astype(np.float64) *
                ws[:, jw].astype(np.float64)[None, :]) * acc
    ref += bias[None, :]
    check(y.astype(np.float64), ref, 1e-6)
elif kind == "rotate":
    x, r, y = [np.load(f).astype(np.float64) for f in args[:3]]
    transpose = "--transpose" in args
    n = x.shape[-1]
    rows = x.reshape(-1, n)
    if r.ndim == 2:
        r = np.broadcast_to(r, (n // r.shape[0],) + r.shape)
    b = r.shape[-1]
    blocks = rows.reshape(rows.shape[0], n // b, b)
    mats = np.swapaxes(r, 1, 2) if transpose else r
    ref = np.einsum("rjk,jki->rji", blocks, mats).reshape(x.shape)
    check(y, ref, 1e-5)
elif kind == "permute":
    x, y = np.load(args[0]), np.load(args[1])
    p = [int(v) for v in args[2].split(",")]
    ok = np.array_equal(x[..., p], y)
    print("OK" if ok else "FAIL")
    sys.exit(0 if ok else 1)
elif kind == "protect":
    y, x, p, c, z = [np.load(f).astype(np.float64) for f in args]
    check(z, y + (x @ p.T) @ c.T, 1e-6)
elif kind == "equal":
    a, b = np.load(args[0]), np.load(args[1])
    ok = a.shape == b.shape and np.array_equal(a, b)
    print("OK" if ok else "FAIL")
    sys.exit(0 if ok else 1)
