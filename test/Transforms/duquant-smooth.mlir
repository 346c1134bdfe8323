// rotq-duquant-smooth: X W^T = (X / L)(W L)^T with the division fused into
// the norm's weight, up_proj's rows or v_proj's rows (grouped heads when L
// is shared), else online. Exact in every case.
// REQUIRES: numpy
// RUN: rotq-opt %s --rotq-duquant-smooth | FileCheck %s
// RUN: rotq-opt %s --rotq-duquant-smooth -o %t.mlir
// RUN: rotq-run --compare %s %t.mlir -e norm --random-inputs --dynamic-size 3 --rel-tol 1e-6
// RUN: rotq-run --compare %s %t.mlir -e scale_free --random-inputs --dynamic-size 3 --rel-tol 1e-6
// RUN: rotq-run --compare %s %t.mlir -e mlp --random-inputs --dynamic-size 3 --rel-tol 1e-6
// RUN: rotq-run --compare %s %t.mlir -e attn --random-inputs --dynamic-size 5 --rel-tol 1e-6
// RUN: rotq-run --compare %s %t.mlir -e attn_unshared --random-inputs --dynamic-size 5 --rel-tol 1e-6
// RUN: rotq-run --compare %s %t.mlir -e online --random-inputs --dynamic-size 3 --rel-tol 1e-6
// RUN: rotq-opt %s --rotq-duquant-smooth=report=true -o /dev/null 2>&1 | FileCheck %s --check-prefix=REPORT

#id = affine_map<(d0, d1) -> (d0, d1)>

// The norm's weight g becomes g / L, both weights W L, in float64.
// CHECK-LABEL: func @norm
// CHECK: %[[G64:.*]] = arith.extf %{{.*}} : tensor<4xf32> to tensor<4xf64>
// CHECK: %[[INV:.*]] = arith.constant dense<[5.000000e-01, 2.000000e+00, 2.500000e-01, 1.000000e+00]> : tensor<4xf64>
// CHECK: %[[G2:.*]] = rotq.scale %[[G64]], %[[INV]] {axis = 0 : i64}
// CHECK: %[[G:.*]] = arith.truncf %[[G2]]
// CHECK: %[[N:.*]] = rotq.rms_norm %{{.*}} scale(%[[G]] : tensor<4xf32>)
// CHECK: %[[L:.*]] = arith.constant dense<[2.000000e+00, 5.000000e-01, 4.000000e+00, 1.000000e+00]> : tensor<4xf64>
// CHECK: rotq.scale %{{.*}}, %[[L]] {axis = 1 : i64} : tensor<3x4xf64>
// CHECK-NOT: rotq.duquant.smooth
// CHECK: rotq.linear %[[N]]
// CHECK: rotq.scale %{{.*}}, %{{.*}} {axis = 1 : i64} : tensor<2x4xf64>
// CHECK: rotq.linear %[[N]]
// REPORT: remark: smoothing of the input of {{.*}}: fused into the norm's weight
func.func @norm(%x: tensor<?x4xf32>) -> (tensor<?x3xf32>, tensor<?x2xf32>) {
  %g = arith.constant dense<[1.0, 2.0, -0.5, 3.0]> : tensor<4xf32>
  %wq = arith.constant dense<[[1.0, 0.0, 2.0, -1.0], [0.5, 3.0, -2.0, 1.0], [0.0, 1.0, 1.0, 1.0]]> : tensor<3x4xf32>
  %wk = arith.constant dense<[[2.0, 2.0, -1.0, 0.0], [1.0, -1.0, 0.5, 0.0]]> : tensor<2x4xf32>
  %n = rotq.rms_norm %x scale(%g : tensor<4xf32>) {epsilon = 1.0e-05 : f64} : tensor<?x4xf32>
  %q = rotq.linear %n, %wq {rotq.duquant.smooth = dense<[2.0, 0.5, 4.0, 1.0]> : tensor<4xf64>} : tensor<?x4xf32>, tensor<3x4xf32> -> tensor<?x3xf32>
  %k = rotq.linear %n, %wk {rotq.duquant.smooth = dense<[2.0, 0.5, 4.0, 1.0]> : tensor<4xf64>} : tensor<?x4xf32>, tensor<2x4xf32> -> tensor<?x2xf32>
  return %q, %k : tensor<?x3xf32>, tensor<?x2xf32>
}

