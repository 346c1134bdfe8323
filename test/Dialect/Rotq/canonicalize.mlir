// Exact canonicalizations only; quantize/dequantize pairs are never folded.
// RUN: rotq-opt %s -canonicalize | FileCheck %s
// The composed rotations compute what the two did (on the CPU lowering):
// RUN: rotq-opt %s -canonicalize -o %t.mlir
// RUN: rotq-run --compare %s %t.mlir -e rotate_compose --random-inputs --rel-tol 1e-6
// RUN: rotq-run --compare %s %t.mlir -e rotate_not_orthogonal --random-inputs --rel-tol 1e-6

// CHECK-LABEL: func @hadamard_pow2_self_inverse
// CHECK-NEXT: return %arg0
func.func @hadamard_pow2_self_inverse(%x: tensor<3x16xf32>) -> tensor<3x16xf32> {
  %0 = rotq.hadamard %x : tensor<3x16xf32>
  %1 = rotq.hadamard %0 : tensor<3x16xf32>
  return %1 : tensor<3x16xf32>
}

// H_12 (Paley I) is not symmetric: H*H is not the identity...
// CHECK-LABEL: func @hadamard_paley_not_self_inverse
// CHECK-COUNT-2: rotq.hadamard
func.func @hadamard_paley_not_self_inverse(%x: tensor<3x12xf32>) -> tensor<3x12xf32> {
  %0 = rotq.hadamard %x : tensor<3x12xf32>
  %1 = rotq.hadamard %0 : tensor<3x12xf32>
  return %1 : tensor<3x12xf32>
}

// ...but H followed by H^T is.
// CHECK-LABEL: func @hadamard_paley_transpose_pair
// CHECK-NEXT: return %arg0
func.func @hadamard_paley_transpose_pair(%x: tensor<3x12xf32>) -> tensor<3x12xf32> {
  %0 = rotq.hadamard %x : tensor<3x12xf32>
  %1 = rotq.hadamard %0 {transpose} : tensor<3x12xf32>
  return %1 : tensor<3x12xf32>
}

// diag(s)H is not self-inverse, even for a symmetric H.
// CHECK-LABEL: func @hadamard_signs_not_self_inverse
// CHECK-COUNT-2: rotq.hadamard
func.func @hadamard_signs_not_self_inverse(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = rotq.hadamard %x {signs = array<i8: 1, -1, 1, -1>} : tensor<4xf32>
  %1 = rotq.hadamard %0 {signs = array<i8: 1, -1, 1, -1>} : tensor<4xf32>
  return %1 : tensor<4xf32>
}

// Its inverse H diag(s) is the transposed op with the same signs.
// CHECK-LABEL: func @hadamard_signs_inverse_pair
// CHECK-NEXT: return %arg0
func.func @hadamard_signs_inverse_pair(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = rotq.hadamard %x {signs = array<i8: 1, -1, 1, -1>, transpose} : tensor<4xf32>
  %1 = rotq.hadamard %0 {signs = array<i8: 1, -1, 1, -1>} : tensor<4xf32>
  return %1 : tensor<4xf32>
}

// Different signs or block sizes do not cancel.
// CHECK-LABEL: func @hadamard_mismatch
// CHECK-COUNT-4: rotq.hadamard
func.func @hadamard_mismatch(%x: tensor<8xf32>) -> tensor<8xf32> {
  %0 = rotq.hadamard %x {signs = array<i8: 1, -1, 1, -1, 1, 1, 1, 1>} : tensor<8xf32>
  %1 = rotq.hadamard %0 {signs = array<i8: 1, 1, 1, -1, 1, 1, 1, 1>, transpose} : tensor<8xf32>
  %2 = rotq.hadamard %1 {block_size = 4} : tensor<8xf32>
  %3 = rotq.hadamard %2 : tensor<8xf32>
  return %3 : tensor<8xf32>
}

// All-+1 signs mean no signs; order 1 without signs is the identity.
// CHECK-LABEL: func @hadamard_trivial
// CHECK-NEXT: return %arg0
func.func @hadamard_trivial(%x: tensor<8xf32>, %y: tensor<5x1xf32>) -> tensor<8xf32> {
  %0 = rotq.hadamard %x {signs = array<i8: 1, 1, 1, 1, 1, 1, 1, 1>} : tensor<8xf32>
  %1 = rotq.hadamard %0 : tensor<8xf32>
  %2 = rotq.hadamard %1 {block_size = 1} : tensor<8xf32>
  return %2 : tensor<8xf32>
}

