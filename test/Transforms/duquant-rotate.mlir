// rotq-duquant-rotate: X -> X B1 P B2 online (block rotations sharing one
// matrix, the permutation), W -> W B1 P B2 fused. Exact; o_proj's B1 goes
// into v_proj when its blocks lie within heads. Dropping any online op
// breaks it.
// REQUIRES: numpy
// RUN: rotq-opt %s --rotq-duquant-rotate | FileCheck %s
// RUN: rotq-opt %s --rotq-duquant-rotate -o %t.mlir
// RUN: rotq-run --compare %s %t.mlir -e qkv --random-inputs --dynamic-size 3 --rel-tol 1e-6
// RUN: rotq-run --compare %s %t.mlir -e attn_fused --random-inputs --dynamic-size 5 --rel-tol 1e-6
// RUN: rotq-run --compare %s %t.mlir -e attn_online --random-inputs --dynamic-size 5 --rel-tol 1e-6
// RUN: rotq-run --compare %s %t.mlir -e composed --random-inputs --dynamic-size 3 --rel-tol 1e-6
// RUN: rotq-opt %s --rotq-duquant-rotate="fuse-value-rotation=false" | FileCheck %s --check-prefix=NOFUSE
// RUN: rotq-opt %s --rotq-duquant-rotate=report=true -o /dev/null 2>&1 | FileCheck %s --check-prefix=REPORT
// RUN: %python %inputs/drop_online.py %t.mlir %t.r.mlir --op rotate --index 0
// RUN: not rotq-run --compare %s %t.r.mlir -e qkv --random-inputs --dynamic-size 3 --rel-tol 1e-3 2>&1 | FileCheck %s --check-prefix=BROKEN
// RUN: %python %inputs/drop_online.py %t.mlir %t.p.mlir --op permute --index 0
// RUN: not rotq-run --compare %s %t.p.mlir -e qkv --random-inputs --dynamic-size 3 --rel-tol 1e-3 2>&1 | FileCheck %s --check-prefix=BROKEN
// RUN: %python %inputs/drop_online.py %t.mlir %t.r2.mlir --op rotate --index 1
// RUN: not rotq-run --compare %s %t.r2.mlir -e qkv --random-inputs --dynamic-size 3 --rel-tol 1e-3 2>&1 | FileCheck %s --check-prefix=BROKEN
// BROKEN: error: rel_err exceeds --rel-tol 0.001000

// CHECK-LABEL: func @qkv
// The matrices once, as f64 constants shared by weights and activations.
// Weights, in float64:
// CHECK: %[[W0:.*]] = arith.extf %{{.*}} : tensor<3x4xf32> to tensor<3x4xf64>
// CHECK: %[[W1:.*]] = rotq.rotate %[[W0]], %[[R1:.*]] : tensor<3x4xf64>, tensor<2x2xf64>
// CHECK: %[[W2:.*]] = rotq.permute %[[W1]] [2, 0, 3, 1] : tensor<3x4xf64>
// CHECK: %[[W3:.*]] = rotq.rotate %[[W2]], %[[R2:.*]] : tensor<3x4xf64>, tensor<2x2xf64>
// CHECK: %[[W:.*]] = arith.truncf %[[W3]]
// Online, once for both readers: B1, P, B2.
// CHECK: %[[M1:.*]] = arith.truncf %[[R1]] : tensor<2x2xf64> to tensor<2x2xf32>
// CHECK: %[[X1:.*]] = rotq.rotate %arg0, %[[M1]] : tensor<?x4xf32>, tensor<2x2xf32>
// CHECK: %[[X2:.*]] = rotq.permute %[[X1]] [2, 0, 3, 1] : tensor<?x4xf32>
// CHECK: %[[M2:.*]] = arith.truncf %[[R2]]
// CHECK: %[[X3:.*]] = rotq.rotate %[[X2]], %[[M2]] : tensor<?x4xf32>, tensor<2x2xf32>
// CHECK-NOT: rotq.duquant
// CHECK: rotq.linear %[[X3]], %[[W]]
// CHECK: rotq.rotate %{{.*}}, %[[R1]] : tensor<2x4xf64>
// CHECK: rotq.linear %[[X3]]
// REPORT: remark: DuQuant transform of the input of {{.*}} (block 2): online: rotation 1 permutation rotation 2
func.func @qkv(%x: tensor<?x4xf32>) -> (tensor<?x3xf32>, tensor<?x2xf32>) {
  %wq = arith.constant dense<[[1.0, 0.0, 2.0, -1.0], [0.5, 3.0, -2.0, 1.0], [0.0, 1.0, 1.0, 1.0]]> : tensor<3x4xf32>
  %wk = arith.constant dense<[[2.0, 2.0, -1.0, 0.0], [1.0, -1.0, 0.5, 0.0]]> : tensor<2x4xf32>
  %q = rotq.linear %x, %wq {rotq.duquant.rotation1 = dense<[[0.6, -0.8], [0.8, 0.6]]> : tensor<2x2xf64>, rotq.duquant.permutation = array<i64: 2, 0, 3, 1>, rotq.duquant.rotation2 = dense<[[0.0, 1.0], [-1.0, 0.0]]> : tensor<2x2xf64>} : tensor<?x4xf32>, tensor<3x4xf32> -> tensor<?x3xf32>
  %k = rotq.linear %x, %wk {rotq.duquant.rotation1 = dense<[[0.6, -0.8], [0.8, 0.6]]> : tensor<2x2xf64>, rotq.duquant.permutation = array<i64: 2, 0, 3, 1>, rotq.duquant.rotation2 = dense<[[0.0, 1.0], [-1.0, 0.0]]> : tensor<2x2xf64>} : tensor<?x4xf32>, tensor<2x4xf32> -> tensor<?x2xf32>
  return %q, %k : tensor<?x3xf32>, tensor<?x2xf32>
}

