// rotq-fuse-norm-scales folds the norm weight into every consuming linear
// as IR on the weight: W -> rotq.scale(W, g) along the input dimension
// (W[:, j] * g[j]); the norm loses its weight. A weight shared with an
// embedding (tied) is read by both, the head through its own rotq.scale.
// RUN: rotq-opt %s --rotq-fuse-norm-scales | FileCheck %s
// RUN: rotq-opt %s --rotq-fuse-norm-scales -o %t.mlir
// RUN: rotq-run --compare %s %t.mlir -e two_consumers --random-inputs --rel-tol 1e-6
// RUN: rotq-run --compare %s %t.mlir -e tied --random-inputs --random-int-max 3 --rel-tol 1e-6
// RUN: rotq-run --compare %s %t.mlir -e runtime_weights --random-inputs --rel-tol 1e-6
// RUN: rotq-opt %s --rotq-fuse-norm-scales=report=true -o /dev/null 2>&1 | FileCheck %s --check-prefix=REPORT
// The evaluated weights, against the hand-worked products:
// RUN: rm -rf %t.d && rotq-materialize %t.mlir -o %t.d --quiet
// RUN: %python %inputs/st_dump.py %t.d/model.safetensors | FileCheck %s --check-prefix=VALUES
// VALUES-DAG: F32 [2, 2]: 2 3 -2 1.5
// VALUES-DAG: F32 [1, 2]: 2 0
// VALUES-DAG: F32 [3, 2]: 0.5 8 1.5 16 2.5 24

// CHECK-LABEL: func @two_consumers
// CHECK-DAG: %[[G:.*]] = arith.constant dense<[2.000000e+00, 3.000000e+00]> : tensor<2xf32>
// CHECK-DAG: %[[A:.*]] = arith.constant dense<{{\[}}[1.000000e+00, 1.000000e+00], [-1.000000e+00, 5.000000e-01]]> : tensor<2x2xf32>
// CHECK-DAG: %[[B:.*]] = arith.constant dense<{{\[}}[1.000000e+00, 0.000000e+00]]> : tensor<1x2xf32>
// CHECK: %[[N:.*]] = rotq.rms_norm %{{.*}} {epsilon = 1.000000e-05 : f64} : tensor<4x2xf32>
// CHECK: %[[SA:.*]] = rotq.scale %[[A]], %[[G]] {axis = 1 : i64} : tensor<2x2xf32>, tensor<2xf32>
// CHECK: rotq.linear %[[N]], %[[SA]]
// CHECK: %[[SB:.*]] = rotq.scale %[[B]], %[[G]] {axis = 1 : i64} : tensor<1x2xf32>, tensor<2xf32>
// CHECK: rotq.linear %[[N]], %[[SB]]
func.func @two_consumers(%x: tensor<4x2xf32>) -> (tensor<4x2xf32>, tensor<4x1xf32>) {
  %g = arith.constant dense<[2.0, 3.0]> : tensor<2xf32>
  %a = arith.constant dense<[[1.0, 1.0], [-1.0, 0.5]]> : tensor<2x2xf32>
  %b = arith.constant dense<[[1.0, 0.0]]> : tensor<1x2xf32>
  %n = rotq.rms_norm %x scale(%g : tensor<2xf32>) {epsilon = 1.0e-5 : f64} : tensor<4x2xf32>
  %y = rotq.linear %n, %a : tensor<4x2xf32>, tensor<2x2xf32> -> tensor<4x2xf32>
  %z = rotq.linear %n, %b : tensor<4x2xf32>, tensor<1x2xf32> -> tensor<4x1xf32>
  return %y, %z : tensor<4x2xf32>, tensor<4x1xf32>
}

// The embedding keeps the original table; the head reads a scaled copy.
// CHECK-LABEL: func @tied
// CHECK: %[[E:.*]] = arith.constant dense<{{\[}}[1.000000e+00, 2.000000e+00], [3.000000e+00, 4.000000e+00], [5.000000e+00, 6.000000e+00]]>
// CHECK: rotq.embedding %[[E]]
// CHECK: %[[H:.*]] = rotq.scale %[[E]], %{{.*}} {axis = 1 : i64}
// CHECK: rotq.linear %{{.*}}, %[[H]]
func.func @tied(%ids: tensor<2xi64>) -> tensor<2x3xf32> {
  %e = arith.constant dense<[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]> : tensor<3x2xf32>
  %g = arith.constant dense<[0.5, 4.0]> : tensor<2xf32>
  %h = rotq.embedding %e[%ids] : tensor<3x2xf32>, tensor<2xi64> -> tensor<2x2xf32>
  %n = rotq.rms_norm %h scale(%g : tensor<2xf32>) {epsilon = 1.0e-5 : f64} : tensor<2x2xf32>
  %y = rotq.linear %n, %e : tensor<2x2xf32>, tensor<3x2xf32> -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// A norm that also feeds something else keeps its weight.
// CHECK-LABEL: func @mixed_users
// CHECK: rotq.rms_norm %{{.*}} scale(
func.func @mixed_users(%x: tensor<4x2xf32>) -> (tensor<4x2xf32>, tensor<4x2xf32>) {
  %g = arith.constant dense<[2.0, 3.0]> : tensor<2xf32>
  %a = arith.constant dense<[[1.0, 1.0], [-1.0, 0.5]]> : tensor<2x2xf32>
  %n = rotq.rms_norm %x scale(%g : tensor<2xf32>) {epsilon = 1.0e-5 : f64} : tensor<4x2xf32>
  %y = rotq.linear %n, %a : tensor<4x2xf32>, tensor<2x2xf32> -> tensor<4x2xf32>
  return %y, %n : tensor<4x2xf32>, tensor<4x2xf32>
}

// Weights need not be constants: here they are arguments, scaled at run
// time.
// CHECK-LABEL: func @runtime_weights
// CHECK: %[[S:.*]] = rotq.scale %arg1, %arg2 {axis = 1 : i64} : tensor<3x2xf32>, tensor<2xf32>
// CHECK: rotq.linear %{{.*}}, %[[S]]
func.func @runtime_weights(%x: tensor<4x2xf32>, %w: tensor<3x2xf32>, %g: tensor<2xf32>) -> tensor<4x3xf32> {
  %n = rotq.rms_norm %x scale(%g : tensor<2xf32>) {epsilon = 1.0e-5 : f64} : tensor<4x2xf32>
  %y = rotq.linear %n, %w : tensor<4x2xf32>, tensor<3x2xf32> -> tensor<4x3xf32>
  return %y : tensor<4x3xf32>
}

// REPORT: remark: fused the norm weight into 2 linear(s)
// REPORT: remark: fused the norm weight into 1 linear(s)
// REPORT: remark: norm feeds func.return, not only linears; its weight is left in place
