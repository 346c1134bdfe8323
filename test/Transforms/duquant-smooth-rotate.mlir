// rotq-duquant-smooth then rotq-duquant-rotate: each weight is one float64
// chain (smoothing, rotation) rounded once, and the pair is exact. The other
// order is refused: a rotation under a pending smoothing would not cancel.
// REQUIRES: numpy
// RUN: rotq-opt %s --rotq-duquant-smooth --rotq-duquant-rotate -o %t.both.mlir
// RUN: rotq-run --compare %s %t.both.mlir -e smoothed --random-inputs --dynamic-size 3 --rel-tol 1e-6
// RUN: rotq-opt %s --rotq-duquant-smooth --rotq-duquant-rotate | FileCheck %s --check-prefix=BOTH
// RUN: not rotq-opt %s --rotq-duquant-rotate 2>&1 | FileCheck %s --check-prefix=ORDER
// ORDER: error: rotq.duquant.smooth is still pending on {{.*}}: run rotq-duquant-smooth first

// BOTH-LABEL: func @smoothed
// BOTH: %[[W0:.*]] = arith.extf %{{.*}} : tensor<3x4xf32> to tensor<3x4xf64>
// BOTH-NEXT: arith.constant
// BOTH-NEXT: %[[W1:.*]] = rotq.scale %[[W0]]
// BOTH-NEXT: %[[W2:.*]] = rotq.rotate %[[W1]]
// BOTH-NEXT: %[[W:.*]] = arith.truncf %[[W2]] : tensor<3x4xf64> to tensor<3x4xf32>
// BOTH-NEXT: rotq.linear %{{.*}}, %[[W]]
func.func @smoothed(%x: tensor<?x4xf32>) -> tensor<?x3xf32> {
  %g = arith.constant dense<[1.0, 2.0, -0.5, 3.0]> : tensor<4xf32>
  %wq = arith.constant dense<[[1.0, 0.0, 2.0, -1.0], [0.5, 3.0, -2.0, 1.0], [0.0, 1.0, 1.0, 1.0]]> : tensor<3x4xf32>
  %n = rotq.rms_norm %x scale(%g : tensor<4xf32>) {epsilon = 1.0e-05 : f64} : tensor<?x4xf32>
  %q = rotq.linear %n, %wq {rotq.duquant.smooth = dense<[2.0, 0.5, 4.0, 1.0]> : tensor<4xf64>, rotq.duquant.rotation1 = dense<[[0.5, 0.5, 0.5, 0.5], [0.5, -0.5, 0.5, -0.5], [0.5, 0.5, -0.5, -0.5], [0.5, -0.5, -0.5, 0.5]]> : tensor<4x4xf64>} : tensor<?x4xf32>, tensor<3x4xf32> -> tensor<?x3xf32>
  return %q : tensor<?x3xf32>
}