// A scale-free norm (QuaRot folded its weight) gets 1 / L as its weight.
// CHECK-LABEL: func @scale_free
// CHECK: %[[INV:.*]] = arith.constant dense<[5.000000e-01, 2.000000e+00, 2.500000e-01, 1.000000e+00]> : tensor<4xf64>
// CHECK: %[[G:.*]] = arith.truncf %[[INV]] : tensor<4xf64> to tensor<4xf32>
// CHECK: rotq.rms_norm %{{.*}} scale(%[[G]] : tensor<4xf32>)
func.func @scale_free(%x: tensor<?x4xf32>) -> tensor<?x3xf32> {
  %wq = arith.constant dense<[[1.0, 0.0, 2.0, -1.0], [0.5, 3.0, -2.0, 1.0], [0.0, 1.0, 1.0, 1.0]]> : tensor<3x4xf32>
  %n = rotq.rms_norm %x {epsilon = 1.0e-05 : f64} : tensor<?x4xf32>
  %q = rotq.linear %n, %wq {rotq.duquant.smooth = dense<[2.0, 0.5, 4.0, 1.0]> : tensor<4xf64>} : tensor<?x4xf32>, tensor<3x4xf32> -> tensor<?x3xf32>
  return %q : tensor<?x3xf32>
}

// down_proj: silu(gate) * up is linear in up, so up's rows (and bias) are
// divided by L; the gate is untouched.
// CHECK-LABEL: func @mlp
// CHECK: %[[G:.*]] = rotq.linear %arg0, %{{.*}} : tensor<?x4xf32>, tensor<6x4xf32>
// CHECK: %[[INV:.*]] = arith.constant dense<[1.000000e+00, 5.000000e-01, 2.000000e+00, 1.000000e+00, 1.000000e+00, 2.500000e-01]> : tensor<6xf64>
// CHECK: %[[U0:.*]] = rotq.scale %{{.*}}, %[[INV]] {axis = 0 : i64} : tensor<6x4xf64>
// CHECK: %[[U:.*]] = arith.truncf %[[U0]]
// CHECK: %[[B0:.*]] = rotq.scale %{{.*}}, %{{.*}} {axis = 0 : i64} : tensor<6xf64>
// CHECK: %[[B:.*]] = arith.truncf %[[B0]]
// CHECK: rotq.linear %arg0, %[[U]] bias(%[[B]] : tensor<6xf32>)
// REPORT: remark: smoothing of the input of {{.*}}: fused into the rows of rotq.linear
func.func @mlp(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %c0 = arith.constant 0 : index
  %s = tensor.dim %x, %c0 : tensor<?x4xf32>
  %wg = arith.constant dense<[[1.0, 0.0, 2.0, -1.0], [0.5, 3.0, -2.0, 1.0], [0.0, 1.0, 1.0, 1.0], [2.0, 2.0, -1.0, 0.0], [1.0, -1.0, 0.5, 0.0], [0.0, 2.0, 1.0, 1.0]]> : tensor<6x4xf32>
  %wu = arith.constant dense<[[1.0, 1.0, 1.0, -3.0], [0.3, -1.0, 0.5, 2.0], [1.0, 0.0, 0.0, 1.0], [0.0, -1.0, 1.0, 0.0], [2.0, 0.0, 0.0, 0.5], [-1.0, -1.0, 1.0, 1.0]]> : tensor<6x4xf32>
  %bu = arith.constant dense<[0.1, 0.2, -0.3, 0.4, 0.5, 0.6]> : tensor<6xf32>
  %wd = arith.constant dense<[[1.0, 0.0, 2.0, -1.0, 0.5, 3.0], [-2.0, 1.0, 0.0, 1.0, 1.0, 1.0], [2.0, 2.0, -1.0, 0.0, 1.0, -1.0], [0.5, 0.0, 0.0, 2.0, 1.0, 1.0]]> : tensor<4x6xf32>
  %g = rotq.linear %x, %wg : tensor<?x4xf32>, tensor<6x4xf32> -> tensor<?x6xf32>
  %u = rotq.linear %x, %wu bias(%bu : tensor<6xf32>) : tensor<?x4xf32>, tensor<6x4xf32> -> tensor<?x6xf32>
  %e = tensor.empty(%s) : tensor<?x6xf32>
  %act = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]} ins(%g, %u : tensor<?x6xf32>, tensor<?x6xf32>) outs(%e : tensor<?x6xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %one = arith.constant 1.0 : f32
    %n = arith.negf %a : f32
    %ex = math.exp %n : f32
    %den = arith.addf %one, %ex : f32
    %sg = arith.divf %a, %den : f32
    %r = arith.mulf %sg, %b : f32
    linalg.yield %r : f32
  } -> tensor<?x6xf32>
  %y = rotq.linear %act, %wd {rotq.duquant.smooth = dense<[1.0, 2.0, 0.5, 1.0, 1.0, 4.0]> : tensor<6xf64>} : tensor<?x6xf32>, tensor<4x6xf32> -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}

