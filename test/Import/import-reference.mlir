// Imported models run on the CPU and match an independent float64 NumPy
// implementation of the Hugging Face classes (test/Inputs/hf_model.py), on
// checkpoints written by NumPy (not by rotq): sharded BF16 Mistral with GQA
// and a sliding window shorter than the sequence; F16 Qwen2 with q/k/v bias,
// a head count with no Hadamard order and tied embeddings (plus the
// redundant lm_head.weight some writers store); F32 Llama with
// attention_bias.
// REQUIRES: numpy
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %inputs/tokens.py %t/tok.npy 12 200 3 --bos 1
//
// RUN: %python %inputs/write_checkpoint.py %inputs/models/mistral-gqa.json %t/mistral --dtype BF16 --shards 2
// RUN: rotq-import %t/mistral -o %t/mistral.mlir
// RUN: rotq-run %t/mistral.mlir -e forward --input %t/tok.npy --output %t/mistral.y.npy
// RUN: %python %inputs/hf_reference.py %t/mistral %t/tok.npy %t/mistral.ref.npy
// RUN: %python %inputs/compare.py %t/mistral.y.npy %t/mistral.ref.npy 1e-4
//
// RUN: %python %inputs/write_checkpoint.py %inputs/models/qwen2-tied.json %t/qwen --dtype F16 --extra-lm-head
// RUN: rotq-import %t/qwen -o %t/qwen.mlir
// RUN: rotq-run %t/qwen.mlir -e forward --input %t/tok.npy --output %t/qwen.y.npy
// RUN: %python %inputs/hf_reference.py %t/qwen %t/tok.npy %t/qwen.ref.npy
// RUN: %python %inputs/compare.py %t/qwen.y.npy %t/qwen.ref.npy 1e-4
//
// RUN: %python %inputs/write_checkpoint.py %inputs/models/llama-bias.json %t/llama --seed 4
// RUN: rotq-import %t/llama -o %t/llama.mlir
// RUN: rotq-run %t/llama.mlir -e forward --input %t/tok.npy --output %t/llama.y.npy
// RUN: %python %inputs/hf_reference.py %t/llama %t/tok.npy %t/llama.ref.npy
// RUN: %python %inputs/compare.py %t/llama.y.npy %t/llama.ref.npy 1e-4
//
// The IR is rotq's model ops, names each op after its checkpoint module
// and references the weights in their files and stored dtypes (F16 here,
// widened to f32) instead of copying them; the tied head reads the
// embedding's parameter.
// RUN: FileCheck %s --input-file=%t/qwen.mlir
// RUN: %python -c "import os; assert os.path.getsize('%t/qwen.mlir') < 100000"
// CHECK: func.func @forward(%{{.*}}: tensor<?xi64>{{.*}}) -> tensor<?x200xf32>
// CHECK: %[[E:.*]] = rotq.param "model.embed_tokens.weight" in "{{.*}}qwen/model.safetensors" : tensor<200x80xf16>
// CHECK: %[[E32:.*]] = arith.extf %[[E]] : tensor<200x80xf16> to tensor<200x80xf32>
// CHECK: rotq.embedding %[[E32]]
// CHECK: rotq.param "model.layers.0.self_attn.q_proj.weight" in "{{.*}}qwen/model.safetensors" : tensor<80x80xf16>
// CHECK: rotq.linear
// CHECK: rotq.attention
// CHECK: rotq.linear %{{.*}}, %[[E32]] : tensor<?x80xf32>, tensor<200x80xf32> -> tensor<?x200xf32>
// CHECK-NOT: dense_resource
// CHECK: #loc{{[0-9]+}} = loc("model.layers.0.self_attn.q_proj")
