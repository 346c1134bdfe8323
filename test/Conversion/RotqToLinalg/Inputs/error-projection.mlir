func.func @f(%w: tensor<6x8xf32>, %wq: tensor<6x8xf32>, %p: tensor<2x8xf32>) -> tensor<6x2xf32> {
  %c = rotq.error_projection %w, %wq directions(%p : tensor<2x8xf32>) : tensor<6x8xf32> -> tensor<6x2xf32>
  return %c : tensor<6x2xf32>
}
