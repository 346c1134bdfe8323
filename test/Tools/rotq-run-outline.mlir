// The CPU lowering splits a long function into outlined functions
// (rotq-outline-segments) and frees each buffer after its last use
// (rotq-deallocate-early): a QuaRot W4A4KV4 model, with its online
// Hadamard transforms and integer matmuls, computes the same logits in
// segments of 10 operations as in one function (--outline-ops=0).
// REQUIRES: numpy
// RUN: rm -rf %t && mkdir -p %t
// RUN: rotq-import --synthesize %inputs/models/llama-mha.json --seed 2 --outliers realistic -o %t/ck
// RUN: rotq-import %t/ck -o %t/float.mlir
// RUN: rotq-opt %t/float.mlir --rotq-quarot=seed=1 --rotq-quantize="w-bits=4 a-bits=4 kv-bits=4" -o %t/q.mlir
// RUN: %python %inputs/tokens.py %t/tok.npy 1 64 7 --bos 1
// RUN: rotq-run %t/q.mlir -e forward --input %t/tok.npy --outline-ops=0 --output %t/whole.npy
// RUN: rotq-run %t/q.mlir -e forward --input %t/tok.npy --outline-ops=10 --output %t/parts.npy
// RUN: %python %inputs/compare.py %t/parts.npy %t/whole.npy 1e-6 | FileCheck %s
// CHECK: rel_err
// The lowered module has the outlined functions, each never inlined.
// RUN: rotq-opt %t/float.mlir --rotq-lower-to-llvm="outline-ops=10" | FileCheck %s --check-prefix=IR
// IR: llvm.func @forward_part0({{.*}}) {{.*}}passthrough = ["noinline"]
// IR: llvm.call @forward_part0(
// RUN: not rotq-opt %t/float.mlir --rotq-lower-to-llvm="outline-ops=x" 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: outline-ops takes an integer >= 0, got 'x'
// RUN: not rotq-run %t/q.mlir -e forward --input %t/tok.npy --outline-ops=-1 2>&1 | FileCheck %s --check-prefix=NEG
// NEG: --outline-ops must be >= 0
