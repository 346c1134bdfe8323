// Bad options get a message, never an abort, a silent exit or a silent
// change of meaning.
// RUN: not rotq-opt %s --rotq-lower-to-nvvm="chip=sm_1000" 2>&1 | FileCheck %s --check-prefix=CHIP
// CHIP: unknown chip 'sm_1000'
// RUN: not rotq-opt %s --rotq-lower-to-nvvm="chip=sm_80a" 2>&1 | FileCheck %s --check-prefix=CHIPA
// CHIPA: unknown chip 'sm_80a'
// RUN: not rotq-opt %s --rotq-lower-to-llvm="foo=1" 2>&1 | FileCheck %s --check-prefix=LLVM
// LLVM: rotq-lower-to-llvm: unknown option 'foo=1' (it takes ukernels=true|false, outline-ops=N)
// RUN: not rotq-run %s -e f --random-inputs --random-int-max 0 2>&1 | FileCheck %s --check-prefix=INTMAX
// INTMAX: --random-int-max must be at least 1, got 0
// RUN: not rotq-run %s -e f --random-inputs --dynamic-size 1000000000000 2>&1 | FileCheck %s --check-prefix=DYN
// DYN: --dynamic-size must be in [1, 16777216], got 1000000000000
// RUN: not rotq-opt %s --rotq-calibrate="calibration-samples=1000000000" 2>&1 | FileCheck %s --check-prefix=CALIB
// CALIB: calibration-samples x calibration-length must be at most 16777216 tokens
func.func @f(%ids: tensor<?xi64>) -> tensor<?x4xf32> {
  %t = arith.constant dense<1.0> : tensor<8x4xf32>
  %w = arith.constant dense<0.5> : tensor<4x4xf32>
  %e = rotq.embedding %t[%ids] : tensor<8x4xf32>, tensor<?xi64> -> tensor<?x4xf32>
  %y = rotq.linear %e, %w : tensor<?x4xf32>, tensor<4x4xf32> -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}
