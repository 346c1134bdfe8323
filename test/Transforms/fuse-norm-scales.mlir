// rotq-fuse-norm-scales folds the norm weight into every consuming linear:
// W[:, j] *= g[j] (hand-worked below), and unties a weight it shares.
// RUN: rotq-opt %s --rotq-fuse-norm-scales | FileCheck %s
// RUN: rotq-opt %s --rotq-fuse-norm-scales -o %t.mlir
// RUN: rotq-run --compare %s %t.mlir -e two_consumers --random-inputs --rel-tol 1e-6
// RUN: rotq-run --compare %s %t.mlir -e tied --random-inputs --random-int-max 3 --rel-tol 1e-6
// RUN: rotq-opt %s --rotq-fuse-norm-scales=report=true -o /dev/null 2>&1 | FileCheck %s --check-prefix=REPORT

// CHECK-LABEL: func @two_consumers
// CHECK-DAG: %[[A:.*]] = arith.constant dense<{{\[}}[2.000000e+00, 3.000000e+00], [-2.000000e+00, 1.500000e+00]]> : tensor<2x2xf32>
// CHECK-DAG: %[[B:.*]] = arith.constant dense<{{\[}}[2.000000e+00, 0.000000e+00]]> : tensor<1x2xf32>
// CHECK: %[[N:.*]] = rotq.rms_norm %{{.*}} {epsilon = 1.000000e-05 : f64} : tensor<4x2xf32>
// CHECK: rotq.linear %[[N]], %[[A]]
// CHECK: rotq.linear %[[N]], %[[B]]
func.func @two_consumers(%x: tensor<4x2xf32>) -> (tensor<4x2xf32>, tensor<4x1xf32>) {
  %g = arith.constant dense<[2.0, 3.0]> : tensor<2xf32>
  %a = arith.constant dense<[[1.0, 1.0], [-1.0, 0.5]]> : tensor<2x2xf32>
  %b = arith.constant dense<[[1.0, 0.0]]> : tensor<1x2xf32>
  %n = rotq.rms_norm %x scale(%g : tensor<2xf32>) {epsilon = 1.0e-5 : f64} : tensor<4x2xf32>
  %y = rotq.linear %n, %a : tensor<4x2xf32>, tensor<2x2xf32> -> tensor<4x2xf32>
  %z = rotq.linear %n, %b : tensor<4x2xf32>, tensor<1x2xf32> -> tensor<4x1xf32>
  return %y, %z : tensor<4x2xf32>, tensor<4x1xf32>
}

// The embedding keeps the original table; the head gets its own copy.
// CHECK-LABEL: func @tied
// CHECK-DAG: %[[E:.*]] = arith.constant dense<{{\[}}[1.000000e+00, 2.000000e+00], [3.000000e+00, 4.000000e+00], [5.000000e+00, 6.000000e+00]]>
// CHECK-DAG: %[[H:.*]] = arith.constant dense<{{\[}}[5.000000e-01, 8.000000e+00], [1.500000e+00, 1.600000e+01], [2.500000e+00, 2.400000e+01]]>
// CHECK: rotq.embedding %[[E]]
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

// REPORT: remark: fused the norm weight into 2 linear(s)
// REPORT: remark: fused the norm weight into 1 linear(s)
// REPORT: remark: norm feeds func.return, not only linears with constant weights; its weight is left in place
