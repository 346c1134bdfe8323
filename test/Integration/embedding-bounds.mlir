// Generated code for rotq.embedding never reads outside the table: with a
// dynamic row count the clamp uses the actual rows (3 here), ids past the
// end, negative and near INT64_MAX read the last or first row (hand-worked
// below), and an empty table yields zeros instead of reading memory.
// REQUIRES: numpy
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save('%t/t.npy', np.arange(12, dtype=np.float32).reshape(3, 4)); np.save('%t/empty.npy', np.zeros((0, 4), np.float32)); np.save('%t/ids.npy', np.array([1, 3, 700, -5, 2**62], dtype=np.int64))"
// RUN: rotq-run %s -e emb --input %t/t.npy --input %t/ids.npy | FileCheck %s
// CHECK: [4, 5, 6, 7]
// CHECK-NEXT: [8, 9, 10, 11]
// CHECK-NEXT: [8, 9, 10, 11]
// CHECK-NEXT: [0, 1, 2, 3]
// CHECK-NEXT: [8, 9, 10, 11]
// RUN: rotq-run %s -e emb --input %t/empty.npy --input %t/ids.npy | FileCheck %s --check-prefix=EMPTY
// EMPTY-COUNT-5: [0, 0, 0, 0]
func.func @emb(%t: tensor<?x4xf32>, %ids: tensor<?xi64>) -> tensor<?x4xf32> {
  %y = rotq.embedding %t[%ids] : tensor<?x4xf32>, tensor<?xi64> -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}

