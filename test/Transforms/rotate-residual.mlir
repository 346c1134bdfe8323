// rotq-rotate-residual rotates a two-block residual stream: the embedding,
// the readers behind scale-free norms (W Q) and the writers into the adds
// (Q^T W, b Q). The rotated function computes the same logits, for each
// kind of rotation.
// REQUIRES: numpy
// RUN: rotq-opt %s --rotq-rotate-residual=seed=5 | FileCheck %s
// RUN: rotq-opt %s --rotq-rotate-residual=seed=5 -o %t.h.mlir
// RUN: rotq-run --compare %s %t.h.mlir -e model --random-inputs --random-int-max 5 --rel-tol 1e-5
// RUN: rotq-opt %s --rotq-rotate-residual="rotation=random-orthogonal seed=2" -o %t.r.mlir
// RUN: rotq-run --compare %s %t.r.mlir -e model --random-inputs --random-int-max 5 --rel-tol 1e-5
// RUN: %python -c "import numpy as np; q, _ = np.linalg.qr(np.random.default_rng(1).standard_normal((4, 4))); np.save('%t.q.npy', q)"
// RUN: rotq-opt %s --rotq-rotate-residual="rotation=file rotation-file=%t.q.npy" -o %t.f.mlir
// RUN: rotq-run --compare %s %t.f.mlir -e model --random-inputs --random-int-max 5 --rel-tol 1e-5
// Bad options and streams the pass cannot rotate are errors.
// RUN: %python -c "import numpy as np; np.save('%t.bad.npy', np.ones((4, 4)))"
// RUN: not rotq-opt %s --rotq-rotate-residual="rotation=file rotation-file=%t.bad.npy" 2>&1 | FileCheck %s --check-prefix=NONORTH
// NONORTH: error: {{.*}}bad.npy: the matrix is not orthogonal (max |Q^T Q - I| = 4.000000e+00)
// RUN: %python -c "import numpy as np; np.save('%t.eye3.npy', np.eye(3))"
// RUN: not rotq-opt %s --rotq-rotate-residual="rotation=file rotation-file=%t.eye3.npy" 2>&1 | FileCheck %s --check-prefix=SHAPE
// SHAPE: error: {{.*}}eye3.npy: the rotation must be a float [4, 4] matrix for a residual stream of width 4
// RUN: not rotq-opt %s --rotq-rotate-residual="rotation=givens" 2>&1 | FileCheck %s --check-prefix=KIND
// KIND: error: unknown rotation 'givens' (hadamard, random-orthogonal or file)

// Every weight on the stream is rewritten as IR (the same signed Hadamard
// Q everywhere): readers and the embedding take W Q along their input
// dimension, writers Q^T W through a transpose and the bias b Q; the norms
// stay scale-free.
// CHECK-LABEL: func @model
// CHECK-DAG: %[[E:.*]] = arith.constant dense<{{\[}}[1.000000e+00, 0.000000e+00, 2.000000e+00, -1.000000e+00]
// CHECK-DAG: %[[WO:.*]] = arith.constant dense<{{\[}}[1.000000e+00, 0.000000e+00, 2.000000e+00], [0.000000e+00, -1.000000e+00
// CHECK-DAG: %[[BO:.*]] = arith.constant dense<[1.000000e-01, -2.000000e-01
// CHECK: %[[ER:.*]] = rotq.hadamard %[[E]] {signs = array<i8: [[SIGNS:.*]]>} : tensor<5x4xf32>
// CHECK: rotq.embedding %[[ER]]
// CHECK: rotq.rms_norm %{{.*}} {epsilon
// CHECK: rotq.hadamard %{{.*}} {signs = array<i8: [[SIGNS]]>} : tensor<3x4xf32>
// CHECK: %[[T:.*]] = linalg.transpose ins(%[[WO]] : tensor<4x3xf32>) {{.*}} permutation = [1, 0]
// CHECK: %[[TR:.*]] = rotq.hadamard %[[T]] {signs = array<i8: [[SIGNS]]>} : tensor<3x4xf32>
// CHECK: %[[WOR:.*]] = linalg.transpose ins(%[[TR]] : tensor<3x4xf32>) {{.*}} permutation = [1, 0]
// CHECK: %[[BR:.*]] = rotq.hadamard %[[BO]] {signs = array<i8: [[SIGNS]]>} : tensor<4xf32>
// CHECK: rotq.linear %{{.*}}, %[[WOR]] bias(%[[BR]] : tensor<4xf32>)
// CHECK: rotq.hadamard %[[E]] {signs = array<i8: [[SIGNS]]>} : tensor<5x4xf32>
// CHECK: return
func.func @model(%ids: tensor<3xi64>) -> tensor<3x5xf32> {
  %e = arith.constant dense<[[1.0, 0.0, 2.0, -1.0], [0.5, 3.0, -2.0, 1.0], [0.0, 1.0, 1.0, 1.0], [2.0, 2.0, -1.0, 0.0], [-1.0, 0.5, 0.25, 4.0]]> : tensor<5x4xf32>
  %wq = arith.constant dense<[[1.0, -1.0, 0.5, 0.0], [0.0, 2.0, 1.0, 1.0], [1.0, 1.0, 1.0, -3.0]]> : tensor<3x4xf32>
  %wo = arith.constant dense<[[1.0, 0.0, 2.0], [0.0, -1.0, 1.0], [0.5, 0.5, 0.5], [2.0, -2.0, 0.0]]> : tensor<4x3xf32>
  %bo = arith.constant dense<[0.1, -0.2, 0.3, 0.4]> : tensor<4xf32>
  %wu = arith.constant dense<[[0.3, -1.0, 0.5, 2.0], [1.0, 1.0, 0.0, 1.0]]> : tensor<2x4xf32>
  %wd = arith.constant dense<[[1.0, 2.0], [-1.0, 0.0], [0.0, 3.0], [1.0, 1.0]]> : tensor<4x2xf32>
  %h0 = rotq.embedding %e[%ids] : tensor<5x4xf32>, tensor<3xi64> -> tensor<3x4xf32>
  %n1 = rotq.rms_norm %h0 {epsilon = 1.0e-5 : f64} : tensor<3x4xf32>
  %a = rotq.linear %n1, %wq : tensor<3x4xf32>, tensor<3x4xf32> -> tensor<3x3xf32>
  %o = rotq.linear %a, %wo bias(%bo : tensor<4xf32>) : tensor<3x3xf32>, tensor<4x3xf32> -> tensor<3x4xf32>
  %init = tensor.empty() : tensor<3x4xf32>
  %h1 = linalg.add ins(%h0, %o : tensor<3x4xf32>, tensor<3x4xf32>) outs(%init : tensor<3x4xf32>) -> tensor<3x4xf32>
  %n2 = rotq.rms_norm %h1 {epsilon = 1.0e-5 : f64} : tensor<3x4xf32>
  %u = rotq.linear %n2, %wu : tensor<3x4xf32>, tensor<2x4xf32> -> tensor<3x2xf32>
  %d = rotq.linear %u, %wd : tensor<3x2xf32>, tensor<4x2xf32> -> tensor<3x4xf32>
  %h2 = linalg.add ins(%d, %h1 : tensor<3x4xf32>, tensor<3x4xf32>) outs(%init : tensor<3x4xf32>) -> tensor<3x4xf32>
  %n3 = rotq.rms_norm %h2 {epsilon = 1.0e-5 : f64} : tensor<3x4xf32>
  %logits = rotq.linear %n3, %e : tensor<3x4xf32>, tensor<5x4xf32> -> tensor<3x5xf32>
  return %logits : tensor<3x5xf32>
}
