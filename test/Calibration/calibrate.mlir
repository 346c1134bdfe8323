// rotq-calibrate on a hand-worked model: the linear reads embedding rows,
// so with tokens [0, 1, 1, 2] its input rows are e0, e1, e1, e2 and
//   max|x| = (3, 2, 1, 4),  X^T X = e0 e0^T + 2 e1 e1^T + e2 e2^T.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save('%t/tok.npy', np.array([[0, 1, 1, 2]], dtype=np.int64))"
// RUN: rotq-opt %s --rotq-calibrate="calibration=%t/tok.npy hessian=true" | FileCheck %s
// Random tokens are drawn below the vocabulary size (3 rows): the counts
// follow the options.
// RUN: rotq-opt %s --rotq-calibrate="calibration-samples=3 calibration-length=5" | FileCheck %s --check-prefix=RANDOM
// RUN: not rotq-opt %s --rotq-calibrate="calibration=%t/missing.npy" 2>&1 | FileCheck %s --check-prefix=MISSING
// RUN: %python -c "import numpy as np; np.save('%t/f.npy', np.zeros(4, dtype=np.float32))"
// RUN: not rotq-opt %s --rotq-calibrate="calibration=%t/f.npy" 2>&1 | FileCheck %s --check-prefix=FLOAT
// RUN: not rotq-opt %S/Inputs/linear-f32-arg.mlir --rotq-calibrate 2>&1 | FileCheck %s --check-prefix=SIG
// The output metric of H / 4 (rank 1: the leading eigenpair and the
// diagonal of the rest; rank 3: all of H, which has rank 3),
// against NumPy's eigh.
// RUN: rotq-opt %s --rotq-calibrate="calibration=%t/tok.npy metric-rank=1" | %python %inputs/check_output_metric.py 1 "[[4.75, -2, -1.5, 0.125], [-2, 1.5, 0.5, -0.25], [-1.5, 0.5, 0.75, -1], [0.125, -0.25, -1, 4.0625]]"
// RUN: rotq-opt %s --rotq-calibrate="calibration=%t/tok.npy metric-rank=3" | %python %inputs/check_output_metric.py 3 "[[4.75, -2, -1.5, 0.125], [-2, 1.5, 0.5, -0.25], [-1.5, 0.5, 0.75, -1], [0.125, -0.25, -1, 4.0625]]"
// RUN: not rotq-opt %s --rotq-calibrate="calibration=%t/tok.npy metric-rank=-2" 2>&1 | FileCheck %s --check-prefix=RANK
// REQUIRES: numpy

func.func @forward(%tokens: tensor<?xi64>) -> tensor<?x2xf32> {
  %table = arith.constant dense<[[1.0, -2.0, 0.0, 0.5],
                                 [-3.0, 1.0, 1.0, 0.0],
                                 [0.0, 0.0, -1.0, 4.0]]> : tensor<3x4xf32>
  %w = arith.constant dense<[[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 1.0, 1.0]]> : tensor<2x4xf32>
  %x = rotq.embedding %table[%tokens] : tensor<3x4xf32>, tensor<?xi64> -> tensor<?x4xf32>
  %y = rotq.linear %x, %w : tensor<?x4xf32>, tensor<2x4xf32> -> tensor<?x2xf32>
  return %y : tensor<?x2xf32>
}
// e0 e0^T + 2 e1 e1^T + e2 e2^T, row by row:
// [1+18+0, -2+(-6)+0, 0+(-6)+0, 0.5+0+0] = [19, -8, -6, 0.5]
// [-8, 4+2+0, 0+2+0, -1+0+0]              = [-8, 6, 2, -1]
// [-6, 2, 0+2+1, 0+0-4]                    = [-6, 2, 3, -4]
// [0.5, -1, -4, 0.25+0+16]                 = [0.5, -1, -4, 16.25]
// CHECK: rotq.linear
// CHECK-SAME: rotq.calibration.abs_max = dense<[3.000000e+00, 2.000000e+00, 1.000000e+00, 4.000000e+00]> : tensor<4xf32>
// CHECK-SAME: rotq.calibration.hessian = dense<{{\[}}[1.900000e+01, -8.000000e+00, -6.000000e+00, 5.000000e-01], [-8.000000e+00, 6.000000e+00, 2.000000e+00, -1.000000e+00], [-6.000000e+00, 2.000000e+00, 3.000000e+00, -4.000000e+00], [5.000000e-01, -1.000000e+00, -4.000000e+00, 1.625000e+01]]> : tensor<4x4xf64>
// CHECK-SAME: rotq.calibration.tokens = 4 : i64
// RANDOM: rotq.calibration.tokens = 15 : i64
// RANDOM-NOT: hessian
// MISSING: error: calibration tokens: {{.*}}missing.npy
// FLOAT: error: calibration tokens: {{.*}}f.npy must hold integer token ids
// SIG: error: calibration runs @f on token ids: it must take one 1-D integer tensor
// RANK: error: metric-rank must be -1 (none) or >= 0, got -2