// o_proj with 4 query heads over 2 value heads (head size 2): L is equal
// across the heads of each value head, so v_proj's 4 rows take 1 / L of
// heads 0 and 2.
// CHECK-LABEL: func @attn
// CHECK: %[[INV:.*]] = arith.constant dense<[5.000000e-01, 1.000000e+00, 2.500000e-01, 2.000000e+00]> : tensor<4xf64>
// CHECK: rotq.scale %{{.*}}, %[[INV]] {axis = 0 : i64} : tensor<4x4xf64>
// CHECK: rotq.attention
// CHECK-NOT: rotq.scale %{{.*}} : tensor<?x
// CHECK: return
func.func @attn(%x: tensor<?x4xf32>, %q: tensor<?x4x2xf32>, %k: tensor<?x2x2xf32>) -> tensor<?x4xf32> {
  %c0 = arith.constant 0 : index
  %s = tensor.dim %x, %c0 : tensor<?x4xf32>
  %wv = arith.constant dense<[[1.0, 0.0, 2.0, -1.0], [0.5, 3.0, -2.0, 1.0], [0.0, 1.0, 1.0, 1.0], [2.0, 2.0, -1.0, 0.0]]> : tensor<4x4xf32>
  %wo = arith.constant dense<[[1.0, 0.0, 2.0, -1.0, 0.5, 3.0, -2.0, 1.0], [0.0, 1.0, 1.0, 1.0, 2.0, 2.0, -1.0, 0.0], [1.0, -1.0, 0.5, 0.0, 0.0, 2.0, 1.0, 1.0], [1.0, 1.0, 1.0, -3.0, 0.3, -1.0, 0.5, 2.0]]> : tensor<4x8xf32>
  %v = rotq.linear %x, %wv : tensor<?x4xf32>, tensor<4x4xf32> -> tensor<?x4xf32>
  %v3 = tensor.expand_shape %v [[0], [1, 2]] output_shape [%s, 2, 2] : tensor<?x4xf32> into tensor<?x2x2xf32>
  %a = rotq.attention %q, %k, %v3 {scale = 0.5 : f64, causal} : tensor<?x4x2xf32>, tensor<?x2x2xf32>, tensor<?x2x2xf32> -> tensor<?x4x2xf32>
  %a2 = tensor.collapse_shape %a [[0], [1, 2]] : tensor<?x4x2xf32> into tensor<?x8xf32>
  %y = rotq.linear %a2, %wo {rotq.duquant.smooth = dense<[2.0, 1.0, 2.0, 1.0, 4.0, 0.5, 4.0, 0.5]> : tensor<8xf64>} : tensor<?x8xf32>, tensor<4x8xf32> -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}

