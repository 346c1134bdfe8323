// QuaRot on a Qwen2-like model: q/k/v biases, tied embeddings, hidden
// 640 = 20 x 32, ffn 1216 = 76 x 16 and 10 heads of 64 (10 has no Hadamard
// matrix: the cross-head transform uses the documented fallback, and the
// report says so). Also with a random orthogonal residual rotation and with
// a learned-style rotation loaded from a file.
// REQUIRES: numpy
// RUN: rm -rf %t && mkdir -p %t
// RUN: rotq-import --synthesize %inputs/models/qwen2-640.json --seed 2 --outliers realistic -o %t/ck
// RUN: rotq-import %t/ck -o %t/model.mlir
// RUN: %python %inputs/tokens.py %t/tok.npy 12 256 7 --bos 1
// RUN: rotq-opt %t/model.mlir --rotq-quarot="seed=3 report=true" -mlir-print-op-on-diagnostic=false -o %t/rot.mlir 2> %t/report.txt
// RUN: rotq-run --compare %t/model.mlir %t/rot.mlir -e forward --input %t/tok.npy --rel-tol 1e-4
// RUN: FileCheck %s --input-file=%t/rot.mlir
// RUN: FileCheck %s --check-prefix=REPORT --input-file=%t/report.txt
// RUN: rotq-opt %t/model.mlir --rotq-quarot="rotation=random-orthogonal seed=5" -o %t/rot-orth.mlir
// RUN: rotq-run --compare %t/model.mlir %t/rot-orth.mlir -e forward --input %t/tok.npy --rel-tol 1e-4
// RUN: %python -c "import numpy as np; q, _ = np.linalg.qr(np.random.default_rng(0).standard_normal((640, 640))); np.save('%t/r1.npy', q)"
// RUN: rotq-opt %t/model.mlir --rotq-quarot="rotation=file rotation-file=%t/r1.npy" -o %t/rot-file.mlir
// RUN: rotq-run --compare %t/model.mlir %t/rot-file.mlir -e forward --input %t/tok.npy --rel-tol 1e-4
//
// CHECK-COUNT-2: rotq.hadamard %{{.*}} : tensor<?x{{10|2}}x64xf32>
// CHECK: rotq.attention
// CHECK: rotq.hadamard %{{.*}} : tensor<?x64x10xf32>
// CHECK: rotq.hadamard %{{.*}} : tensor<?x1216xf32>
// REPORT-DAG: online Hadamard across 10 heads: 10 = {{.*}} (no Hadamard matrix of this order: the library's orthogonal DCT-II fallback factor is used)
// REPORT-DAG: online Hadamard on the input, fused into the weight: 1216 = 76 {{.*}} x 2^4
// REPORT-DAG: residual stream rotated by a randomized Hadamard of order 640 = 20 {{.*}} x 2^5
// REPORT-DAG: loc("model.norm"): fused the norm weight into 1 linear(s): lm_head
