// The program never writes its arguments (the caller's buffers, or mapped
// checkpoint pages): an element-wise op whose result could reuse its
// operand's buffer computes into a copy, so repeated calls see the same
// input and give the same result.
// REQUIRES: numpy
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %inputs/randn.py %t/x.npy 1 8
// RUN: rotq-run %s -e f --input %t/x.npy --output %t/once.npy
// RUN: rotq-run %s -e f --input %t/x.npy --output %t/thrice.npy --repeat 3
// RUN: %python %inputs/compare.py %t/thrice.npy %t/once.npy 0
func.func @f(%x: tensor<8xf32>) -> tensor<8xf32> {
  %c = arith.constant dense<1.0> : tensor<8xf32>
  %y = arith.addf %x, %c : tensor<8xf32>
  return %y : tensor<8xf32>
}
