// QuaRot on a Mistral-like model with grouped-query attention (6 query
// heads over 2 key/value heads), a sliding window shorter than the input,
// bf16 weights written by NumPy, ffn 160 = 40 (Paley II) x 4.
// REQUIRES: numpy
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %inputs/write_checkpoint.py %inputs/models/mistral-gqa.json %t/ck --dtype BF16 --seed 9
// RUN: rotq-import %t/ck -o %t/model.mlir
// RUN: rotq-opt %t/model.mlir --rotq-quarot=seed=1 -o %t/rot.mlir
// RUN: rotq-run --compare %t/model.mlir %t/rot.mlir -e forward --random-inputs --random-int-max 300 --dynamic-size 13 --rel-tol 1e-4
// RUN: FileCheck %s --input-file=%t/rot.mlir
// CHECK-COUNT-2: rotq.hadamard %{{.*}} : tensor<?x{{6|2}}x16xf32>
// CHECK: rotq.attention {{.*}} {causal, scale = 2.500000e-01 : f64, window = 5 : i64}
// CHECK: rotq.hadamard %{{.*}} : tensor<?x16x6xf32>
// CHECK: rotq.hadamard %{{.*}} : tensor<?x160xf32>
