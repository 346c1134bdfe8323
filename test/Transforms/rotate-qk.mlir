// rotq-rotate-qk: the same Hadamard on queries and keys leaves attention
// unchanged (GQA, 8 = 2^3 head size); on one side only it does not.
// REQUIRES: numpy
// RUN: rotq-opt %s --rotq-rotate-qk | FileCheck %s
// RUN: rotq-opt %s --rotq-rotate-qk -o %t.mlir
// RUN: rotq-run --compare %s %t.mlir -e attn --random-inputs --dynamic-size 6 --rel-tol 1e-5
// RUN: %python %inputs/drop_online.py %t.mlir %t.broken.mlir
// RUN: not rotq-run --compare %s %t.broken.mlir -e attn --random-inputs --dynamic-size 6 --rel-tol 1e-3 2>&1 | FileCheck %s --check-prefix=BROKEN
// BROKEN: error: rel_err exceeds --rel-tol 0.001000

// CHECK-LABEL: func @attn
// CHECK-SAME: (%[[Q:.*]]: tensor<?x4x8xf32>, %[[K:.*]]: tensor<?x2x8xf32>, %[[V:.*]]: tensor<?x2x8xf32>)
// CHECK-DAG: %[[HQ:.*]] = rotq.hadamard %[[Q]] : tensor<?x4x8xf32>
// CHECK-DAG: %[[HK:.*]] = rotq.hadamard %[[K]] : tensor<?x2x8xf32>
// CHECK: rotq.attention %[[HQ]], %[[HK]], %[[V]]
func.func @attn(%q: tensor<?x4x8xf32>, %k: tensor<?x2x8xf32>, %v: tensor<?x2x8xf32>) -> tensor<?x4x8xf32> {
  %a = rotq.attention %q, %k, %v {scale = 0.35 : f64, causal, window = 3} : tensor<?x4x8xf32>, tensor<?x2x8xf32>, tensor<?x2x8xf32> -> tensor<?x4x8xf32>
  return %a : tensor<?x4x8xf32>
}
