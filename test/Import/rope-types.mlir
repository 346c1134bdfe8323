// The rope variants of real checkpoints, read from config.json as
// transformers 5 writes it (rope_parameters) and as older versions did
// (rope_theta + rope_scaling), and Qwen3's per-head q/k norms: the imported
// model matches the independent float64 NumPy implementation of the
// Hugging Face classes (test/Inputs/hf_model.py) on NumPy-written
// checkpoints.
// REQUIRES: numpy
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %inputs/tokens.py %t/tok.npy 12 200 3 --bos 1
// RUN: %python %inputs/tokens.py %t/short.npy 6 200 5 --bos 1
//
// Llama 3 rope (theta 5e5; with an original context of 64 the head's
// frequencies fall in all three bands: kept, smoothed, divided), GQA, tied.
// RUN: %python %inputs/write_checkpoint.py %inputs/models/llama3-rope.json %t/llama3
// RUN: rotq-import %t/llama3 -o %t/llama3.mlir
// RUN: rotq-run %t/llama3.mlir -e forward --input %t/tok.npy --output %t/llama3.y.npy
// RUN: %python %inputs/hf_reference.py %t/llama3 %t/tok.npy %t/llama3.ref.npy
// RUN: %python %inputs/compare.py %t/llama3.y.npy %t/llama3.ref.npy 1e-4
//
// YaRN (Qwen2.5 long context): frequencies blended over the correction
// range and cos/sin scaled by 0.1 ln(4) + 1.
// RUN: %python %inputs/write_checkpoint.py %inputs/models/qwen2-yarn.json %t/yarn
// RUN: rotq-import %t/yarn -o %t/yarn.mlir
// RUN: rotq-run %t/yarn.mlir -e forward --input %t/tok.npy --output %t/yarn.y.npy
// RUN: %python %inputs/hf_reference.py %t/yarn %t/tok.npy %t/yarn.ref.npy
// RUN: %python %inputs/compare.py %t/yarn.y.npy %t/yarn.ref.npy 1e-4
//
// Linear scaling through the legacy rope_scaling key.
// RUN: %python %inputs/write_checkpoint.py %inputs/models/llama-linear.json %t/linear
// RUN: rotq-import %t/linear -o %t/linear.mlir
// RUN: rotq-run %t/linear.mlir -e forward --input %t/tok.npy --output %t/linear.y.npy
// RUN: %python %inputs/hf_reference.py %t/linear %t/tok.npy %t/linear.ref.npy
// RUN: %python %inputs/compare.py %t/linear.y.npy %t/linear.ref.npy 1e-4
//
// Dynamic NTK with max_position_embeddings 8: 12 tokens rescale the base,
// 6 tokens keep the default frequencies.
// RUN: %python %inputs/write_checkpoint.py %inputs/models/mistral-dynamic.json %t/dynamic
// RUN: rotq-import %t/dynamic -o %t/dynamic.mlir
// RUN: rotq-run %t/dynamic.mlir -e forward --input %t/tok.npy --output %t/dynamic.y.npy
// RUN: %python %inputs/hf_reference.py %t/dynamic %t/tok.npy %t/dynamic.ref.npy
// RUN: %python %inputs/compare.py %t/dynamic.y.npy %t/dynamic.ref.npy 1e-4
// RUN: rotq-run %t/dynamic.mlir -e forward --input %t/short.npy --output %t/dynamic.s.npy
// RUN: %python %inputs/hf_reference.py %t/dynamic %t/short.npy %t/dynamic.sref.npy
// RUN: %python %inputs/compare.py %t/dynamic.s.npy %t/dynamic.sref.npy 1e-4
//
// Qwen3: RMSNorm over head_dim on q and k before the rotary embedding,
// explicit head_dim (32, not hidden / heads = 16), BF16 weights.
// RUN: %python %inputs/write_checkpoint.py %inputs/models/qwen3.json %t/qwen3 --dtype BF16
// RUN: rotq-import %t/qwen3 -o %t/qwen3.mlir
// RUN: rotq-run %t/qwen3.mlir -e forward --input %t/tok.npy --output %t/qwen3.y.npy
// RUN: %python %inputs/hf_reference.py %t/qwen3 %t/tok.npy %t/qwen3.ref.npy
// RUN: %python %inputs/compare.py %t/qwen3.y.npy %t/qwen3.ref.npy 1e-4
// RUN: FileCheck %s --input-file=%t/qwen3.mlir --check-prefix=QWEN3
// QWEN3-DAG: rotq.param "model.layers.0.self_attn.q_norm.weight" in "{{.*}}" : tensor<32xbf16>
// QWEN3-DAG: rotq.param "model.layers.0.self_attn.k_norm.weight" in "{{.*}}" : tensor<32xbf16>
//
// QuaRot keeps every model's function, with all online transforms.
// RUN: rotq-opt %t/qwen3.mlir --rotq-quarot > %t/qwen3.rot.mlir
// RUN: rotq-run %t/qwen3.rot.mlir -e forward --input %t/tok.npy --output %t/qwen3.rot.npy
// RUN: %python %inputs/compare.py %t/qwen3.rot.npy %t/qwen3.ref.npy 1e-4
// RUN: FileCheck %s --input-file=%t/qwen3.rot.mlir --check-prefix=ROT
// ROT-COUNT-8: rotq.hadamard %{{.*}} : tensor<?x
// ROT-NOT: rotq.hadamard %{{.*}} : tensor<?x
// RUN: rotq-opt %t/yarn.mlir --rotq-quarot -o %t/yarn.rot.mlir
// RUN: rotq-run %t/yarn.rot.mlir -e forward --input %t/tok.npy --output %t/yarn.rot.npy
// RUN: %python %inputs/compare.py %t/yarn.rot.npy %t/yarn.ref.npy 1e-4
