// The output-error clip search (rotq.quantize's clip_metric): rotq-run and
// rotq-materialize give exactly the float64 NumPy reference of
// test/Inputs/clip_metric_ref.py, which scores every ratio with the dense
// form e^T (diag(D) + V^T V) e and checks that the weight objective would
// have chosen other clips; and the greedy descent of metric_rounding, done
// there on the dense form, changes codes and matches exactly.
// REQUIRES: numpy
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %inputs/clip_metric_ref.py %t/m
// RUN: rotq-run %t/m/f.mlir -e f --output %t/a0.npy --output %t/a1.npy --output %t/a2.npy
// RUN: for i in 0 1 2; do %python %inputs/compare.py %t/a$i.npy %t/m/ref$i.npy 0; done
// RUN: rotq-materialize %t/m/f.mlir -o %t/out --quiet
// RUN: rotq-run %t/out/model.mlir -e f --output %t/b0.npy --output %t/b1.npy --output %t/b2.npy
// RUN: for i in 0 1 2; do %python %inputs/compare.py %t/b$i.npy %t/m/ref$i.npy 0; done
// RUN: FileCheck %s --input-file=%t/out/model.mlir
// CHECK-NOT: clip_metric
// CHECK-NOT: rotq.quantize
