// rotq.hadamard lowers to one K x K contraction per dense factor and one
// radix-2 butterfly per Sylvester stage: 48 = 12 (Paley I) x 2^2, so a
// 12x12 constant, two butterflies, and no 48x48 matrix.
// RUN: rotq-opt %s --convert-rotq-to-linalg | FileCheck %s
// RUN: rotq-opt %s --convert-rotq-to-linalg | FileCheck %s --check-prefix=NODENSE

// CHECK-LABEL: func @h48
// CHECK: tensor.expand_shape %{{.*}} {{\[}}[0], [1, 2, 3]] output_shape [%{{.*}}, 1, 12, 4]
// CHECK: %[[F:.*]] = arith.constant dense<{{.*}}> : tensor<12x12xf32>
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]{{.*}}ins(%{{.*}}, %[[F]] : tensor<?x1x12x4xf32>, tensor<12x12xf32>)
// CHECK: output_shape [%{{.*}}, 24, 2, 1]
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "parallel"]
// CHECK: arith.subf
// CHECK: output_shape [%{{.*}}, 12, 2, 2]
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "parallel"]
// The 1/sqrt(4) of the Sylvester part; the Paley factor is pre-normalized.
// CHECK: arith.constant dense<5.000000e-01> : tensor<48xf32>
// CHECK-NOT: rotq.
// NODENSE-NOT: tensor<48x48x
func.func @h48(%x: tensor<?x48xf32>) -> tensor<?x48xf32> {
  %y = rotq.hadamard %x : tensor<?x48xf32>
  return %y : tensor<?x48xf32>
}

// Powers of two are butterflies only: log2(8) = 3 stages, no constant matrix.
// CHECK-LABEL: func @h8_bf16
// CHECK: arith.extf
// CHECK-NOT: tensor<8x8x
// CHECK-COUNT-3: iterator_types = ["parallel", "parallel", "parallel", "parallel"]
// CHECK: arith.truncf
func.func @h8_bf16(%x: tensor<2x3x8xbf16>) -> tensor<2x3x8xbf16> {
  %y = rotq.hadamard %x : tensor<2x3x8xbf16>
  return %y : tensor<2x3x8xbf16>
}
