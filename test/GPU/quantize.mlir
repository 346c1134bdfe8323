// Per-token quantization on the GPU against the CPU path, bit for bit:
// both compute the same f32 statistics (max is exact in any order) and the
// same scale and rounding arithmetic. Rows include NaN, +-inf and an
// all-zero row.
// REQUIRES: cuda, numpy
// RUN: %python -c "import numpy as np; r = np.random.default_rng(1); \
// RUN:   x = r.standard_normal((45, 1000)).astype('float32') * r.uniform(0.1, 50, (45, 1)).astype('float32'); \
// RUN:   x[3, 7] = np.nan; x[4, 9] = np.inf; x[5, 11] = -np.inf; x[6] = 0; x[:, 13] *= 80; \
// RUN:   np.save('%t.x.npy', x); np.save('%t.h.npy', x.astype('float16'))"
// RUN: rotq-run --compare %s %s -e sym4 --device=cuda --ref-device=cpu --input %t.x.npy --rel-tol 0 | FileCheck %s --check-prefix=TWO
// RUN: rotq-run --compare %s %s -e asym8 --device=cuda --ref-device=cpu --input %t.x.npy --rel-tol 0 | FileCheck %s --check-prefix=THREE
// RUN: rotq-run --compare %s %s -e f16 --device=cuda --ref-device=cpu --input %t.h.npy --rel-tol 0 | FileCheck %s --check-prefix=TWO
// TWO-COUNT-2: max_abs_err=0.000000e+00 rel_err=0.000000e+00
// THREE-COUNT-3: max_abs_err=0.000000e+00 rel_err=0.000000e+00
func.func @sym4(%x: tensor<45x1000xf32>) -> (tensor<45x1000xi8>, tensor<45x1xf32>) {
  %q, %s = rotq.quantize %x {bits = 4, granularity = #rotq.granularity<row>, clip_ratio = 0.9}
      : tensor<45x1000xf32> -> tensor<45x1000xi8>, tensor<45x1xf32>
  return %q, %s : tensor<45x1000xi8>, tensor<45x1xf32>
}
func.func @asym8(%x: tensor<45x1000xf32>) -> (tensor<45x1000xi8>, tensor<45x1xf32>, tensor<45x1xi8>) {
  %q, %s, %z = rotq.quantize %x {bits = 8, granularity = #rotq.granularity<row>, asymmetric, clip_ratio = 0.95}
      : tensor<45x1000xf32> -> tensor<45x1000xi8>, tensor<45x1xf32>, tensor<45x1xi8>
  return %q, %s, %z : tensor<45x1000xi8>, tensor<45x1xf32>, tensor<45x1xi8>
}
func.func @f16(%x: tensor<45x1000xf16>) -> (tensor<45x1000xi8>, tensor<45x1xf32>) {
  %q, %s = rotq.quantize %x {bits = 4, granularity = #rotq.granularity<row>}
      : tensor<45x1000xf16> -> tensor<45x1000xi8>, tensor<45x1xf32>
  return %q, %s : tensor<45x1000xi8>, tensor<45x1xf32>
}
