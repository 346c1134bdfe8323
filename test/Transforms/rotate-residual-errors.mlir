// Streams that cannot be rotated exactly are rejected with the reason.
// RUN: rotq-opt %s --rotq-rotate-residual --split-input-file --verify-diagnostics

func.func @weighted_norm(%ids: tensor<3xi64>) -> tensor<3x5xf32> {
  %e = arith.constant dense<1.0> : tensor<5x4xf32>
  %g = arith.constant dense<2.0> : tensor<4xf32>
  %h = rotq.embedding %e[%ids] : tensor<5x4xf32>, tensor<3xi64> -> tensor<3x4xf32>
  // expected-error @+1 {{cannot rotate the residual stream: the norm still has a weight (run rotq-fuse-norm-scales first)}}
  %n = rotq.rms_norm %h scale(%g : tensor<4xf32>) {epsilon = 1.0e-5 : f64} : tensor<3x4xf32>
  %y = rotq.linear %n, %e : tensor<3x4xf32>, tensor<5x4xf32> -> tensor<3x5xf32>
  return %y : tensor<3x5xf32>
}

// -----

func.func @returned(%ids: tensor<3xi64>) -> tensor<3x4xf32> {
  %e = arith.constant dense<1.0> : tensor<5x4xf32>
  %h = rotq.embedding %e[%ids] : tensor<5x4xf32>, tensor<3xi64> -> tensor<3x4xf32>
  // expected-error @+1 {{cannot rotate the residual stream: the stream reaches this op, which the rotation cannot pass through}}
  return %h : tensor<3x4xf32>
}

// -----

func.func @elementwise(%ids: tensor<3xi64>) -> tensor<3x5xf32> {
  %e = arith.constant dense<1.0> : tensor<5x4xf32>
  %h = rotq.embedding %e[%ids] : tensor<5x4xf32>, tensor<3xi64> -> tensor<3x4xf32>
  %init = tensor.empty() : tensor<3x4xf32>
  // expected-error @+1 {{the stream reaches this op}}
  %s = linalg.exp ins(%h : tensor<3x4xf32>) outs(%init : tensor<3x4xf32>) -> tensor<3x4xf32>
  %n = rotq.rms_norm %s {epsilon = 1.0e-5 : f64} : tensor<3x4xf32>
  %y = rotq.linear %n, %e : tensor<3x4xf32>, tensor<5x4xf32> -> tensor<3x5xf32>
  return %y : tensor<3x5xf32>
}

// -----

func.func @add_of_non_linear(%ids: tensor<3xi64>, %other: tensor<3x4xf32>) -> tensor<3x5xf32> {
  %e = arith.constant dense<1.0> : tensor<5x4xf32>
  %h = rotq.embedding %e[%ids] : tensor<5x4xf32>, tensor<3xi64> -> tensor<3x4xf32>
  %init = tensor.empty() : tensor<3x4xf32>
  // expected-error @+1 {{a residual add mixes the stream with a value that is neither the stream nor a linear's output}}
  %s = linalg.add ins(%h, %other : tensor<3x4xf32>, tensor<3x4xf32>) outs(%init : tensor<3x4xf32>) -> tensor<3x4xf32>
  %n = rotq.rms_norm %s {epsilon = 1.0e-5 : f64} : tensor<3x4xf32>
  %y = rotq.linear %n, %e : tensor<3x4xf32>, tensor<5x4xf32> -> tensor<3x5xf32>
  return %y : tensor<3x5xf32>
}

// -----

// expected-error @+1 {{no rotq.embedding starts a residual stream}}
func.func @no_stream(%x: tensor<3x4xf32>) -> tensor<3x4xf32> {
  return %x : tensor<3x4xf32>
}
