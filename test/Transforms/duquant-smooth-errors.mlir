// rotq-duquant-smooth rejects factors it cannot apply exactly.
// RUN: rotq-opt %s --rotq-duquant-smooth --split-input-file --verify-diagnostics

func.func @bad_factor(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  %w = arith.constant dense<1.0> : tensor<2x2xf32>
  // expected-error @+1 {{rotq.duquant.smooth must be positive and finite, found 0.0}}
  %y = rotq.linear %x, %w {rotq.duquant.smooth = dense<[1.0, 0.0]> : tensor<2xf64>} : tensor<?x2xf32>, tensor<2x2xf32> -> tensor<?x2xf32>
  return %y : tensor<?x2xf32>
}

// -----

func.func @bad_size(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  %w = arith.constant dense<1.0> : tensor<2x2xf32>
  // expected-error @+1 {{rotq.duquant.smooth must be an f64 tensor of the 2 input channels}}
  %y = rotq.linear %x, %w {rotq.duquant.smooth = dense<[1.0, 2.0, 3.0]> : tensor<3xf64>} : tensor<?x2xf32>, tensor<2x2xf32> -> tensor<?x2xf32>
  return %y : tensor<?x2xf32>
}

// -----

func.func @differ(%x: tensor<?x2xf32>) -> (tensor<?x2xf32>, tensor<?x2xf32>) {
  %w = arith.constant dense<1.0> : tensor<2x2xf32>
  %y = rotq.linear %x, %w {rotq.duquant.smooth = dense<[1.0, 2.0]> : tensor<2xf64>} : tensor<?x2xf32>, tensor<2x2xf32> -> tensor<?x2xf32>
  // expected-error @+1 {{the linears reading one value must carry the same rotq.duquant.smooth}}
  %z = rotq.linear %x, %w {rotq.duquant.smooth = dense<[1.0, 3.0]> : tensor<2xf64>} : tensor<?x2xf32>, tensor<2x2xf32> -> tensor<?x2xf32>
  return %y, %z : tensor<?x2xf32>, tensor<?x2xf32>
}
