// Checkpoints written by transformers 5 itself (save_pretrained: its
// config.json with rope_parameters, its safetensors shards) import into
// models whose logits match transformers' own float32 forward, and keep
// matching after --rotq-quarot with every online transform in place (four
// Hadamards per layer: FFN, across heads, Q, K).
// REQUIRES: transformers
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %inputs/tokens.py %t/tok.npy 12 200 7 --bos 1
//
// Llama, GQA, theta 5e5 inside rope_parameters; bf16 in 3 shards.
// RUN: %peers_python %inputs/hf_make.py llama-gqa %t/llama --dtype bfloat16 --shard 60
// RUN: ls %t/llama/model.safetensors.index.json
// RUN: rotq-import %t/llama -o %t/llama.mlir
// RUN: %peers_python %inputs/hf_logits.py %t/llama %t/tok.npy %t/llama.ref.npy
// RUN: rotq-run %t/llama.mlir -e forward --input %t/tok.npy --output %t/llama.y.npy
// RUN: %python %inputs/compare.py %t/llama.y.npy %t/llama.ref.npy 1e-4
// RUN: rotq-opt %t/llama.mlir --rotq-quarot -o %t/llama.rot.mlir
// RUN: rotq-run %t/llama.rot.mlir -e forward --input %t/tok.npy --output %t/llama.rot.npy
// RUN: %python %inputs/compare.py %t/llama.rot.npy %t/llama.ref.npy 1e-4
// RUN: FileCheck %s --input-file=%t/llama.rot.mlir
//
// Llama 3 rope, tied embeddings, f32.
// RUN: %peers_python %inputs/hf_make.py llama3 %t/llama3
// RUN: rotq-import %t/llama3 -o %t/llama3.mlir
// RUN: %peers_python %inputs/hf_logits.py %t/llama3 %t/tok.npy %t/llama3.ref.npy
// RUN: rotq-run %t/llama3.mlir -e forward --input %t/tok.npy --output %t/llama3.y.npy
// RUN: %python %inputs/compare.py %t/llama3.y.npy %t/llama3.ref.npy 1e-4
// RUN: rotq-opt %t/llama3.mlir --rotq-quarot -o %t/llama3.rot.mlir
// RUN: rotq-run %t/llama3.rot.mlir -e forward --input %t/tok.npy --output %t/llama3.rot.npy
// RUN: %python %inputs/compare.py %t/llama3.rot.npy %t/llama3.ref.npy 1e-4
// RUN: FileCheck %s --input-file=%t/llama3.rot.mlir
//
// Mistral with a sliding window shorter than the sequence, bf16.
// RUN: %peers_python %inputs/hf_make.py mistral %t/mistral --dtype bfloat16
// RUN: rotq-import %t/mistral -o %t/mistral.mlir
// RUN: %peers_python %inputs/hf_logits.py %t/mistral %t/tok.npy %t/mistral.ref.npy
// RUN: rotq-run %t/mistral.mlir -e forward --input %t/tok.npy --output %t/mistral.y.npy
// RUN: %python %inputs/compare.py %t/mistral.y.npy %t/mistral.ref.npy 1e-4
// RUN: rotq-opt %t/mistral.mlir --rotq-quarot -o %t/mistral.rot.mlir
// RUN: rotq-run %t/mistral.rot.mlir -e forward --input %t/tok.npy --output %t/mistral.rot.npy
// RUN: %python %inputs/compare.py %t/mistral.rot.npy %t/mistral.ref.npy 1e-4
// RUN: FileCheck %s --input-file=%t/mistral.rot.mlir
//
// Qwen2: q/k/v biases, tied embeddings, 5 heads (no Hadamard order).
// RUN: %peers_python %inputs/hf_make.py qwen2 %t/qwen2
// RUN: rotq-import %t/qwen2 -o %t/qwen2.mlir
// RUN: %peers_python %inputs/hf_logits.py %t/qwen2 %t/tok.npy %t/qwen2.ref.npy
// RUN: rotq-run %t/qwen2.mlir -e forward --input %t/tok.npy --output %t/qwen2.y.npy
// RUN: %python %inputs/compare.py %t/qwen2.y.npy %t/qwen2.ref.npy 1e-4
// RUN: rotq-opt %t/qwen2.mlir --rotq-quarot -o %t/qwen2.rot.mlir
// RUN: rotq-run %t/qwen2.rot.mlir -e forward --input %t/tok.npy --output %t/qwen2.rot.npy
// RUN: %python %inputs/compare.py %t/qwen2.rot.npy %t/qwen2.ref.npy 1e-4
// RUN: FileCheck %s --input-file=%t/qwen2.rot.mlir
//
// Qwen3: per-head q/k norms, head_dim 32, bf16 sharded.
// RUN: %peers_python %inputs/hf_make.py qwen3 %t/qwen3 --dtype bfloat16 --shard 80
// RUN: rotq-import %t/qwen3 -o %t/qwen3.mlir
// RUN: %peers_python %inputs/hf_logits.py %t/qwen3 %t/tok.npy %t/qwen3.ref.npy
// RUN: rotq-run %t/qwen3.mlir -e forward --input %t/tok.npy --output %t/qwen3.y.npy
// RUN: %python %inputs/compare.py %t/qwen3.y.npy %t/qwen3.ref.npy 1e-4
// RUN: rotq-opt %t/qwen3.mlir --rotq-quarot -o %t/qwen3.rot.mlir
// RUN: rotq-run %t/qwen3.rot.mlir -e forward --input %t/tok.npy --output %t/qwen3.rot.npy
// RUN: %python %inputs/compare.py %t/qwen3.rot.npy %t/qwen3.ref.npy 1e-4
// RUN: FileCheck %s --input-file=%t/qwen3.rot.mlir
//
// CHECK-COUNT-8: rotq.hadamard %{{.*}} : tensor<?x
// CHECK-NOT: rotq.hadamard %{{.*}} : tensor<?x