// CHECK-LABEL: func @permute_compose
// CHECK-NEXT: %[[P:.*]] = rotq.permute %arg0 [2, 3, 0, 1] : tensor<2x4xf32>
// CHECK-NEXT: return %[[P]]
func.func @permute_compose(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  // y[i] = z[p2[i]] = x[p1[p2[i]]]: p1 = [1,2,3,0], p2 = [1,2,3,0] -> [2,3,0,1]
  %0 = rotq.permute %x [1, 2, 3, 0] : tensor<2x4xf32>
  %1 = rotq.permute %0 [1, 2, 3, 0] : tensor<2x4xf32>
  return %1 : tensor<2x4xf32>
}

// CHECK-LABEL: func @permute_inverse_pair
// CHECK-NEXT: return %arg0
func.func @permute_inverse_pair(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %0 = rotq.permute %x [1, 2, 3, 0] : tensor<2x4xf32>
  %1 = rotq.permute %0 [3, 0, 1, 2] : tensor<2x4xf32>
  return %1 : tensor<2x4xf32>
}

// CHECK-LABEL: func @rotate_same_value_transposed
// CHECK-NEXT: return %arg0
func.func @rotate_same_value_transposed(%x: tensor<2x4xf32>, %r: tensor<4x4xf32>) -> tensor<2x4xf32> {
  %0 = rotq.rotate %x, %r : tensor<2x4xf32>, tensor<4x4xf32>
  %1 = rotq.rotate %0, %r {transpose} : tensor<2x4xf32>, tensor<4x4xf32>
  return %1 : tensor<2x4xf32>
}

// R then R^T as two constants (R is a rotation by 90 degrees in two planes).
// CHECK-LABEL: func @rotate_constant_transpose
// CHECK-NEXT: return %arg0
func.func @rotate_constant_transpose(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %r = arith.constant dense<[[0.0, 1.0, 0.0, 0.0], [-1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, -1.0], [0.0, 0.0, 1.0, 0.0]]> : tensor<4x4xf32>
  %rt = arith.constant dense<[[0.0, -1.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0], [0.0, 0.0, -1.0, 0.0]]> : tensor<4x4xf32>
  %0 = rotq.rotate %x, %r : tensor<2x4xf32>, tensor<4x4xf32>
  %1 = rotq.rotate %0, %rt : tensor<2x4xf32>, tensor<4x4xf32>
  return %1 : tensor<2x4xf32>
}

// A constant that is its own transpose but not orthogonal is not an
// inverse pair: no identity, only the composition (by R R = 2 R).
// CHECK-LABEL: func @rotate_not_orthogonal
// CHECK: %[[Y:.*]] = rotq.rotate %arg0
// CHECK-NEXT: return %[[Y]]
func.func @rotate_not_orthogonal(%x: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %r = arith.constant dense<[[1.0, 1.0], [1.0, 1.0]]> : tensor<2x2xf32>
  %0 = rotq.rotate %x, %r : tensor<2x2xf32>, tensor<2x2xf32>
  %1 = rotq.rotate %0, %r : tensor<2x2xf32>, tensor<2x2xf32>
  return %1 : tensor<2x2xf32>
}