// o_proj, 4 query heads over 2 value heads of size 2, block 2: B1 fused
// into v_proj's output side (its rows, through a transpose, and its bias);
// only P stays online.
// CHECK-LABEL: func @attn_fused
// CHECK: %[[VT:.*]] = linalg.transpose ins(%{{.*}} : tensor<4x4xf64>)
// CHECK: %[[VR:.*]] = rotq.rotate %[[VT]], %{{.*}} : tensor<4x4xf64>, tensor<2x2xf64>
// CHECK: linalg.transpose ins(%[[VR]] : tensor<4x4xf64>)
// CHECK: rotq.rotate %{{.*}}, %{{.*}} : tensor<4xf64>, tensor<2x2xf64>
// CHECK: %[[A:.*]] = rotq.attention
// CHECK: %[[C:.*]] = tensor.collapse_shape %[[A]]
// CHECK-NOT: rotq.rotate %[[C]]
// CHECK: %[[P:.*]] = rotq.permute %[[C]] [1, 0, 3, 2, 5, 4, 7, 6] : tensor<?x8xf32>
// CHECK: rotq.linear %[[P]]
// REPORT: remark: DuQuant transform of the input of {{.*}} (block 2): rotation 1 fused into the output side of {{.*}}; online: permutation
// NOFUSE-LABEL: func @attn_fused
// NOFUSE: %[[A:.*]] = rotq.attention
// NOFUSE: %[[C:.*]] = tensor.collapse_shape %[[A]]
// NOFUSE: rotq.rotate %[[C]]
func.func @attn_fused(%x: tensor<?x4xf32>, %q: tensor<?x4x2xf32>, %k: tensor<?x2x2xf32>) -> tensor<?x4xf32> {
  %c0 = arith.constant 0 : index
  %s = tensor.dim %x, %c0 : tensor<?x4xf32>
  %wv = arith.constant dense<[[1.0, 0.0, 2.0, -1.0], [0.5, 3.0, -2.0, 1.0], [0.0, 1.0, 1.0, 1.0], [2.0, 2.0, -1.0, 0.0]]> : tensor<4x4xf32>
  %bv = arith.constant dense<[0.1, -0.2, 0.3, 0.4]> : tensor<4xf32>
  %wo = arith.constant dense<[[1.0, 0.0, 2.0, -1.0, 0.5, 3.0, -2.0, 1.0], [0.0, 1.0, 1.0, 1.0, 2.0, 2.0, -1.0, 0.0], [1.0, -1.0, 0.5, 0.0, 0.0, 2.0, 1.0, 1.0], [1.0, 1.0, 1.0, -3.0, 0.3, -1.0, 0.5, 2.0]]> : tensor<4x8xf32>
  %v = rotq.linear %x, %wv bias(%bv : tensor<4xf32>) : tensor<?x4xf32>, tensor<4x4xf32> -> tensor<?x4xf32>
  %v3 = tensor.expand_shape %v [[0], [1, 2]] output_shape [%s, 2, 2] : tensor<?x4xf32> into tensor<?x2x2xf32>
  %a = rotq.attention %q, %k, %v3 {scale = 0.5 : f64, causal} : tensor<?x4x2xf32>, tensor<?x2x2xf32>, tensor<?x2x2xf32> -> tensor<?x4x2xf32>
  %a2 = tensor.collapse_shape %a [[0], [1, 2]] : tensor<?x4x2xf32> into tensor<?x8xf32>
  %y = rotq.linear %a2, %wo {rotq.duquant.rotation1 = dense<[[0.6, -0.8], [0.8, 0.6]]> : tensor<2x2xf64>, rotq.duquant.permutation = array<i64: 1, 0, 3, 2, 5, 4, 7, 6>} : tensor<?x8xf32>, tensor<4x8xf32> -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}

