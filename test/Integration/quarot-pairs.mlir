// The online transforms are real halves of pairs: deleting any one of them
// (replacing it by an identity) from the rotated model changes the logits,
// while the rotated model itself is exact. Pipeline options choose which
// pairs to insert; each subset stays exact.
// REQUIRES: numpy
// RUN: rm -rf %t && mkdir -p %t
// RUN: rotq-import --synthesize %inputs/models/llama-mha.json --seed 5 -o %t/ck
// RUN: rotq-import %t/ck -o %t/model.mlir
// RUN: rotq-opt %t/model.mlir --rotq-quarot=seed=2 -o %t/rot.mlir
// RUN: rotq-run --compare %t/model.mlir %t/rot.mlir -e forward --random-inputs --random-int-max 256 --dynamic-size 11 --rel-tol 1e-4
// Ops in order: q, k, cross-head, down (layer 0), then layer 1.
// RUN: %python %inputs/drop_online.py %t/rot.mlir %t/no-q.mlir --index 0
// RUN: not rotq-run --compare %t/model.mlir %t/no-q.mlir -e forward --random-inputs --random-int-max 256 --dynamic-size 11 --rel-tol 1e-3 2>&1 | FileCheck %s
// RUN: %python %inputs/drop_online.py %t/rot.mlir %t/no-heads.mlir --index 2
// RUN: not rotq-run --compare %t/model.mlir %t/no-heads.mlir -e forward --random-inputs --random-int-max 256 --dynamic-size 11 --rel-tol 1e-3 2>&1 | FileCheck %s
// RUN: %python %inputs/drop_online.py %t/rot.mlir %t/no-down.mlir --index 7
// RUN: not rotq-run --compare %t/model.mlir %t/no-down.mlir -e forward --random-inputs --random-int-max 256 --dynamic-size 11 --rel-tol 1e-3 2>&1 | FileCheck %s
// CHECK: error: rel_err exceeds --rel-tol 0.001000
//
// RUN: rotq-opt %t/model.mlir --rotq-quarot="online-attn-output=false online-ffn=false online-qk=false" -o %t/none.mlir
// RUN: rotq-run --compare %t/model.mlir %t/none.mlir -e forward --random-inputs --random-int-max 256 --dynamic-size 11 --rel-tol 1e-4
// RUN: FileCheck %s --check-prefix=NONE --input-file=%t/none.mlir
// NONE-NOT: rotq.hadamard %{{.*}} : tensor<?x
// RUN: rotq-opt %t/model.mlir --rotq-quarot="online-attn-output=false" -o %t/some.mlir
// RUN: rotq-run --compare %t/model.mlir %t/some.mlir -e forward --random-inputs --random-int-max 256 --dynamic-size 11 --rel-tol 1e-4
// RUN: FileCheck %s --check-prefix=SOME --input-file=%t/some.mlir
// SOME-NOT: tensor<?x16x4xf32>
// SOME: rotq.hadamard %{{.*}} : tensor<?x128xf32>
// RUN: not rotq-opt %t/model.mlir --rotq-quarot="online-ffn=maybe" 2>&1 | FileCheck %s --check-prefix=BADOPT
// BADOPT: 'maybe' is invalid value for boolean argument
