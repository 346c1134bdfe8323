"""quant_linear_test.py OUT_DIR BITS GROUP SYM SEED [A_BITS A_CLIP A_SYM A_GROUP]:
writes model.mlir (one rotq.linear with a seeded [16, 32] weight), x.npy,
and ref.npy = x W_q^T with W_q fake-quantized in NumPy float64 by the
rotq.quantize rules (f32 scale, ties to even, clamp, zero point), without
clip search. With the A_* arguments, x is also fake-quantized per token
(per group of A_GROUP channels when non-zero) with clip ratio A_CLIP."""
import os
import sys

import numpy as np

from fake_quant import fake_quant

out, bits, group, sym, seed = (sys.argv[1], int(sys.argv[2]),
                               int(sys.argv[3]), sys.argv[4] == "sym",
                               int(sys.argv[5]))
rng = np.random.default_rng(seed)
n, k = 16, 32
w = rng.standard_normal((n, k)).astype(np.float32)
w[3, 5] = 9.0  # an outlier weight
x = rng.standard_normal((5, k)).astype(np.float32)
wq = fake_quant(w, bits, group, sym, 1.0)
xq = x.astype(np.float64)
if len(sys.argv) > 6:
    xq = fake_quant(x, int(sys.argv[6]), int(sys.argv[9]),
                    sys.argv[8] == "sym", float(sys.argv[7]))
np.save(os.path.join(out, "x.npy"), x)
np.save(os.path.join(out, "ref.npy"), xq @ wq.T)
rows = ", ".join("[" + ", ".join("%.9e" % e for e in row) + "]" for row in w)
with open(os.path.join(out, "model.mlir"), "w") as f:
    f.write("""func.func @f(%%x: tensor<5x%d xf32>) -> tensor<5x%dxf32> {
  %%w = arith.constant dense<[%s]> : tensor<%dx%dxf32>
  %%y = rotq.linear %%x, %%w : tensor<5x%dxf32>, tensor<%dx%dxf32> -> tensor<5x%dxf32>
  %%z = tensor.empty() : tensor<5x%dxf32>
  %%c = linalg.copy ins(%%y : tensor<5x%dxf32>) outs(%%z : tensor<5x%dxf32>) -> tensor<5x%dxf32>
  return %%c : tensor<5x%dxf32>
}
""".replace("%d xf32", "%dxf32") % (k, n, rows, n, k, k, n, k, n, n, n, n, n, n))
