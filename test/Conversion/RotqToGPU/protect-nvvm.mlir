// rotq.protect beside a rotq.qmatmul lowers through rotq-lower-to-nvvm
// (generic linalg kernels for its factors and the add) and its PTX
// assembles with ptxas.
// REQUIRES: ptxas, numpy
// RUN: rotq-opt %s --rotq-lower-to-nvvm="chip=sm_90a format=isa" -o %t.mlir
// RUN: %python %inputs/ptx_check.py %t.mlir %ptxas sm_90a | FileCheck %s
// CHECK: kernel rotq_qmatmul_w4a8
func.func @f(%a: tensor<?x96xi8>, %as: tensor<?x1xf32>, %w: tensor<40x48xi8>, %ws: tensor<40x1xf32>,
             %x: tensor<?x96xf32>, %p: tensor<4x96xf32>, %c: tensor<40x4xf32>) -> tensor<?x40xf32> {
  %wu = rotq.unpack %w {bits = 4} : tensor<40x48xi8> -> tensor<40x96xi8>
  %y = rotq.qmatmul %a scale(%as : tensor<?x1xf32>), %wu scale(%ws : tensor<40x1xf32>) : tensor<?x96xi8>, tensor<40x96xi8> -> tensor<?x40xf32>
  %z = rotq.protect %y, %x directions(%p : tensor<4x96xf32>) correction(%c : tensor<40x4xf32>) : tensor<?x96xf32> -> tensor<?x40xf32>
  return %z : tensor<?x40xf32>
}
