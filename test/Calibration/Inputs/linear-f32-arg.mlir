// A function of float activations: nothing to feed token ids to.
func.func @f(%x: tensor<3x4xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<1.0> : tensor<2x4xf32>
  %y = rotq.linear %x, %w : tensor<3x4xf32>, tensor<2x4xf32> -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}
