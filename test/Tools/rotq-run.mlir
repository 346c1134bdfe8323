// rotq-run: execution, --compare, and clear errors on bad input.
// REQUIRES: numpy
// RUN: rotq-run --compare %s %S/Inputs/dense-ref.mlir -e had --random-inputs --seed 3 --rel-tol 1e-6 | FileCheck %s --check-prefix=SAME
// SAME: max_abs_err={{[0-9.e+-]+}} rel_err={{[0-9]\.[0-9]+e-0[7-9]|0\.0+e\+00}}
// A different transform is caught.
// RUN: not rotq-run --compare %s %S/Inputs/dense-ref.mlir -e wrong --random-inputs --seed 3 --rel-tol 1e-6 > %t.diff.out 2> %t.diff.err
// RUN: FileCheck %s --check-prefix=DIFF < %t.diff.out
// RUN: FileCheck %s --check-prefix=DIFFERR < %t.diff.err
// DIFF: max_abs_err={{.*}} rel_err={{[0-9]\.[0-9]+e-01|[0-9]\.[0-9]+e\+00}}
// DIFFERR: error: rel_err exceeds --rel-tol
// RUN: %python %inputs/randn.py %t.bad.npy 1 3 5
// RUN: not rotq-run %s -e had --input %t.bad.npy 2>&1 | FileCheck %s --check-prefix=SHAPE
// SHAPE: argument 0 expects tensor<2x4xf32>, but the array has shape (3, 5)
// RUN: not rotq-run %s -e had 2>&1 | FileCheck %s --check-prefix=COUNT
// COUNT: @had takes 1 arguments; 0 --input files given
// RUN: not rotq-run %s -e nope --random-inputs 2>&1 | FileCheck %s --check-prefix=NOFUNC
// NOFUNC: no function @nope
// RUN: printf 'garbage' > %t.corrupt.npy
// RUN: not rotq-run %s -e had --input %t.corrupt.npy 2>&1 | FileCheck %s --check-prefix=CORRUPT
// CORRUPT: corrupt.npy: not a .npy file (bad magic)
// RUN: %python %inputs/randn.py %t.in.npy 1 2 4
// RUN: cp %t.in.npy %t.keep.npy
// RUN: not rotq-run %s -e had --input %t.in.npy --output %t.in.npy 2>&1 | FileCheck %s --check-prefix=OVERWRITE
// RUN: %python %inputs/ref_ops.py equal %t.in.npy %t.keep.npy
// OVERWRITE: refusing to overwrite input
// RUN: not rotq-run %s -e dyn --random-inputs 2>&1 | FileCheck %s --check-prefix=DYN
// DYN: has a dynamic dimension; give --dynamic-size N or --input
// RUN: rotq-run %s -e dyn --random-inputs --dynamic-size 3 | FileCheck %s --check-prefix=DYNOK
// DYNOK: result 0: tensor<?x4xf32>
// DYNOK-COUNT-3: [{{.*}}]
// RUN: not rotq-run %S/Inputs/malformed.mlir -e f --random-inputs 2>&1 | FileCheck %s --check-prefix=MALFORMED
// MALFORMED: error: 'rotq.hadamard' op block_size 3 does not divide the last dimension 4

func.func @had(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %y = rotq.hadamard %x {signs = array<i8: 1, -1, -1, 1>} : tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}
func.func @wrong(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %y = rotq.hadamard %x {signs = array<i8: 1, -1, -1, 1>, transpose} : tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}
func.func @dyn(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %y = rotq.hadamard %x : tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}