// Block 4 across heads of size 2: B1 stays online.
// CHECK-LABEL: func @attn_online
// CHECK: %[[A:.*]] = rotq.attention
// CHECK: %[[C:.*]] = tensor.collapse_shape %[[A]]
// CHECK: rotq.rotate %[[C]], %{{.*}} : tensor<?x8xf32>, tensor<4x4xf32>
func.func @attn_online(%x: tensor<?x4xf32>, %q: tensor<?x4x2xf32>, %k: tensor<?x2x2xf32>) -> tensor<?x4xf32> {
  %c0 = arith.constant 0 : index
  %s = tensor.dim %x, %c0 : tensor<?x4xf32>
  %wv = arith.constant dense<[[1.0, 0.0, 2.0, -1.0], [0.5, 3.0, -2.0, 1.0], [0.0, 1.0, 1.0, 1.0], [2.0, 2.0, -1.0, 0.0]]> : tensor<4x4xf32>
  %wo = arith.constant dense<[[1.0, 0.0, 2.0, -1.0, 0.5, 3.0, -2.0, 1.0], [0.0, 1.0, 1.0, 1.0, 2.0, 2.0, -1.0, 0.0], [1.0, -1.0, 0.5, 0.0, 0.0, 2.0, 1.0, 1.0], [1.0, 1.0, 1.0, -3.0, 0.3, -1.0, 0.5, 2.0]]> : tensor<4x8xf32>
  %v = rotq.linear %x, %wv : tensor<?x4xf32>, tensor<4x4xf32> -> tensor<?x4xf32>
  %v3 = tensor.expand_shape %v [[0], [1, 2]] output_shape [%s, 2, 2] : tensor<?x4xf32> into tensor<?x2x2xf32>
  %a = rotq.attention %q, %k, %v3 {scale = 0.5 : f64, causal} : tensor<?x4x2xf32>, tensor<?x2x2xf32>, tensor<?x2x2xf32> -> tensor<?x4x2xf32>
  %a2 = tensor.collapse_shape %a [[0], [1, 2]] : tensor<?x4x2xf32> into tensor<?x8xf32>
  %y = rotq.linear %a2, %wo {rotq.duquant.rotation1 = dense<[[0.5, 0.5, 0.5, 0.5], [0.5, -0.5, 0.5, -0.5], [0.5, 0.5, -0.5, -0.5], [0.5, -0.5, -0.5, 0.5]]> : tensor<4x4xf64>} : tensor<?x8xf32>, tensor<4x8xf32> -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}

// No permutation between the rotations: they compose (as rotq.rotate's
// canonicalization would), online and in the weight: one rotation each, by
// [[0.6, -0.8], [0.8, 0.6]] [[0, 1], [-1, 0]].
// CHECK-LABEL: func @composed
// CHECK: %[[R12:.*]] = arith.constant dense<{{\[}}[8.000000e-01, 6.000000e-01], [-6.000000e-01, 8.000000e-01]]> : tensor<2x2xf64>
// CHECK: %[[W0:.*]] = arith.extf
// CHECK: %[[W1:.*]] = rotq.rotate %[[W0]], %[[R12]] : tensor<3x4xf64>, tensor<2x2xf64>
// CHECK-NEXT: arith.truncf %[[W1]]
// CHECK: %[[M:.*]] = arith.truncf %[[R12]] : tensor<2x2xf64> to tensor<2x2xf32>
// CHECK: %[[X:.*]] = rotq.rotate %arg0, %[[M]] : tensor<?x4xf32>, tensor<2x2xf32>
// CHECK-NOT: rotq.rotate %[[X]]
// REPORT: remark: DuQuant transform of the input of {{.*}} (block 2): online: rotations 1 and 2 (composed into one)
func.func @composed(%x: tensor<?x4xf32>) -> tensor<?x3xf32> {
  %wq = arith.constant dense<[[1.0, 0.0, 2.0, -1.0], [0.5, 3.0, -2.0, 1.0], [0.0, 1.0, 1.0, 1.0]]> : tensor<3x4xf32>
  %q = rotq.linear %x, %wq {rotq.duquant.rotation1 = dense<[[0.6, -0.8], [0.8, 0.6]]> : tensor<2x2xf64>, rotq.duquant.rotation2 = dense<[[0.0, 1.0], [-1.0, 0.0]]> : tensor<2x2xf64>} : tensor<?x4xf32>, tensor<3x4xf32> -> tensor<?x3xf32>
  return %q : tensor<?x3xf32>
}
