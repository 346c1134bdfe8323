// The reference for rotq-run.mlir: x * diag(s) * H_4 / 2 as a dense
// matmul with the Sylvester matrix written out by hand.
func.func @had(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %m = arith.constant dense<[[ 0.5,  0.5,  0.5,  0.5],
                             [-0.5,  0.5, -0.5,  0.5],
                             [-0.5, -0.5,  0.5,  0.5],
                             [ 0.5, -0.5, -0.5,  0.5]]> : tensor<4x4xf32>
  %z = arith.constant dense<0.0> : tensor<2x4xf32>
  %y = linalg.matmul ins(%x, %m : tensor<2x4xf32>, tensor<4x4xf32>) outs(%z : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}
func.func @wrong(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %y = call @had(%x) : (tensor<2x4xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}
