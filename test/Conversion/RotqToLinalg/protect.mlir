// rotq.protect lowers to its two skinny factors (matmuls with the
// transposed-weight map, as rotq.linear lowers) and one element-wise add;
// on the CPU it computes y + (x P^T) C^T, checked against float64 NumPy on
// a batch of rank-3 inputs. rotq.error_projection is evaluated offline:
// the lowering refuses it with a message that says where it is computed.
// REQUIRES: numpy
// RUN: rotq-opt %s --convert-rotq-to-linalg | FileCheck %s
// RUN: %python -c "import numpy as np; r = np.random.default_rng(5); \
// RUN:   np.save('%t.y.npy', r.standard_normal((2, 5, 7)).astype('float32')); \
// RUN:   np.save('%t.x.npy', r.standard_normal((2, 5, 12)).astype('float32')); \
// RUN:   np.save('%t.p.npy', r.standard_normal((3, 12)).astype('float32')); \
// RUN:   np.save('%t.c.npy', r.standard_normal((7, 3)).astype('float32'))"
// RUN: rotq-run %s -e protect --input %t.y.npy --input %t.x.npy --input %t.p.npy --input %t.c.npy --output %t.z.npy
// RUN: %python %inputs/ref_ops.py protect %t.y.npy %t.x.npy %t.p.npy %t.c.npy %t.z.npy | FileCheck %s --check-prefix=REF
// REF: OK
// RUN: not rotq-opt %S/Inputs/error-projection.mlir --convert-rotq-to-linalg 2>&1 | FileCheck %s --check-prefix=OFFLINE
// OFFLINE: error: rotq.error_projection is evaluated offline (rotq-materialize, or the tools before lowering), not lowered

// CHECK-LABEL: func @protect
// CHECK: linalg.matmul {{.*}}ins(%{{.*}}, %{{.*}} : tensor<10x12xf32>, tensor<3x12xf32>)
// CHECK: linalg.matmul {{.*}}ins(%{{.*}}, %{{.*}} : tensor<10x3xf32>, tensor<7x3xf32>)
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel"]
// CHECK: arith.addf
// CHECK-NOT: rotq.
func.func @protect(%y: tensor<2x5x7xf32>, %x: tensor<2x5x12xf32>, %p: tensor<3x12xf32>, %c: tensor<7x3xf32>) -> tensor<2x5x7xf32> {
  %z = rotq.protect %y, %x directions(%p : tensor<3x12xf32>) correction(%c : tensor<7x3xf32>) : tensor<2x5x12xf32> -> tensor<2x5x7xf32>
  return %z : tensor<2x5x7xf32>
}

