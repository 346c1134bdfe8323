// rotq.qmatmul on the CPU against exact integer matmuls in NumPy: per-token
// asymmetric activations (zero points), weights with 4 groups along K and
// zero points, bias, and shapes that are not multiples of anything.
// REQUIRES: numpy
// RUN: %python -c "import numpy as np; r = np.random.default_rng(3); \
// RUN:   np.save('%t.a.npy', r.integers(-8, 8, (13, 96)).astype('int8')); \
// RUN:   np.save('%t.as.npy', r.uniform(0.01, 1, (13, 1)).astype('float32')); \
// RUN:   np.save('%t.az.npy', r.integers(-8, 8, (13, 1)).astype('int8')); \
// RUN:   np.save('%t.w.npy', r.integers(-128, 128, (7, 96)).astype('int8')); \
// RUN:   np.save('%t.ws.npy', r.uniform(0.01, 1, (7, 4)).astype('float32')); \
// RUN:   np.save('%t.wz.npy', r.integers(-3, 3, (7, 4)).astype('int8')); \
// RUN:   np.save('%t.b.npy', r.standard_normal(7).astype('float32'))"
// RUN: rotq-run %s -e qmm --input %t.a.npy --input %t.as.npy --input %t.az.npy --input %t.w.npy --input %t.ws.npy --input %t.wz.npy --input %t.b.npy --output %t.y.npy
// RUN: %python %inputs/ref_ops.py qmatmul %t.a.npy %t.as.npy %t.az.npy %t.w.npy %t.ws.npy %t.wz.npy %t.b.npy %t.y.npy | FileCheck %s
// CHECK: OK
func.func @qmm(%a: tensor<13x96xi8>, %as: tensor<13x1xf32>, %az: tensor<13x1xi8>,
               %w: tensor<7x96xi8>, %ws: tensor<7x4xf32>, %wz: tensor<7x4xi8>,
               %b: tensor<7xf32>) -> tensor<13x7xf32> {
  %y = rotq.qmatmul %a scale(%as : tensor<13x1xf32>) zero_point(%az : tensor<13x1xi8>),
                    %w scale(%ws : tensor<7x4xf32>) zero_point(%wz : tensor<7x4xi8>)
                    bias(%b : tensor<7xf32>) : tensor<13x96xi8>, tensor<7x96xi8> -> tensor<13x7xf32>
  return %y : tensor<13x7xf32>
}
