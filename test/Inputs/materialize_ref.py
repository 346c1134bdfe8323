"""materialize_ref.py OUT_DIR: writes OUT_DIR/w.safetensors (bf16, f16 and
f32 tensors), OUT_DIR/chains.mlir (weight chains on those parameters, each
returned by @f) and OUT_DIR/ref{i}.npy, the chains computed here in float64
NumPy, rounded to float32 after each op as the IR's types say, with
quantization written from the rules of rotq.quantize (docs/Dialects)
independently of rotq's code."""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from quant_ref import dequant, quantize_rows, write_st  # noqa: E402

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(7)

f32 = lambda a: np.asarray(a, np.float64).astype(np.float32).astype(np.float64)
w_bf16_bits = (rng.standard_normal((8, 8)).astype(np.float32).view(np.uint32)
               >> 16).astype(np.uint16)
w_bf16 = (w_bf16_bits.astype(np.uint32) << 16).view(np.float32).astype(np.float64)
g = rng.uniform(0.5, 2.0, 8).astype(np.float32)
v_f16 = rng.standard_normal((8, 8)).astype(np.float16)
q_src = (rng.standard_normal((5, 16)) * np.linspace(0.2, 3, 16)).astype(np.float32)
q_src[2, 3] = 40.0  # an outlier, so the clip search has something to cut


write_st(os.path.join(out, "w.safetensors"),
         {"w": (w_bf16_bits, "BF16"), "g": (g, "F32"), "v": (v_f16, "F16"),
          "q": (q_src, "F32")})


def hadamard(n):
    h = np.array([[1.0]])
    while h.shape[0] < n:
        h = np.block([[h, h], [h, -h]])
    return h / np.sqrt(n)


signs = np.array([1, -1, -1, 1, 1, 1, -1, 1], np.float64)
refs = []
# 1. norm scale then a signed Hadamard of the input side: (W diag(g)) diag(s) H.
s1 = f32(w_bf16 * g.astype(np.float64))
refs.append(f32((s1 * signs) @ hadamard(8)))
# 2. the output side, block Hadamard of 4 between transposes: (W^T B)^T.
b4 = np.kron(np.eye(2), hadamard(4))
refs.append(f32((s1.T @ b4).T))
# 3. a dense f64 rotation of the f16 weight, then narrowed to f32.
m = np.linalg.qr(rng.standard_normal((8, 8)))[0]
v = v_f16.astype(np.float64)
refs.append(f32(v @ m))
# 4. a permutation and a head-axis transform: [8, 8] -> [8, 2, 4] -> swap ->
#    Hadamard over the 2 -> back.
perm = [3, 1, 0, 2, 7, 5, 6, 4]
p = f32(v[:, perm])
x = p.reshape(8, 2, 4).transpose(0, 2, 1) @ hadamard(2)
refs.append(f32(x.transpose(0, 2, 1).reshape(8, 8)))


# 5. 4-bit symmetric rows with the clip search: the first ratio of 1, 0.99,
#    ..., 0.80 with the smallest sum |x - deq|^2.4 over the row.
x = q_src.astype(np.float64)
ratios = [1 - i / 100 for i in range(21)]
best = []
for r in range(x.shape[0]):
    errs = []
    for c in ratios:
        cq, sq, zq = quantize_rows(x[r:r + 1], 4, 0, True, c)
        errs.append(np.sum(np.abs(dequant(cq, sq, zq, 0) - x[r:r + 1]) ** 2.4))
    best.append([ratios[int(np.argmin(errs))]])
refs.append(dequant(*quantize_rows(x, 4, 0, True, best), 0))
# 6. 3-bit asymmetric groups of 4, no search.
c6, s6, z6 = quantize_rows(x, 3, 4, False, 1.0)
refs.append(dequant(c6, s6, z6, 4))
for i, r in enumerate(refs):
    np.save(os.path.join(out, "ref%d.npy" % i), r.astype(np.float32))

