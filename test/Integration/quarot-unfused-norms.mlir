// --rotq-quarot="fuse-norm-scales=false": the norms keep their weights and
// the residual rotation is applied online after each norm (fused into its
// readers) instead of to the stream: exact on MHA, GQA (bf16) and Qwen2
// (bias, tied embeddings); two online rotations per layer (none for the LM
// head's norm), each one half of a pair.
// REQUIRES: numpy
// RUN: rm -rf %t && mkdir -p %t
// RUN: rotq-import --synthesize %inputs/models/llama-mha.json --seed 5 -o %t/mha
// RUN: rotq-import %t/mha -o %t/mha.mlir
// RUN: rotq-opt %t/mha.mlir --rotq-quarot="fuse-norm-scales=false seed=2" -o %t/mha.r.mlir
// RUN: rotq-run --compare %t/mha.mlir %t/mha.r.mlir -e forward --random-inputs --random-int-max 256 --dynamic-size 11 --rel-tol 1e-4
// RUN: FileCheck %s --input-file=%t/mha.r.mlir
// The norms keep a weight; the online rotations of width 64 after them:
// CHECK-COUNT-5: rotq.rms_norm %{{.*}} scale(
// RUN: grep -c "rotq.hadamard %.*signs.* : tensor<?x64xf32>" %t/mha.r.mlir | FileCheck %s --check-prefix=COUNT
// COUNT: 4
// RUN: %python %inputs/drop_online.py %t/mha.r.mlir %t/mha.broken.mlir --index 0
// RUN: not rotq-run --compare %t/mha.mlir %t/mha.broken.mlir -e forward --random-inputs --random-int-max 256 --dynamic-size 11 --rel-tol 1e-3 2>&1 | FileCheck %s --check-prefix=BROKEN
// BROKEN: error: rel_err exceeds --rel-tol 0.001000
//
// RUN: %python %inputs/write_checkpoint.py %inputs/models/mistral-gqa.json %t/gqa --dtype BF16 --seed 9
// RUN: rotq-import %t/gqa -o %t/gqa.mlir
// RUN: rotq-opt %t/gqa.mlir --rotq-quarot="fuse-norm-scales=false seed=3" -o %t/gqa.r.mlir
// RUN: rotq-run --compare %t/gqa.mlir %t/gqa.r.mlir -e forward --random-inputs --random-int-max 300 --dynamic-size 13 --rel-tol 1e-4
// RUN: rotq-import --synthesize %inputs/models/qwen2-tied.json --seed 3 -o %t/qwen
// RUN: rotq-import %t/qwen -o %t/qwen.mlir
// RUN: rotq-opt %t/qwen.mlir --rotq-quarot="fuse-norm-scales=false rotation=random-orthogonal seed=4" -o %t/qwen.r.mlir
// RUN: rotq-run --compare %t/qwen.mlir %t/qwen.r.mlir -e forward --random-inputs --random-int-max 200 --dynamic-size 9 --rel-tol 1e-4
