// rotq-duquant-rotate rejects transforms that would not be exact.
// RUN: rotq-opt %s --rotq-duquant-rotate --split-input-file --verify-diagnostics

func.func @not_orthogonal(%x: tensor<?x4xf32>) -> tensor<?x2xf32> {
  %w = arith.constant dense<1.0> : tensor<2x4xf32>
  // expected-error @+1 {{rotq.duquant.rotation1 is not orthogonal}}
  %y = rotq.linear %x, %w {rotq.duquant.rotation1 = dense<[[1.0, 1.0], [0.0, 1.0]]> : tensor<2x2xf64>} : tensor<?x4xf32>, tensor<2x4xf32> -> tensor<?x2xf32>
  return %y : tensor<?x2xf32>
}

// -----

func.func @not_dividing(%x: tensor<?x4xf32>) -> tensor<?x2xf32> {
  %w = arith.constant dense<1.0> : tensor<2x4xf32>
  // expected-error @+1 {{rotq.duquant.rotation2 must be an f64 [b, b] matrix with b dividing the 4 input channels}}
  %y = rotq.linear %x, %w {rotq.duquant.rotation2 = dense<[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]> : tensor<3x3xf64>} : tensor<?x4xf32>, tensor<2x4xf32> -> tensor<?x2xf32>
  return %y : tensor<?x2xf32>
}

// -----

func.func @not_a_permutation(%x: tensor<?x4xf32>) -> tensor<?x2xf32> {
  %w = arith.constant dense<1.0> : tensor<2x4xf32>
  // expected-error @+1 {{rotq.duquant.permutation must be a permutation of the 4 input channels}}
  %y = rotq.linear %x, %w {rotq.duquant.permutation = array<i64: 0, 1, 1, 3>} : tensor<?x4xf32>, tensor<2x4xf32> -> tensor<?x2xf32>
  return %y : tensor<?x2xf32>
}

// -----

func.func @two_sizes(%x: tensor<?x4xf32>) -> tensor<?x2xf32> {
  %w = arith.constant dense<1.0> : tensor<2x4xf32>
  // expected-error @+1 {{the DuQuant rotations of one input must have one block size}}
  %y = rotq.linear %x, %w {rotq.duquant.rotation1 = dense<[[1.0, 0.0], [0.0, 1.0]]> : tensor<2x2xf64>, rotq.duquant.rotation2 = dense<[[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]]> : tensor<4x4xf64>} : tensor<?x4xf32>, tensor<2x4xf32> -> tensor<?x2xf32>
  return %y : tensor<?x2xf32>
}
