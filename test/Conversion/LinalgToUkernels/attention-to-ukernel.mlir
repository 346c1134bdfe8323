// RUN: rotq-opt %s --rotq-attention-to-ukernel | FileCheck %s

// CHECK: func.func private @rotq_ukernel_attention_f32(memref<?x?x?xf32, strided<[?, ?, ?], offset: ?>>, memref<?x?x?xf32, strided<[?, ?, ?], offset: ?>>, memref<?x?x?xf32, strided<[?, ?, ?], offset: ?>>, memref<?x?x?xf32, strided<[?, ?, ?], offset: ?>>, f32, i64, i64)

// CHECK-LABEL: func.func @gqa
// CHECK-SAME: (%[[Q:.*]]: tensor<?x4x16xf32>, %[[K:.*]]: tensor<?x2x16xf32>, %[[V:.*]]: tensor<?x2x8xf32>)
// CHECK-DAG: %[[QB:.*]] = bufferization.to_buffer %[[Q]] read_only : tensor<?x4x16xf32> to memref<?x4x16xf32>
// CHECK-DAG: %[[KB:.*]] = bufferization.to_buffer %[[K]] read_only
// CHECK-DAG: %[[VB:.*]] = bufferization.to_buffer %[[V]] read_only
// CHECK-DAG: %[[S:.*]] = tensor.dim %[[Q]], %c0
// CHECK-DAG: %[[OUT:.*]] = memref.alloc(%[[S]]) : memref<?x4x8xf32>
// CHECK-DAG: %[[SCALE:.*]] = arith.constant 2.500000e-01 : f32
// CHECK-DAG: %[[CAUSAL:.*]] = arith.constant 1 : i64
// CHECK-DAG: %[[WINDOW:.*]] = arith.constant 3 : i64
// CHECK: call @rotq_ukernel_attention_f32({{.*}}, %[[SCALE]], %[[CAUSAL]], %[[WINDOW]])
// CHECK: %[[R:.*]] = bufferization.to_tensor %[[OUT]] restrict writable : memref<?x4x8xf32> to tensor<?x4x8xf32>
// CHECK: return %[[R]]
func.func @gqa(%q: tensor<?x4x16xf32>, %k: tensor<?x2x16xf32>, %v: tensor<?x2x8xf32>) -> tensor<?x4x8xf32> {
  %y = rotq.attention %q, %k, %v {scale = 0.25 : f64, causal, window = 3 : i64} : tensor<?x4x16xf32>, tensor<?x2x16xf32>, tensor<?x2x8xf32> -> tensor<?x4x8xf32>
  return %y : tensor<?x4x8xf32>
}

// Not causal, no window: both flags 0.
// CHECK-LABEL: func.func @full
// CHECK: call @rotq_ukernel_attention_f32({{.*}}, %cst, %c0_i64, %c0_i64_0)
func.func @full(%q: tensor<5x2x4xf32>, %k: tensor<7x2x4xf32>, %v: tensor<7x2x4xf32>) -> tensor<5x2x4xf32> {
  %y = rotq.attention %q, %k, %v {scale = 0.5 : f64} : tensor<5x2x4xf32>, tensor<7x2x4xf32>, tensor<7x2x4xf32> -> tensor<5x2x4xf32>
  return %y : tensor<5x2x4xf32>
}

// Other element types stay for convert-rotq-to-linalg.
// CHECK-LABEL: func.func @half
// CHECK: rotq.attention
func.func @half(%q: tensor<5x2x4xf16>, %k: tensor<7x2x4xf16>, %v: tensor<7x2x4xf16>) -> tensor<5x2x4xf16> {
  %y = rotq.attention %q, %k, %v {scale = 0.5 : f64} : tensor<5x2x4xf16>, tensor<7x2x4xf16>, tensor<7x2x4xf16> -> tensor<5x2x4xf16>
  return %y : tensor<5x2x4xf16>
}
