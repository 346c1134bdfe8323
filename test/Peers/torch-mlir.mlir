// torch-mlir's linalg-on-tensors export of transformers models (eager
// attention: batch matmuls, an additive causal mask built from iota
// compares, GQA's repeat_kv, RoPE with concat and slices, RMSNorm with fpowi
// and keep-dim reductions, biases as broadcasts) is raised to rotq's model
// ops, and --rotq-quarot rotates it exactly as it rotates the imported
// model: the same four online Hadamards per layer, logits equal to
// PyTorch's.
// REQUIRES: torch-mlir, transformers
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %inputs/tokens.py %t/tok.npy 10 200 11 --bos 1
//
// RUN: %peers_python %inputs/hf_make.py llama-gqa %t/llama
// RUN: %peers_python %inputs/torch_export.py %t/llama 10 %t/llama.mlir --tokens %t/tok.npy
// RUN: rotq-opt %t/llama.mlir --rotq-raise-model -o %t/llama.raised.mlir
// RUN: FileCheck %s --check-prefix=RAISED --input-file=%t/llama.raised.mlir
// RUN: FileCheck %s --check-prefix=LINEARS --input-file=%t/llama.raised.mlir
// RUN: rotq-run %t/llama.raised.mlir -e main --input %t/llama.tokens.npy --output %t/llama.y.npy
// RUN: %python %inputs/compare.py %t/llama.y.npy %t/llama.logits.npy 1e-4
// RUN: rotq-opt %t/llama.mlir --rotq-quarot="report=true" -o %t/llama.rot.mlir 2>&1 | FileCheck %s --check-prefix=REPORT
// RUN: rotq-run %t/llama.rot.mlir -e main --input %t/llama.tokens.npy --output %t/llama.rot.npy
// RUN: %python %inputs/compare.py %t/llama.rot.npy %t/llama.logits.npy 1e-4
// RUN: rotq-materialize %t/llama.rot.mlir -o %t/llama.mat --quiet
// RUN: FileCheck %s --input-file=%t/llama.mat/model.mlir
//
// RUN: %peers_python %inputs/hf_make.py qwen2 %t/qwen2
// RUN: %peers_python %inputs/torch_export.py %t/qwen2 10 %t/qwen2.mlir --tokens %t/tok.npy
// RUN: rotq-opt %t/qwen2.mlir --rotq-quarot -o %t/qwen2.rot.mlir 2>&1 | count 0
// RUN: rotq-run %t/qwen2.rot.mlir -e main --input %t/qwen2.tokens.npy --output %t/qwen2.rot.npy
// RUN: %python %inputs/compare.py %t/qwen2.rot.npy %t/qwen2.logits.npy 1e-4
// RUN: rotq-materialize %t/qwen2.rot.mlir -o %t/qwen2.mat --quiet
// RUN: FileCheck %s --input-file=%t/qwen2.mat/model.mlir
//
// Mistral's window (5 < 10 tokens) is recognised from its compares.
// RUN: %peers_python %inputs/hf_make.py mistral %t/mistral
// RUN: %peers_python %inputs/torch_export.py %t/mistral 10 %t/mistral.mlir --tokens %t/tok.npy
// RUN: rotq-opt %t/mistral.mlir --rotq-raise-model | FileCheck %s --check-prefix=WINDOW
// RUN: rotq-opt %t/mistral.mlir --rotq-quarot -o %t/mistral.rot.mlir 2>&1 | count 0
// RUN: rotq-run %t/mistral.rot.mlir -e main --input %t/mistral.tokens.npy --output %t/mistral.rot.npy
// RUN: %python %inputs/compare.py %t/mistral.rot.npy %t/mistral.logits.npy 1e-4
// RUN: rotq-materialize %t/mistral.rot.mlir -o %t/mistral.mat --quiet
// RUN: FileCheck %s --input-file=%t/mistral.mat/model.mlir
//
// Qwen3: q/k norms between the projections and RoPE.
// RUN: %peers_python %inputs/hf_make.py qwen3 %t/qwen3
// RUN: %peers_python %inputs/torch_export.py %t/qwen3 10 %t/qwen3.mlir --tokens %t/tok.npy
// RUN: rotq-opt %t/qwen3.mlir --rotq-quarot -o %t/qwen3.rot.mlir 2>&1 | count 0
// RUN: rotq-run %t/qwen3.rot.mlir -e main --input %t/qwen3.tokens.npy --output %t/qwen3.rot.npy
// RUN: %python %inputs/compare.py %t/qwen3.rot.npy %t/qwen3.logits.npy 1e-4
// RUN: rotq-materialize %t/qwen3.rot.mlir -o %t/qwen3.mat --quiet
// RUN: FileCheck %s --input-file=%t/qwen3.mat/model.mlir
//
// A W4A4KV4 quantization of the exported model: every linear but the LM
// head (which torch-mlir reshapes to [1, S, V]) becomes a qmatmul, and the
// KV cache is quantized.
// RUN: rotq-opt %t/llama.rot.mlir --rotq-quantize="kv-bits=4" -o %t/llama.q.mlir
// RUN: FileCheck %s --check-prefix=QUANT --input-file=%t/llama.q.mlir
// RUN: FileCheck %s --check-prefix=KV --input-file=%t/llama.q.mlir
//
// RAISED-COUNT-2: rotq.attention {{.*}}{causal, scale = 2.500000e-01 : f64} : tensor<10x4x16xf32>, tensor<10x2x16xf32>, tensor<10x2x16xf32> -> tensor<10x4x16xf32>
// RAISED-NOT: rotq.attention
// LINEARS-COUNT-15: rotq.linear
// LINEARS-NOT: rotq.linear
// WINDOW: rotq.attention {{.*}}{causal, scale = 2.500000e-01 : f64, window = 5 : i64}
// REPORT-COUNT-2: remark: online Hadamard across 4 heads
// REPORT-NOT: warning
// Counted once the weight chains are evaluated: the online transforms.
// CHECK-COUNT-8: rotq.hadamard
// CHECK-NOT: rotq.hadamard
// QUANT-COUNT-14: rotq.qmatmul
// QUANT-NOT: rotq.qmatmul
// QUANT: rotq.linear
// KV-COUNT-4: rotq.quantize {{.*}}asymmetric, bits = 4
// KV-NOT: asymmetric
