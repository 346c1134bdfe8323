// rotq.protect beside a rotq.qmatmul on the GPU (its two skinny factors
// and the add become kernels of the generic linalg path) against the CPU.
// REQUIRES: cuda, numpy
// RUN: %python -c "import numpy as np; r = np.random.default_rng(6); \
// RUN:   np.save('%t.a.npy', r.integers(-8, 8, (37, 96)).astype('int8')); \
// RUN:   np.save('%t.as.npy', r.uniform(0.01, 1, (37, 1)).astype('float32')); \
// RUN:   np.save('%t.w.npy', r.integers(-8, 8, (40, 96)).astype('int8')); \
// RUN:   np.save('%t.ws.npy', r.uniform(0.01, 1, (40, 1)).astype('float32')); \
// RUN:   np.save('%t.x.npy', r.standard_normal((37, 96)).astype('float32')); \
// RUN:   np.save('%t.p.npy', r.standard_normal((4, 96)).astype('float32')); \
// RUN:   np.save('%t.c.npy', r.standard_normal((40, 4)).astype('float32'))"
// RUN: rotq-run --compare %s %s -e f --device=cuda --ref-device=cpu --input %t.a.npy --input %t.as.npy --input %t.w.npy --input %t.ws.npy --input %t.x.npy --input %t.p.npy --input %t.c.npy --rel-tol 1e-5 | FileCheck %s
// CHECK: max_abs_err={{.*}} rel_err=
func.func @f(%a: tensor<?x96xi8>, %as: tensor<?x1xf32>, %w: tensor<40x96xi8>, %ws: tensor<40x1xf32>,
             %x: tensor<?x96xf32>, %p: tensor<4x96xf32>, %c: tensor<40x4xf32>) -> tensor<?x40xf32> {
  %y = rotq.qmatmul %a scale(%as : tensor<?x1xf32>), %w scale(%ws : tensor<40x1xf32>) : tensor<?x96xi8>, tensor<40x96xi8> -> tensor<?x40xf32>
  %z = rotq.protect %y, %x directions(%p : tensor<4x96xf32>) correction(%c : tensor<40x4xf32>) : tensor<?x96xf32> -> tensor<?x40xf32>
  return %z : tensor<?x40xf32>
}
