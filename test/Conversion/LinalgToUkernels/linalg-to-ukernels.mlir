// RUN: rotq-opt %s --rotq-linalg-to-ukernels | FileCheck %s

// CHECK: func.func private @rotq_ukernel_matmul_tb_i8i8i32(memref<?x?xi8, strided<[?, ?], offset: ?>>, memref<?x?xi8, strided<[?, ?], offset: ?>>, memref<?x?xi32, strided<[?, ?], offset: ?>>)
// CHECK: func.func private @rotq_ukernel_matmul_tb_f32(memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>)

// B already N x K: the operands are only cast to the kernel's layout.
// CHECK-LABEL: func.func @transposed_b
// CHECK-SAME: (%[[A:.*]]: memref<?x64xf32>, %[[B:.*]]: memref<32x64xf32>, %[[C:.*]]: memref<?x32xf32>)
// CHECK-DAG: %[[CA:.*]] = memref.cast %[[A]] : memref<?x64xf32> to memref<?x?xf32, strided<[?, ?], offset: ?>>
// CHECK-DAG: %[[CB:.*]] = memref.cast %[[B]] : memref<32x64xf32> to memref<?x?xf32, strided<[?, ?], offset: ?>>
// CHECK-DAG: %[[CC:.*]] = memref.cast %[[C]] : memref<?x32xf32> to memref<?x?xf32, strided<[?, ?], offset: ?>>
// CHECK: call @rotq_ukernel_matmul_tb_f32(%[[CA]], %[[CB]], %[[CC]])
// CHECK-NOT: linalg.matmul
func.func @transposed_b(%a: memref<?x64xf32>, %b: memref<32x64xf32>, %c: memref<?x32xf32>) {
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
    ins(%a, %b : memref<?x64xf32>, memref<32x64xf32>) outs(%c : memref<?x32xf32>)
  return
}

// A plain matmul reads B as K x N: the kernel gets B's transposed view.
// CHECK-LABEL: func.func @plain
// CHECK: %[[T:.*]] = memref.transpose %{{.*}} (d0, d1) -> (d1, d0) : memref<64x32xf32> to memref<32x64xf32, strided<[1, 32]>>
// CHECK: %[[CT:.*]] = memref.cast %[[T]]
// CHECK: call @rotq_ukernel_matmul_tb_f32(%{{.*}}, %[[CT]], %{{.*}})
func.func @plain(%a: memref<8x64xf32>, %b: memref<64x32xf32>, %c: memref<8x32xf32>) {
  linalg.matmul ins(%a, %b : memref<8x64xf32>, memref<64x32xf32>) outs(%c : memref<8x32xf32>)
  return
}

// i8 x i8 -> i32 (signed) has its own kernel.
// CHECK-LABEL: func.func @int8
// CHECK: call @rotq_ukernel_matmul_tb_i8i8i32
func.func @int8(%a: memref<4x64xi8>, %b: memref<16x64xi8>, %c: memref<4x16xi32>) {
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
    ins(%a, %b : memref<4x64xi8>, memref<16x64xi8>) outs(%c : memref<4x16xi32>)
  return
}

// No kernel: unsigned integer operands, f64, transposed A, tensors.
// CHECK-LABEL: func.func @left_alone
// CHECK-NOT: call
// CHECK-COUNT-4: linalg.matmul
func.func @left_alone(%a: memref<4x64xi8>, %b: memref<64x16xi8>, %c: memref<4x16xi32>,
                      %d: memref<4x8xf64>, %e: memref<8x4xf64>, %f: memref<4x4xf64>,
                      %g: memref<8x4xf32>, %h: memref<8x4xf32>, %i: memref<4x4xf32>,
                      %t: tensor<4x8xf32>, %u: tensor<8x4xf32>, %v: tensor<4x4xf32>) -> tensor<4x4xf32> {
  linalg.matmul {cast = #linalg.type_fn<cast_unsigned>}
    ins(%a, %b : memref<4x64xi8>, memref<64x16xi8>) outs(%c : memref<4x16xi32>)
  linalg.matmul ins(%d, %e : memref<4x8xf64>, memref<8x4xf64>) outs(%f : memref<4x4xf64>)
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (k, m)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>]
    ins(%g, %h : memref<8x4xf32>, memref<8x4xf32>) outs(%i : memref<4x4xf32>)
  %r = linalg.matmul ins(%t, %u : tensor<4x8xf32>, tensor<8x4xf32>) outs(%v : tensor<4x4xf32>) -> tensor<4x4xf32>
  return %r : tensor<4x4xf32>
}
