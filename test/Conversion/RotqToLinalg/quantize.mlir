// quantize/dequantize/qmatmul/pack/unpack lower to linalg with the
// semantics of the op docs: roundeven, float clamp before fptosi, NaN to
// the zero point, i32 accumulation.
// RUN: rotq-opt %s --convert-rotq-to-linalg | FileCheck %s

// CHECK-LABEL: func @quantize_row
// Finite-only absmax reduction over the row.
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]
// CHECK: math.absf
// CHECK: arith.cmpf olt
// CHECK: arith.maximumf
// CHECK: linalg.generic
// CHECK: arith.divf
// CHECK: arith.cmpf oeq
// CHECK: linalg.generic
// CHECK: arith.divf
// CHECK: math.roundeven
// CHECK: arith.maximumf
// CHECK: arith.minimumf
// CHECK: arith.cmpf uno
// CHECK: arith.select
// CHECK: arith.fptosi {{.*}} to i8
func.func @quantize_row(%x: tensor<?x16xf32>) -> (tensor<?x16xi8>, tensor<?x1xf32>) {
  %q, %s = rotq.quantize %x {bits = 4, granularity = #rotq.granularity<row>} : tensor<?x16xf32> -> tensor<?x16xi8>, tensor<?x1xf32>
  return %q, %s : tensor<?x16xi8>, tensor<?x1xf32>
}

// CHECK-LABEL: func @qmatmul
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// CHECK: arith.extsi {{.*}} : i8 to i32
// CHECK: arith.muli {{.*}} : i32
// CHECK: arith.addi {{.*}} : i32
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]
// CHECK: arith.sitofp {{.*}} : i32 to f32
func.func @qmatmul(%a: tensor<4x64xi8>, %as: tensor<4x1xf32>, %w: tensor<8x64xi8>, %ws: tensor<8x2xf32>) -> tensor<4x8xf32> {
  %y = rotq.qmatmul %a scale(%as : tensor<4x1xf32>), %w scale(%ws : tensor<8x2xf32>) : tensor<4x64xi8>, tensor<8x64xi8> -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// CHECK-LABEL: func @unpack
// CHECK: arith.shrui
// CHECK: arith.shli
// CHECK: arith.shrsi
func.func @unpack(%p: tensor<4x8xi8>) -> tensor<4x16xi8> {
  %u = rotq.unpack %p {bits = 4} : tensor<4x8xi8> -> tensor<4x16xi8>
  return %u : tensor<4x16xi8>
}
