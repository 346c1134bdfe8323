// A model whose attention or MLP rotq-raise-model did not recognise must
// not look rotated: each rotation pass that finds nothing to rewrite in a
// model (a function with rotq.linear ops) says so.
// RUN: rotq-opt %s --rotq-rotate-qk --rotq-rotate-attention-output --rotq-rotate-ffn -o /dev/null 2>&1 | FileCheck %s
// CHECK: warning: rotq-rotate-qk: no rotq.attention (rotq-raise-model recognised none): queries and keys are not rotated
// CHECK: warning: rotq-rotate-attention-output: no rotq.attention (rotq-raise-model recognised none): attention outputs are not rotated
// CHECK: warning: rotq-rotate-ffn: no down projection reads a gated activation of two linears; no FFN was rotated
// A function that is not a model (no linears) gets no warning.
// CHECK-NOT: warning
func.func @unraised(%x: tensor<4x8xf32>, %scores: tensor<2x4x4xf32>, %v: tensor<2x4x8xf32>) -> (tensor<4x8xf32>, tensor<2x4x8xf32>) {
  %w = arith.constant dense<0.25> : tensor<8x8xf32>
  %y = rotq.linear %x, %w : tensor<4x8xf32>, tensor<8x8xf32> -> tensor<4x8xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x4x8xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
  %o = linalg.batch_matmul ins(%scores, %v : tensor<2x4x4xf32>, tensor<2x4x8xf32>) outs(%init : tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
  return %y, %o : tensor<4x8xf32>, tensor<2x4x8xf32>
}

func.func @not_a_model(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  return %x : tensor<4x8xf32>
}
