"""clip_metric_ref.py OUT_DIR: writes OUT_DIR/w.safetensors, OUT_DIR/f.mlir
(rotq.quantize with clip_search and clip_metric on that weight, per row
symmetric and per group asymmetric, each dequantized and returned) and
OUT_DIR/ref{0,1,2}.npy: the same quantizers computed here in float64 NumPy
(the third with metric_rounding's greedy descent, on the dense form),
each ratio of the grid 1, 0.99, ..., 0.5 scored by the dense quadratic form
e^T M e with M = diag(D) + V^T V (the metric's definition in the dialect
docs), the first smallest winning. Asserts that the weight objective
(sum |e|^2.4) would choose other clips, so the metric must be used."""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from quant_ref import dequant, quantize_rows, write_st  # noqa: E402

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(17)
rows, cols = 8, 32
w = rng.standard_normal((rows, cols)).astype(np.float32)
w[:, 5] *= 0.05  # small columns that meet massive activations
w[3, 9] = 6.0
D = rng.uniform(0.5, 1.5, cols)
V = np.zeros((2, cols))
V[0, 5] = 40.0  # a massive channel
V[1] = rng.standard_normal(cols) * 2.0
M = np.diag(D) + V.T @ V
write_st(os.path.join(out, "w.safetensors"), {"w": (w, "F32")})

x = w.astype(np.float64)
ratios = [1 - i / 100 for i in range(51)]


def search(bits, group, sym, objective):
    g = group or cols
    best = []
    for r in range(rows):
        row = []
        for k in range(cols // g):
            errs = []
            for c in ratios:
                cq, sq, zq = quantize_rows(x[r:r + 1, k * g:(k + 1) * g],
                                           bits, 0, sym, c)
                e = np.zeros(cols)
                e[k * g:(k + 1) * g] = (dequant(cq, sq, zq, 0)
                                        - x[r:r + 1, k * g:(k + 1) * g])[0]
                errs.append(e @ M @ e if objective == "output"
                            else np.sum(np.abs(e) ** 2.4))
            row.append(ratios[int(np.argmin(errs))])
        best.append(row)
    return best


cases = [(4, 0, True), (3, 8, False)]
for i, (bits, group, sym) in enumerate(cases):
    clips = search(bits, group, sym, "output")
    assert clips != search(bits, group, sym, "weight"), "no difference"
    np.save(os.path.join(out, "ref%d.npy" % i),
            dequant(*quantize_rows(x, bits, group, sym, clips),
                    group).astype(np.float32))


def refine(w_row, codes, scales, zps, group, bits):
    """Greedy descent on e^T M e over the row (rotq.quantize's
    metric_rounding): two sweeps, +1 then -1 per code, kept when the dense
    form falls by more than 1e-12 of it."""
    qmax = 2 ** (bits - 1) - 1
    g = group or cols
    s = np.repeat(scales, g).astype(np.float32)
    z = np.repeat(zps, g)
    deq = lambda c: (s * (c - z).astype(np.float32)).astype(np.float64)
    e = deq(codes) - w_row
    total = e @ M @ e
    for _ in range(2):
        changed = False
        for j in range(cols):
            for step in (1, -1):
                q = codes[j] + step
                if q < -qmax - 1 or q > qmax:
                    continue
                c2 = codes.copy()
                c2[j] = q
                e2 = deq(c2) - w_row
                t2 = e2 @ M @ e2
                if t2 - total < -1e-12 * total:
                    codes, e, total, changed = c2, e2, t2, True
                    break
        if not changed:
            break
    return deq(codes)


clips = search(4, 0, True, "output")
cq, sq, zq = quantize_rows(x, 4, 0, True, clips)
rounded = np.stack([refine(x[r], cq[r], sq[r], zq[r], 0, 4)
                    for r in range(rows)])
assert not np.array_equal(rounded, dequant(cq, sq, zq, 0)), "no change"
np.save(os.path.join(out, "ref2.npy"), rounded.astype(np.float32))

metric = np.concatenate([D[None], V])
dense = "[" + ", ".join("[" + ", ".join(repr(float(e)) for e in row) + "]"
                        for row in metric) + "]"
open(os.path.join(out, "f.mlir"), "w").write("""
func.func @f() -> (tensor<8x32xf32>, tensor<8x32xf32>, tensor<8x32xf32>) {
  %w = rotq.param "w" in "w.safetensors" : tensor<8x32xf32>
  %c0, %s0 = rotq.quantize %w {bits = 4, granularity = #rotq.granularity<row>, clip_search = 0.5, clip_metric = dense<M> : tensor<3x32xf64>} : tensor<8x32xf32> -> tensor<8x32xi8>, tensor<8x1xf32>
  %r0 = rotq.dequantize %c0 scale(%s0 : tensor<8x1xf32>) : tensor<8x32xi8> -> tensor<8x32xf32>
  %c1, %s1, %z1 = rotq.quantize %w {bits = 3, granularity = #rotq.granularity<group>, group_size = 8, asymmetric, clip_search = 0.5, clip_metric = dense<M> : tensor<3x32xf64>} : tensor<8x32xf32> -> tensor<8x32xi8>, tensor<8x4xf32>, tensor<8x4xi8>
  %r1 = rotq.dequantize %c1 scale(%s1 : tensor<8x4xf32>) zero_point(%z1 : tensor<8x4xi8>) : tensor<8x32xi8> -> tensor<8x32xf32>
  %c2, %s2 = rotq.quantize %w {bits = 4, granularity = #rotq.granularity<row>, clip_search = 0.5, clip_metric = dense<M> : tensor<3x32xf64>, metric_rounding} : tensor<8x32xf32> -> tensor<8x32xi8>, tensor<8x1xf32>
  %r2 = rotq.dequantize %c2 scale(%s2 : tensor<8x1xf32>) : tensor<8x32xi8> -> tensor<8x32xf32>
  return %r0, %r1, %r2 : tensor<8x32xf32>, tensor<8x32xf32>, tensor<8x32xf32>
}
""".replace("M>", dense + ">"))
