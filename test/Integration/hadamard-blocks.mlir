// Block-diagonal transforms: 4 blocks of 156 (Goethals-Seidel), 3-D input,
// and 6 blocks of 20 on f16 data (computed in f32).
// REQUIRES: numpy
// RUN: rotq-hadamard 156 --emit %t.H156.npy
// RUN: %python %inputs/randn.py %t.x.npy 1 2 3 624
// RUN: rotq-run %s -e blocks156 --input %t.x.npy --output %t.y.npy
// RUN: %python %inputs/check_hadamard.py %t.x.npy %t.y.npy %t.H156.npy | FileCheck %s
// RUN: rotq-hadamard 20 --emit %t.H20.npy
// RUN: %python %inputs/randn.py %t.xh.npy 2 5 120 --dtype float16
// RUN: rotq-run %s -e blocks20f16 --input %t.xh.npy --output %t.yh.npy
// RUN: %python %inputs/check_hadamard.py %t.xh.npy %t.yh.npy %t.H20.npy --tol 2e-3 | FileCheck %s
// CHECK: OK
func.func @blocks156(%x: tensor<2x3x624xf32>) -> tensor<2x3x624xf32> {
  %y = rotq.hadamard %x {block_size = 156} : tensor<2x3x624xf32>
  return %y : tensor<2x3x624xf32>
}
func.func @blocks20f16(%x: tensor<5x120xf16>) -> tensor<5x120xf16> {
  %y = rotq.hadamard %x {block_size = 20} : tensor<5x120xf16>
  return %y : tensor<5x120xf16>
}
