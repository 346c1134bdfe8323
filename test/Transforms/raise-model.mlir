// rotq-raise-model recognises the linalg spellings of linears, RMSNorms and
// embeddings that people write by hand (the imported forms are covered by
// the model tests), and leaves look-alikes alone. Raising is exact: the
// raised module computes the same values.
// RUN: rotq-opt %s --rotq-raise-model | FileCheck %s
// RUN: rotq-opt %s --rotq-raise-model -o %t.raised.mlir
// RUN: rotq-run --compare %s %t.raised.mlir -e transpose_then_matmul --random-inputs --rel-tol 1e-6
// RUN: rotq-run --compare %s %t.raised.mlir -e generic_contraction_bias --random-inputs --dynamic-size 7 --rel-tol 1e-6
// RUN: rotq-run --compare %s %t.raised.mlir -e rms_norm_chain --random-inputs --rel-tol 1e-6
// RUN: rotq-run --compare %s %t.raised.mlir -e rms_norm_recip_sqrt --random-inputs --rel-tol 1e-6
// RUN: rotq-run --compare %s %t.raised.mlir -e gather_unclamped --random-inputs --random-int-max 6 --rel-tol 0

#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
#col = affine_map<(d0, d1) -> (d1)>

// CHECK-LABEL: func @transpose_then_matmul
// CHECK-SAME: (%[[X:.*]]: tensor<3x4xf32>)
// CHECK: %[[W:.*]] = arith.constant dense<{{.*}}> : tensor<5x4xf32>
// CHECK: %[[Y:.*]] = rotq.linear %[[X]], %[[W]] : tensor<3x4xf32>, tensor<5x4xf32> -> tensor<3x5xf32>
// CHECK-NOT: linalg.matmul
// CHECK: return %[[Y]]
func.func @transpose_then_matmul(%x: tensor<3x4xf32>) -> tensor<3x5xf32> {
  %w = arith.constant dense<[[1.0, 2.0, 3.0, 4.0], [0.5, -1.0, 0.0, 2.0], [1.0, 1.0, 1.0, 1.0], [-2.0, 0.0, 1.0, 3.0], [0.0, 0.0, 0.0, 1.0]]> : tensor<5x4xf32>
  %e = tensor.empty() : tensor<4x5xf32>
  %wt = linalg.transpose ins(%w : tensor<5x4xf32>) outs(%e : tensor<4x5xf32>) permutation = [1, 0]
  %zero = arith.constant 0.0 : f32
  %o = tensor.empty() : tensor<3x5xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%o : tensor<3x5xf32>) -> tensor<3x5xf32>
  %y = linalg.matmul ins(%x, %wt : tensor<3x4xf32>, tensor<4x5xf32>) outs(%acc : tensor<3x5xf32>) -> tensor<3x5xf32>
  return %y : tensor<3x5xf32>
}

// CHECK-LABEL: func @generic_contraction_bias
// CHECK: rotq.linear %{{.*}}, %{{.*}} bias(%{{.*}} : tensor<2xf32>) : tensor<?x3xf32>, tensor<2x3xf32> -> tensor<?x2xf32>
// CHECK-NOT: linalg.generic
func.func @generic_contraction_bias(%x: tensor<?x3xf32>) -> tensor<?x2xf32> {
  %w = arith.constant dense<[[1.0, -1.0, 2.0], [0.25, 0.5, 4.0]]> : tensor<2x3xf32>
  %b = arith.constant dense<[10.0, -3.0]> : tensor<2xf32>
  %c0 = arith.constant 0 : index
  %s = tensor.dim %x, %c0 : tensor<?x3xf32>
  %zero = arith.constant 0.0 : f32
  %o = tensor.empty(%s) : tensor<?x2xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%o : tensor<?x2xf32>) -> tensor<?x2xf32>
  %mm = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x, %w : tensor<?x3xf32>, tensor<2x3xf32>) outs(%acc : tensor<?x2xf32>) {
  ^bb0(%a: f32, %bb: f32, %c: f32):
    %p = arith.mulf %a, %bb : f32
    %s2 = arith.addf %c, %p : f32
    linalg.yield %s2 : f32
  } -> tensor<?x2xf32>
  %y = linalg.generic {indexing_maps = [#col, #id, #id], iterator_types = ["parallel", "parallel"]} ins(%b, %mm : tensor<2xf32>, tensor<?x2xf32>) outs(%o : tensor<?x2xf32>) {
  ^bb0(%bi: f32, %v: f32, %out: f32):
    %r = arith.addf %v, %bi : f32
    linalg.yield %r : f32
  } -> tensor<?x2xf32>
  return %y : tensor<?x2xf32>
}

