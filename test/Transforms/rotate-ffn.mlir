// rotq-rotate-ffn: an online Hadamard (12 = Paley I) before the down
// projection, paired with the fused one in its weight. Exact; dropping the
// online half breaks it.
// REQUIRES: numpy
// RUN: rotq-opt %s --rotq-rotate-ffn | FileCheck %s
// RUN: rotq-opt %s --rotq-rotate-ffn -o %t.mlir
// RUN: rotq-run --compare %s %t.mlir -e mlp --random-inputs --dynamic-size 3 --rel-tol 1e-5
// RUN: %python %inputs/drop_online.py %t.mlir %t.broken.mlir
// RUN: not rotq-run --compare %s %t.broken.mlir -e mlp --random-inputs --dynamic-size 3 --rel-tol 1e-3 2>&1 | FileCheck %s --check-prefix=BROKEN
// BROKEN: error: rel_err exceeds --rel-tol 0.001000

#id = affine_map<(d0, d1) -> (d0, d1)>

// CHECK-LABEL: func @mlp
// CHECK: %[[ACT:.*]] = linalg.generic
// CHECK: %[[W:.*]] = rotq.hadamard %{{.*}} : tensor<4x12xf32>
// CHECK: %[[H:.*]] = rotq.hadamard %[[ACT]] : tensor<?x12xf32>
// CHECK: rotq.linear %[[H]], %[[W]] : tensor<?x12xf32>, tensor<4x12xf32> -> tensor<?x4xf32>
// A linear whose input is not a gated activation is left alone.
// CHECK-LABEL: func @plain
// CHECK-NOT: rotq.hadamard
func.func @mlp(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %c0 = arith.constant 0 : index
  %s = tensor.dim %x, %c0 : tensor<?x4xf32>
  %wg = arith.constant dense<[[1.0, 0.0, 2.0, -1.0], [0.5, 3.0, -2.0, 1.0], [0.0, 1.0, 1.0, 1.0], [2.0, 2.0, -1.0, 0.0], [1.0, -1.0, 0.5, 0.0], [0.0, 2.0, 1.0, 1.0], [1.0, 1.0, 1.0, -3.0], [0.3, -1.0, 0.5, 2.0], [1.0, 0.0, 0.0, 1.0], [0.0, -1.0, 1.0, 0.0], [2.0, 0.0, 0.0, 0.5], [-1.0, -1.0, 1.0, 1.0]]> : tensor<12x4xf32>
  %wu = arith.constant dense<0.5> : tensor<12x4xf32>
  %wd = arith.constant dense<[[1.0, 0.0, 2.0, -1.0, 0.5, 3.0, -2.0, 1.0, 0.0, 1.0, 1.0, 1.0], [2.0, 2.0, -1.0, 0.0, 1.0, -1.0, 0.5, 0.0, 0.0, 2.0, 1.0, 1.0], [1.0, 1.0, 1.0, -3.0, 0.3, -1.0, 0.5, 2.0, 1.0, 0.0, 0.0, 1.0], [0.0, -1.0, 1.0, 0.0, 2.0, 0.0, 0.0, 0.5, -1.0, -1.0, 1.0, 1.0]]> : tensor<4x12xf32>
  %g = rotq.linear %x, %wg : tensor<?x4xf32>, tensor<12x4xf32> -> tensor<?x12xf32>
  %u = rotq.linear %x, %wu : tensor<?x4xf32>, tensor<12x4xf32> -> tensor<?x12xf32>
  %e = tensor.empty(%s) : tensor<?x12xf32>
  %act = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]} ins(%g, %u : tensor<?x12xf32>, tensor<?x12xf32>) outs(%e : tensor<?x12xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %one = arith.constant 1.0 : f32
    %n = arith.negf %a : f32
    %ex = math.exp %n : f32
    %den = arith.addf %one, %ex : f32
    %sg = arith.divf %a, %den : f32
    %r = arith.mulf %sg, %b : f32
    linalg.yield %r : f32
  } -> tensor<?x12xf32>
  %y = rotq.linear %act, %wd : tensor<?x12xf32>, tensor<4x12xf32> -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}

func.func @plain(%x: tensor<?x12xf32>) -> tensor<?x4xf32> {
  %wd = arith.constant dense<1.0> : tensor<4x12xf32>
  %y = rotq.linear %x, %wd : tensor<?x12xf32>, tensor<4x12xf32> -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}
