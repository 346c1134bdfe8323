// rotq-duquant-calibrate on a hand-worked model: the linear reads embedding
// rows, so with tokens [0, 1, 1, 2] its input X has rows e0, e1, e1, e2 and
// max|X| = (3, 2, 1, 4); max|W| per column is (1, 1, 1, 1). With alpha 0.5,
// L = sqrt(max|X|) = (sqrt 3, sqrt 2, 1, 2); with no greedy steps the
// rotations are the identity (not attached), and X / L has column maxima
// (sqrt 3, sqrt 2, 1, 2): by decreasing max, channels 3, 0, 1, 2 are dealt
// to blocks 0, 1, 1, 0, then sorted in each block: [3, 2 | 0, 1].
// REQUIRES: numpy
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save('%t/tok.npy', np.array([[0, 1, 1, 2]], dtype=np.int64))"
// RUN: rotq-opt %s --rotq-duquant-calibrate="calibration=%t/tok.npy alpha=0.5 block-size=2 steps=0 skip-lm-head=false report=true" 2>&1 | FileCheck %s
// CHECK: remark: duquant: {{.*}}; smoothing in [1, 2]; block 2; rotation 1: 0 of 0 steps, peak {{.*}}; zigzag: between-block variance of mean |x| {{.*}}; rotation 2: 0 of 0 steps
// CHECK-LABEL: func.func @forward
// CHECK: rotq.linear
// CHECK-SAME: rotq.duquant.permutation = array<i64: 3, 2, 0, 1>
// CHECK-SAME: rotq.duquant.smooth = dense<[1.7320508075688772, 1.4142135623730951, 1.000000e+00, 2.000000e+00]> : tensor<4xf64>
// CHECK-NOT: rotq.duquant.rotation
//
// With greedy steps the rotations are fitted: [2, 2] blocks, the same on
// every linear of the group.
// RUN: rotq-opt %s --rotq-duquant-calibrate="calibration=%t/tok.npy block-size=2 skip-lm-head=false" | FileCheck %s --check-prefix=STEPS
// STEPS: = rotq.linear %{{.*}}rotq.duquant.rotation1 = dense<{{.*}}> : tensor<2x2xf64>
//
// The LM head (the linear producing the result) is left alone by default.
// RUN: rotq-opt %s --rotq-duquant-calibrate="calibration=%t/tok.npy" | FileCheck %s --check-prefix=LMHEAD
// LMHEAD-NOT: rotq.duquant
//
// RUN: not rotq-opt %s --rotq-duquant-calibrate="permutation=random" 2>&1 | FileCheck %s --check-prefix=BADPERM
// BADPERM: error: rotq-duquant-calibrate: permutation must be zigzag or none, got 'random'
// RUN: not rotq-opt %s --rotq-duquant-calibrate="alpha=1.5" 2>&1 | FileCheck %s --check-prefix=BADALPHA
// BADALPHA: error: rotq-duquant-calibrate: alpha must be in [0, 1]

func.func @forward(%tokens: tensor<?xi64>) -> tensor<?x2xf32> {
  %table = arith.constant dense<[[1.0, -2.0, 0.0, 0.5],
                                 [-3.0, 1.0, 1.0, 0.0],
                                 [0.0, 0.0, -1.0, 4.0]]> : tensor<3x4xf32>
  %w = arith.constant dense<[[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 1.0, 1.0]]> : tensor<2x4xf32>
  %x = rotq.embedding %table[%tokens] : tensor<3x4xf32>, tensor<?xi64> -> tensor<?x4xf32>
  %y = rotq.linear %x, %w : tensor<?x4xf32>, tensor<2x4xf32> -> tensor<?x2xf32>
  return %y : tensor<?x2xf32>
}
