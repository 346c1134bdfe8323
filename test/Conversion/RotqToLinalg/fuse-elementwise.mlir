// RUN: rotq-opt %s --rotq-fuse-elementwise | FileCheck %s

#id = affine_map<(d0, d1) -> (d0, d1)>

// Element-wise producers fuse into element-wise consumers...
// CHECK-LABEL: func.func @chain
// CHECK: linalg.generic
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @chain(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %e = tensor.empty() : tensor<4x8xf32>
  %a = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%i: f32, %o: f32):
    %m = arith.mulf %i, %i : f32
    linalg.yield %m : f32
  } -> tensor<4x8xf32>
  %b = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%a : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%i: f32, %o: f32):
    %m = arith.addf %i, %i : f32
    linalg.yield %m : f32
  } -> tensor<4x8xf32>
  return %b : tensor<4x8xf32>
}

// ...but a matmul whose result is reshaped stays a 2-D matmul (upstream's
// reshape propagation makes it a 4-D generic).
// CHECK-LABEL: func.func @matmul_then_heads
// CHECK: %[[P:.*]] = linalg.generic
// CHECK: %[[M:.*]] = linalg.matmul indexing_maps = {{.*}} ins(%[[P]], %{{.*}} : tensor<6x64xf32>, tensor<32x64xf32>)
// CHECK: tensor.expand_shape %[[M]] {{\[}}[0], [1, 2]] output_shape [6, 4, 8]
func.func @matmul_then_heads(%x: tensor<6x64xf32>, %w: tensor<32x64xf32>) -> tensor<6x4x8xf32> {
  %e = tensor.empty() : tensor<6x64xf32>
  %sq = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<6x64xf32>) outs(%e : tensor<6x64xf32>) {
  ^bb0(%i: f32, %o: f32):
    %m = arith.mulf %i, %i : f32
    linalg.yield %m : f32
  } -> tensor<6x64xf32>
  %z = arith.constant 0.0 : f32
  %c0 = tensor.empty() : tensor<6x32xf32>
  %c = linalg.fill ins(%z : f32) outs(%c0 : tensor<6x32xf32>) -> tensor<6x32xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%sq, %w : tensor<6x64xf32>, tensor<32x64xf32>) outs(%c : tensor<6x32xf32>) -> tensor<6x32xf32>
  %h = tensor.expand_shape %y [[0], [1, 2]] output_shape [6, 4, 8] : tensor<6x32xf32> into tensor<6x4x8xf32>
  return %h : tensor<6x4x8xf32>
}
