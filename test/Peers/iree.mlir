// IREE compiles what rotq lowers: a QuaRot-rotated W4A4KV4 model (packed
// 4-bit weights, rotq.qmatmul, online Hadamards, quantized KV cache), its
// weights evaluated into constants by rotq-materialize --inline, after
// --convert-rotq-to-linalg goes through iree-compile for llvm-cpu unchanged,
// and IREE's runtime reproduces rotq-run's logits; so does the float model
// (its bf16 parameters inlined the same way).
// REQUIRES: iree
// RUN: rm -rf %t && mkdir -p %t
// RUN: rotq-import --synthesize %inputs/models/mistral-gqa.json --seed 2 --outliers realistic -o %t/ck
// RUN: rotq-import %t/ck -o %t/float.mlir
// RUN: %python %inputs/tokens.py %t/tok.npy 11 300 5 --bos 1
//
// RUN: rotq-opt %t/float.mlir --rotq-quarot --rotq-quantize="w-bits=4 a-bits=4 kv-bits=4" -o %t/q.mlir
// RUN: rotq-materialize %t/q.mlir --inline -o %t/q.inline.mlir --quiet
// RUN: rotq-opt %t/q.inline.mlir --convert-rotq-to-linalg -o %t/q.linalg.mlir
// RUN: %peers_bin/iree-compile --iree-hal-target-device=local --iree-hal-local-target-device-backends=llvm-cpu --iree-llvmcpu-target-cpu=host %t/q.linalg.mlir -o %t/q.vmfb
// RUN: %peers_bin/iree-run-module --device=local-task --module=%t/q.vmfb --function=forward --input=@%t/tok.npy --output=@%t/q.iree.npy
// RUN: rotq-run %t/q.mlir -e forward --input %t/tok.npy --output %t/q.rotq.npy
// RUN: %python %inputs/compare.py %t/q.iree.npy %t/q.rotq.npy 1e-5
// RUN: FileCheck %s --input-file=%t/q.linalg.mlir
//
// RUN: rotq-materialize %t/float.mlir --inline -o %t/float.inline.mlir --quiet
// RUN: rotq-opt %t/float.inline.mlir --convert-rotq-to-linalg -o %t/float.linalg.mlir
// RUN: %peers_bin/iree-compile --iree-hal-target-device=local --iree-hal-local-target-device-backends=llvm-cpu --iree-llvmcpu-target-cpu=host %t/float.linalg.mlir -o %t/f.vmfb
// RUN: %peers_bin/iree-run-module --device=local-task --module=%t/f.vmfb --function=forward --input=@%t/tok.npy --output=@%t/f.iree.npy
// RUN: rotq-run %t/float.mlir -e forward --input %t/tok.npy --output %t/f.rotq.npy
// RUN: %python %inputs/compare.py %t/f.iree.npy %t/f.rotq.npy 1e-5
//
// Only upstream dialects (rotq's attributes, e.g. the BOS token id, may
// stay), and no named element-wise linalg ops (newer MLIR removed them).
// CHECK: func.func @forward
// CHECK-NOT: = rotq.
// CHECK-NOT: linalg.{{add|sub|mul|div|exp|max|min|negf|abs}} 
