// Orders with no Hadamard matrix use the documented DCT-II fallback; the
// transform stays orthogonal and matches the library's dense matrix.
// REQUIRES: numpy
// RUN: rotq-hadamard 10 --emit %t.H10.npy | FileCheck %s --check-prefix=FACT
// RUN: %python %inputs/randn.py %t.x.npy 4 6 10
// RUN: rotq-run %s -e f10 --input %t.x.npy --output %t.y.npy
// RUN: %python %inputs/check_hadamard.py %t.x.npy %t.y.npy %t.H10.npy | FileCheck %s
// RUN: rotq-hadamard 13696 | FileCheck %s --check-prefix=BIG
// FACT: 10 = DCT-II(5) x 2^1
// FACT: symmetric: no
// FACT: fallback: no Hadamard matrix of order 10
// BIG: 13696 = DCT-II(107) x 2^7
// CHECK: OK
func.func @f10(%x: tensor<?x10xf32>) -> tensor<?x10xf32> {
  %y = rotq.hadamard %x : tensor<?x10xf32>
  return %y : tensor<?x10xf32>
}