// An RMSNorm as a chain of one-op generics: square, row sum, mean,
// + eps, rsqrt, broadcast multiply, weight multiply.
// CHECK-LABEL: func @rms_norm_chain
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf32>)
// CHECK: %[[G:.*]] = arith.constant dense<{{.*}}> : tensor<8xf32>
// CHECK: %[[Y:.*]] = rotq.rms_norm %[[X]] scale(%[[G]] : tensor<8xf32>) {epsilon = 9.9999999747524271E-7 : f64} : tensor<4x8xf32>
// CHECK-NEXT: return %[[Y]]
func.func @rms_norm_chain(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %g = arith.constant dense<[1.0, 2.0, 0.5, 1.0, 3.0, 1.0, 1.0, -1.0]> : tensor<8xf32>
  %zero = arith.constant 0.0 : f32
  %n = arith.constant 8.0 : f32
  %eps = arith.constant 1.0e-6 : f32
  %e2 = tensor.empty() : tensor<4x8xf32>
  %sq = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<4x8xf32>) outs(%e2 : tensor<4x8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.mulf %a, %a : f32
    linalg.yield %m : f32
  } -> tensor<4x8xf32>
  %e1 = tensor.empty() : tensor<4xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e1 : tensor<4xf32>) -> tensor<4xf32>
  %ss = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]} ins(%sq : tensor<4x8xf32>) outs(%z : tensor<4xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %acc, %a : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  %mean = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%ss : tensor<4xf32>) outs(%e1 : tensor<4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %d = arith.divf %a, %n : f32
    linalg.yield %d : f32
  } -> tensor<4xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%mean : tensor<4xf32>) outs(%e1 : tensor<4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %p = arith.addf %a, %eps : f32
    %q = math.rsqrt %p : f32
    linalg.yield %q : f32
  } -> tensor<4xf32>
  %xn = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]} ins(%x, %r : tensor<4x8xf32>, tensor<4xf32>) outs(%e2 : tensor<4x8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.mulf %a, %b : f32
    linalg.yield %m : f32
  } -> tensor<4x8xf32>
  %y = linalg.generic {indexing_maps = [#id, #col, #id], iterator_types = ["parallel", "parallel"]} ins(%xn, %g : tensor<4x8xf32>, tensor<8xf32>) outs(%e2 : tensor<4x8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.mulf %b, %a : f32
    linalg.yield %m : f32
  } -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// x / sqrt(ss * (1/n) + eps), no weight.
// CHECK-LABEL: func @rms_norm_recip_sqrt
// CHECK: rotq.rms_norm %{{.*}} {epsilon = 9.9999997473787516E-6 : f64} : tensor<2x4xf32>
func.func @rms_norm_recip_sqrt(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %zero = arith.constant 0.0 : f32
  %inv = arith.constant 0.25 : f32
  %eps = arith.constant 1.0e-5 : f32
  %e1 = tensor.empty() : tensor<2xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e1 : tensor<2xf32>) -> tensor<2xf32>
  %ss = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]} ins(%x : tensor<2x4xf32>) outs(%z : tensor<2xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %m = arith.mulf %a, %a : f32
    %s = arith.addf %m, %acc : f32
    linalg.yield %s : f32
  } -> tensor<2xf32>
  %e2 = tensor.empty() : tensor<2x4xf32>
  %y = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]} ins(%x, %ss : tensor<2x4xf32>, tensor<2xf32>) outs(%e2 : tensor<2x4xf32>) {
  ^bb0(%a: f32, %s: f32, %o: f32):
    %m = arith.mulf %s, %inv : f32
    %p = arith.addf %eps, %m : f32
    %q = math.sqrt %p : f32
    %d = arith.divf %a, %q : f32
    linalg.yield %d : f32
  } -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// CHECK-LABEL: func @gather_unclamped