mlir = """func.func @f() -> (tensor<8x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>, tensor<5x16xf32>, tensor<5x16xf32>) {
  %w = rotq.param "w" in "w.safetensors" : tensor<8x8xbf16>
  %g = rotq.param "g" in "w.safetensors" : tensor<8xf32>
  %v = rotq.param "v" in "w.safetensors" : tensor<8x8xf16>
  %q = rotq.param "q" in "w.safetensors" : tensor<5x16xf32>
  %w32 = arith.extf %w : tensor<8x8xbf16> to tensor<8x8xf32>
  %s1 = rotq.scale %w32, %g {axis = 1} : tensor<8x8xf32>, tensor<8xf32>
  %r0 = rotq.hadamard %s1 {signs = array<i8: SIGNS>} : tensor<8x8xf32>
  %e0 = tensor.empty() : tensor<8x8xf32>
  %t0 = linalg.transpose ins(%s1 : tensor<8x8xf32>) outs(%e0 : tensor<8x8xf32>) permutation = [1, 0]
  %h1 = rotq.hadamard %t0 {block_size = 4} : tensor<8x8xf32>
  %e1 = tensor.empty() : tensor<8x8xf32>
  %r1 = linalg.transpose ins(%h1 : tensor<8x8xf32>) outs(%e1 : tensor<8x8xf32>) permutation = [1, 0]
  %m = arith.constant dense<MATRIX> : tensor<8x8xf64>
  %v64 = arith.extf %v : tensor<8x8xf16> to tensor<8x8xf64>
  %rv = rotq.rotate %v64, %m : tensor<8x8xf64>, tensor<8x8xf64>
  %r2 = arith.truncf %rv : tensor<8x8xf64> to tensor<8x8xf32>
  %v32 = arith.extf %v : tensor<8x8xf16> to tensor<8x8xf32>
  %p = rotq.permute %v32 [PERM] : tensor<8x8xf32>
  %p3 = tensor.expand_shape %p [[0], [1, 2]] output_shape [8, 2, 4] : tensor<8x8xf32> into tensor<8x2x4xf32>
  %e2 = tensor.empty() : tensor<8x4x2xf32>
  %pt = linalg.transpose ins(%p3 : tensor<8x2x4xf32>) outs(%e2 : tensor<8x4x2xf32>) permutation = [0, 2, 1]
  %ph = rotq.hadamard %pt : tensor<8x4x2xf32>
  %e3 = tensor.empty() : tensor<8x2x4xf32>
  %pb = linalg.transpose ins(%ph : tensor<8x4x2xf32>) outs(%e3 : tensor<8x2x4xf32>) permutation = [0, 2, 1]
  %r3 = tensor.collapse_shape %pb [[0], [1, 2]] : tensor<8x2x4xf32> into tensor<8x8xf32>
  %c4, %s4 = rotq.quantize %q {bits = 4, granularity = #rotq.granularity<row>, clip_search = 0.8} : tensor<5x16xf32> -> tensor<5x16xi8>, tensor<5x1xf32>
  %k4 = rotq.pack %c4 {bits = 4} : tensor<5x16xi8> -> tensor<5x8xi8>
  %u4 = rotq.unpack %k4 {bits = 4} : tensor<5x8xi8> -> tensor<5x16xi8>
  %r4 = rotq.dequantize %u4 scale(%s4 : tensor<5x1xf32>) : tensor<5x16xi8> -> tensor<5x16xf32>
  %c5, %s5, %z5 = rotq.quantize %q {bits = 3, granularity = #rotq.granularity<group>, group_size = 4, asymmetric} : tensor<5x16xf32> -> tensor<5x16xi8>, tensor<5x4xf32>, tensor<5x4xi8>
  %r5 = rotq.dequantize %c5 scale(%s5 : tensor<5x4xf32>) zero_point(%z5 : tensor<5x4xi8>) : tensor<5x16xi8> -> tensor<5x16xf32>
  return %r0, %r1, %r2, %r3, %r4, %r5 : tensor<8x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>, tensor<5x16xf32>, tensor<5x16xf32>
}
"""
mlir = mlir.replace("SIGNS", ", ".join(str(int(s)) for s in signs))
mlir = mlir.replace("PERM", ", ".join(map(str, perm)))
mlir = mlir.replace("MATRIX", "[" + ", ".join(
    "[" + ", ".join(repr(float(e)) for e in row) + "]" for row in m) + "]")
open(os.path.join(out, "chains.mlir"), "w").write(mlir)