// CHECK-LABEL: func @quantize_dequantize_kept
// CHECK: rotq.quantize
// CHECK: rotq.dequantize
func.func @quantize_dequantize_kept(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %q, %s = rotq.quantize %x {bits = 8, granularity = #rotq.granularity<row>} : tensor<2x4xf32> -> tensor<2x4xi8>, tensor<2x1xf32>
  %y = rotq.dequantize %q scale(%s : tensor<2x1xf32>) : tensor<2x4xi8> -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// CHECK-LABEL: func @unpack_pack
// CHECK-NEXT: return %arg0
func.func @unpack_pack(%q: tensor<3x8xi8>) -> tensor<3x8xi8> {
  %p = rotq.pack %q {bits = 4} : tensor<3x8xi8> -> tensor<3x4xi8>
  %u = rotq.unpack %p {bits = 4} : tensor<3x4xi8> -> tensor<3x8xi8>
  return %u : tensor<3x8xi8>
}

// Two rotations by constant matrices of one shape compose into one rotation
// by their product (per block), computed in float64: [[0.6, -0.8], [0.8,
// 0.6]] then [[0, 1], [-1, 0]] is [[0.8, 0.6], [-0.6, 0.8]]; through
// arith.truncf of f64 constants too, rounding the product once.
// CHECK-LABEL: func @rotate_compose
// CHECK: %[[M:.*]] = arith.constant dense_resource<composed_rotation{{.*}}> : tensor<2x2xf64>
// CHECK: %[[T:.*]] = arith.truncf %[[M]] : tensor<2x2xf64> to tensor<2x2xf32>
// CHECK: %[[Y:.*]] = rotq.rotate %arg0, %[[T]] : tensor<3x4xf32>, tensor<2x2xf32>
// CHECK-NEXT: return %[[Y]]
func.func @rotate_compose(%x: tensor<3x4xf32>) -> tensor<3x4xf32> {
  %a64 = arith.constant dense<[[0.6, -0.8], [0.8, 0.6]]> : tensor<2x2xf64>
  %b64 = arith.constant dense<[[0.0, 1.0], [-1.0, 0.0]]> : tensor<2x2xf64>
  %a = arith.truncf %a64 : tensor<2x2xf64> to tensor<2x2xf32>
  %b = arith.truncf %b64 : tensor<2x2xf64> to tensor<2x2xf32>
  %0 = rotq.rotate %x, %a : tensor<3x4xf32>, tensor<2x2xf32>
  %1 = rotq.rotate %0, %b : tensor<3x4xf32>, tensor<2x2xf32>
  return %1 : tensor<3x4xf32>
}

// Not when the first rotation has another user, or the shapes differ.
// CHECK-LABEL: func @rotate_no_compose
// CHECK-COUNT-3: rotq.rotate
func.func @rotate_no_compose(%x: tensor<3x4xf32>) -> (tensor<3x4xf32>, tensor<3x4xf32>, tensor<3x4xf32>) {
  %a = arith.constant dense<[[0.6, -0.8], [0.8, 0.6]]> : tensor<2x2xf32>
  %h = arith.constant dense<[[0.5, 0.5, 0.5, 0.5], [0.5, -0.5, 0.5, -0.5], [0.5, 0.5, -0.5, -0.5], [0.5, -0.5, -0.5, 0.5]]> : tensor<4x4xf32>
  %0 = rotq.rotate %x, %a : tensor<3x4xf32>, tensor<2x2xf32>
  %1 = rotq.rotate %0, %a : tensor<3x4xf32>, tensor<2x2xf32>
  %2 = rotq.rotate %0, %h : tensor<3x4xf32>, tensor<4x4xf32>
  return %0, %1, %2 : tensor<3x4xf32>, tensor<3x4xf32>, tensor<3x4xf32>
}

// No protected direction: rotq.protect is the linear's result.
// CHECK-LABEL: func @protect_rank_zero
// CHECK-NEXT: return %arg0
func.func @protect_rank_zero(%y: tensor<3x6xf32>, %x: tensor<3x8xf32>, %p: tensor<0x8xf32>, %c: tensor<6x0xf32>) -> tensor<3x6xf32> {
  %z = rotq.protect %y, %x directions(%p : tensor<0x8xf32>) correction(%c : tensor<6x0xf32>) : tensor<3x8xf32> -> tensor<3x6xf32>
  return %z : tensor<3x6xf32>
}

// CHECK-LABEL: func @protect_kept
// CHECK: rotq.protect
func.func @protect_kept(%y: tensor<3x6xf32>, %x: tensor<3x8xf32>, %p: tensor<1x8xf32>, %c: tensor<6x1xf32>) -> tensor<3x6xf32> {
  %z = rotq.protect %y, %x directions(%p : tensor<1x8xf32>) correction(%c : tensor<6x1xf32>) : tensor<3x8xf32> -> tensor<3x6xf32>
  return %z : tensor<3x6xf32>
}