// CHECK: rotq.embedding %{{.*}}[%{{.*}}] : tensor<6x3xf32>, tensor<5xi64> -> tensor<5x3xf32>
func.func @gather_unclamped(%ids: tensor<5xi64>) -> tensor<5x3xf32> {
  %t = arith.constant dense<[[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0], [9.0, 10.0, 11.0], [12.0, 13.0, 14.0], [15.0, 16.0, 17.0]]> : tensor<6x3xf32>
  %e = tensor.empty() : tensor<5x3xf32>
  %y = linalg.generic {indexing_maps = [#row, #id], iterator_types = ["parallel", "parallel"]} ins(%ids : tensor<5xi64>) outs(%e : tensor<5x3xf32>) {
  ^bb0(%i: i64, %o: f32):
    %r = arith.index_cast %i : i64 to index
    %c = linalg.index 1 : index
    %v = tensor.extract %t[%r, %c] : tensor<6x3xf32>
    linalg.yield %v : f32
  } -> tensor<5x3xf32>
  return %y : tensor<5x3xf32>
}

// Look-alikes stay: a matmul accumulating into a non-zero init, a plain
// matmul of an untransposed weight, and a mean-square without the root.
// CHECK-LABEL: func @not_raised
// CHECK-NOT: rotq.
// CHECK: linalg.matmul
// CHECK: linalg.matmul
// CHECK-NOT: rotq.
// CHECK: return
func.func @not_raised(%x: tensor<3x4xf32>, %w: tensor<4x5xf32>, %acc: tensor<3x5xf32>) -> (tensor<3x5xf32>, tensor<3x5xf32>, tensor<3x4xf32>) {
  %wt = arith.constant dense<1.0> : tensor<5x4xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%x, %wt : tensor<3x4xf32>, tensor<5x4xf32>) outs(%acc : tensor<3x5xf32>) -> tensor<3x5xf32>
  %zero = arith.constant 0.0 : f32
  %o = tensor.empty() : tensor<3x5xf32>
  %z = linalg.fill ins(%zero : f32) outs(%o : tensor<3x5xf32>) -> tensor<3x5xf32>
  %y2 = linalg.matmul ins(%x, %w : tensor<3x4xf32>, tensor<4x5xf32>) outs(%z : tensor<3x5xf32>) -> tensor<3x5xf32>
  %e1 = tensor.empty() : tensor<3xf32>
  %z1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<3xf32>) -> tensor<3xf32>
  %ss = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]} ins(%x : tensor<3x4xf32>) outs(%z1 : tensor<3xf32>) {
  ^bb0(%a: f32, %acc2: f32):
    %m = arith.mulf %a, %a : f32
    %s = arith.addf %m, %acc2 : f32
    linalg.yield %s : f32
  } -> tensor<3xf32>
  %e2 = tensor.empty() : tensor<3x4xf32>
  %n = arith.constant 4.0 : f32
  %y3 = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]} ins(%x, %ss : tensor<3x4xf32>, tensor<3xf32>) outs(%e2 : tensor<3x4xf32>) {
  ^bb0(%a: f32, %s: f32, %o2: f32):
    %m = arith.divf %s, %n : f32
    %d = arith.mulf %a, %m : f32
    linalg.yield %d : f32
  } -> tensor<3x4xf32>
  return %y, %y2, %y3 : tensor<3x5xf32>, tensor<3x5xf32>, tensor<3x4xf32>
}