// L differs between heads 0 and 1 (which share value head 0): online.
// CHECK-LABEL: func @attn_unshared
// CHECK: %[[C:.*]] = tensor.collapse_shape
// CHECK: %[[INV:.*]] = arith.truncf %{{.*}} : tensor<8xf64> to tensor<8xf32>
// CHECK: %[[X:.*]] = rotq.scale %[[C]], %[[INV]] {axis = 1 : i64} : tensor<?x8xf32>, tensor<8xf32>
// CHECK: rotq.linear %[[X]]
// REPORT: remark: smoothing of the input of {{.*}}: online rotq.scale (nothing produces it linearly per channel: the factors differ between query heads that share a value head)
func.func @attn_unshared(%x: tensor<?x4xf32>, %q: tensor<?x4x2xf32>, %k: tensor<?x2x2xf32>) -> tensor<?x4xf32> {
  %c0 = arith.constant 0 : index
  %s = tensor.dim %x, %c0 : tensor<?x4xf32>
  %wv = arith.constant dense<[[1.0, 0.0, 2.0, -1.0], [0.5, 3.0, -2.0, 1.0], [0.0, 1.0, 1.0, 1.0], [2.0, 2.0, -1.0, 0.0]]> : tensor<4x4xf32>
  %wo = arith.constant dense<[[1.0, 0.0, 2.0, -1.0, 0.5, 3.0, -2.0, 1.0], [0.0, 1.0, 1.0, 1.0, 2.0, 2.0, -1.0, 0.0], [1.0, -1.0, 0.5, 0.0, 0.0, 2.0, 1.0, 1.0], [1.0, 1.0, 1.0, -3.0, 0.3, -1.0, 0.5, 2.0]]> : tensor<4x8xf32>
  %v = rotq.linear %x, %wv : tensor<?x4xf32>, tensor<4x4xf32> -> tensor<?x4xf32>
  %v3 = tensor.expand_shape %v [[0], [1, 2]] output_shape [%s, 2, 2] : tensor<?x4xf32> into tensor<?x2x2xf32>
  %a = rotq.attention %q, %k, %v3 {scale = 0.5 : f64, causal} : tensor<?x4x2xf32>, tensor<?x2x2xf32>, tensor<?x2x2xf32> -> tensor<?x4x2xf32>
  %a2 = tensor.collapse_shape %a [[0], [1, 2]] : tensor<?x4x2xf32> into tensor<?x8xf32>
  %y = rotq.linear %a2, %wo {rotq.duquant.smooth = dense<[2.0, 1.0, 3.0, 1.0, 4.0, 0.5, 4.0, 0.5]> : tensor<8xf64>} : tensor<?x8xf32>, tensor<4x8xf32> -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}

// Nothing produces a function argument: online.
// CHECK-LABEL: func @online
// CHECK: %[[X:.*]] = rotq.scale %arg0, %{{.*}} {axis = 1 : i64} : tensor<?x4xf32>, tensor<4xf32>
// CHECK: rotq.linear %[[X]]
func.func @online(%x: tensor<?x4xf32>) -> tensor<?x3xf32> {
  %wq = arith.constant dense<[[1.0, 0.0, 2.0, -1.0], [0.5, 3.0, -2.0, 1.0], [0.0, 1.0, 1.0, 1.0]]> : tensor<3x4xf32>
  %q = rotq.linear %x, %wq {rotq.duquant.smooth = dense<[2.0, 0.5, 4.0, 1.0]> : tensor<4xf64>} : tensor<?x4xf32>, tensor<3x4xf32> -> tensor<?x3xf32>
  return %q : tensor<?x3xf32>
}
