// rotq.qmatmul on int8 tensor cores against the CPU path: integer sums are
// exact and the f32 epilogue runs in the same order, so the results agree
// to float rounding of the inputs' conversion (asserted 1e-6). Shapes are
// not tile multiples (M = 37 and 300, N = 200, K = 96 and 256); two scale
// groups with a bias; 4-bit weights unpacked in registers; random codes over
// the whole int8 / int4 range.
// REQUIRES: cuda, numpy
// RUN: %python -c "import numpy as np; r = np.random.default_rng(4); \
// RUN:   np.save('%t.a.npy', r.integers(-128, 128, (300, 256)).astype('int8')); \
// RUN:   np.save('%t.as.npy', r.uniform(0.01, 1, (300, 2)).astype('float32')); \
// RUN:   np.save('%t.w.npy', r.integers(-128, 128, (200, 256)).astype('int8')); \
// RUN:   np.save('%t.ws.npy', r.uniform(0.01, 1, (200, 2)).astype('float32')); \
// RUN:   np.save('%t.b.npy', r.standard_normal(200).astype('float32')); \
// RUN:   np.save('%t.a1.npy', r.integers(-8, 8, (37, 96)).astype('int8')); \
// RUN:   np.save('%t.as1.npy', r.uniform(0.01, 1, (37, 1)).astype('float32')); \
// RUN:   np.save('%t.as300.npy', r.uniform(0.01, 1, (300, 1)).astype('float32')); \
// RUN:   np.save('%t.wp.npy', r.integers(-128, 128, (200, 48)).astype('int8')); \
// RUN:   np.save('%t.ws1.npy', r.uniform(0.01, 1, (200, 1)).astype('float32'))"
// RUN: rotq-run --compare %s %s -e w8a8 --device=cuda --ref-device=cpu --input %t.a.npy --input %t.as.npy --input %t.w.npy --input %t.ws.npy --input %t.b.npy --rel-tol 1e-6 | FileCheck %s
// RUN: rotq-run --compare %s %s -e w4a8 --device=cuda --ref-device=cpu --input %t.a1.npy --input %t.as1.npy --input %t.wp.npy --input %t.ws1.npy --rel-tol 1e-6 | FileCheck %s
// Hopper's wgmma path (sm_90a; the kernel for a single scale group):
// RUN: rotq-run --compare %s %s -e w8a8g1 --gpu-mma=wgmma --device=cuda --ref-device=cpu --input %t.a.npy --input %t.as300.npy --input %t.w.npy --input %t.ws1.npy --rel-tol 1e-6 | FileCheck %s
// RUN: rotq-run --compare %s %s -e w4a8 --gpu-mma=wgmma --device=cuda --ref-device=cpu --input %t.a1.npy --input %t.as1.npy --input %t.wp.npy --input %t.ws1.npy --rel-tol 1e-6 | FileCheck %s
// CHECK: max_abs_err={{.*}} rel_err=
func.func @w8a8(%a: tensor<?x256xi8>, %as: tensor<?x2xf32>, %w: tensor<200x256xi8>,
                %ws: tensor<200x2xf32>, %b: tensor<200xf32>) -> tensor<?x200xf32> {
  %y = rotq.qmatmul %a scale(%as : tensor<?x2xf32>), %w scale(%ws : tensor<200x2xf32>)
      bias(%b : tensor<200xf32>) : tensor<?x256xi8>, tensor<200x256xi8> -> tensor<?x200xf32>
  return %y : tensor<?x200xf32>
}
func.func @w4a8(%a: tensor<?x96xi8>, %as: tensor<?x1xf32>, %wp: tensor<200x48xi8>,
                %ws: tensor<200x1xf32>) -> tensor<?x200xf32> {
  %w = rotq.unpack %wp {bits = 4} : tensor<200x48xi8> -> tensor<200x96xi8>
  %y = rotq.qmatmul %a scale(%as : tensor<?x1xf32>), %w scale(%ws : tensor<200x1xf32>)
      : tensor<?x96xi8>, tensor<200x96xi8> -> tensor<?x200xf32>
  return %y : tensor<?x200xf32>
}
func.func @w8a8g1(%a: tensor<?x256xi8>, %as: tensor<?x1xf32>, %w: tensor<200x256xi8>,
                  %ws: tensor<200x1xf32>) -> tensor<?x200xf32> {
  %y = rotq.qmatmul %a scale(%as : tensor<?x1xf32>), %w scale(%ws : tensor<200x1xf32>)
      : tensor<?x256xi8>, tensor<200x256xi8> -> tensor<?x200xf32>
  return %y : tensor<?x200xf32>
}
