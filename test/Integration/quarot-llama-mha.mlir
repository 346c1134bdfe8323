// QuaRot on a Llama with multi-head attention and power-of-two sizes
// (hidden 64, 4 heads of 16, ffn 128), realistic outliers: the rotated
// model gives the original logits, with every online transform in the IR
// and the report naming what was fused where.
// REQUIRES: numpy
// RUN: rm -rf %t && mkdir -p %t
// RUN: rotq-import --synthesize %inputs/models/llama-mha.json --seed 11 --outliers realistic -o %t/ck
// RUN: rotq-import %t/ck -o %t/model.mlir
// RUN: rotq-opt %t/model.mlir --rotq-quarot="seed=4 report=true" -mlir-print-op-on-diagnostic=false -mlir-print-debuginfo -o %t/rot.mlir 2> %t/report.txt
// RUN: %python %inputs/tokens.py %t/tok.npy 16 256 2 --bos 1
// RUN: rotq-run --compare %t/model.mlir %t/rot.mlir -e forward --input %t/tok.npy --rel-tol 1e-4
// RUN: rotq-run --compare %t/model.mlir %t/rot.mlir -e forward --random-inputs --random-int-max 256 --dynamic-size 23 --seed 3 --rel-tol 1e-4
// RUN: FileCheck %s --input-file=%t/rot.mlir
// RUN: FileCheck %s --check-prefix=REPORT --input-file=%t/report.txt
// The weight-side transforms are IR on the weights until rotq-materialize
// evaluates them; the materialized model computes the same logits and keeps
// only the online transforms.
// RUN: rotq-materialize %t/rot.mlir -o %t/mat --quiet
// RUN: rotq-run --compare %t/model.mlir %t/mat/model.mlir -e forward --input %t/tok.npy --rel-tol 1e-4
// RUN: FileCheck %s --check-prefix=MAT --input-file=%t/mat/model.mlir
// RUN: grep -c "rotq.param" %t/mat/model.mlir | FileCheck %s --check-prefix=NPARAM
// NPARAM: 16
// MAT-NOT: rotq.hadamard %{{.*}} : tensor<{{[0-9]}}
// MAT-NOT: rotq.scale
// MAT-DAG: rotq.param "model.embed_tokens.weight" in "model.safetensors" : tensor<256x64xf32>
// MAT-DAG: rotq.param "model.layers.1.mlp.down_proj.weight" in "model.safetensors" : tensor<64x128xf32>
// MAT-DAG: rotq.param "lm_head.weight" in "model.safetensors" : tensor<256x64xf32>
//
// Per layer: Q and K after RoPE, across heads before o_proj, before down_proj.
// CHECK-LABEL: func.func @forward
// CHECK: rotq.embedding
// CHECK-COUNT-2: rotq.hadamard %{{.*}} : tensor<?x4x16xf32>
// CHECK: rotq.attention
// CHECK: rotq.hadamard %{{.*}} : tensor<?x16x4xf32>
// CHECK: rotq.hadamard %{{.*}} : tensor<?x128xf32>
// CHECK-COUNT-2: rotq.hadamard %{{.*}} : tensor<?x4x16xf32>
// CHECK: rotq.attention
// CHECK: rotq.hadamard %{{.*}} : tensor<?x16x4xf32>
// CHECK: rotq.hadamard %{{.*}} : tensor<?x128xf32>
// CHECK-NOT: rotq.hadamard %{{.*}} : tensor<?x
// CHECK: return
//
// REPORT-DAG: loc("model.layers.0.input_layernorm"): fused the norm weight into 3 linear(s)
// REPORT-DAG: loc("model.norm"): fused the norm weight into 1 linear(s): lm_head
// REPORT-DAG: loc("model.layers.1.mlp.down_proj"): residual rotation fused into the output side
// REPORT-DAG: loc("model.layers.1.self_attn.q_proj"): residual rotation fused into the input side
// REPORT-DAG: loc("model.layers.0.self_attn.v_proj"): fused head-wise Hadamard (I_4 (x) H_16) into the output side
// REPORT-DAG: loc("model.layers.0.self_attn"): online Hadamard across 4 heads: 4 = 2^2
// REPORT-DAG: loc("model.layers.0.self_attn.o_proj"): fused H_4 (x) H_16 into the input side
// REPORT-DAG: loc("model.layers.1.mlp.down_proj"): online Hadamard on the input, fused into the weight: 128 = 2^7
// REPORT-DAG: loc("model.layers.1.self_attn"): online Hadamard on queries and keys: 16 = 2^4
// REPORT-DAG: residual stream rotated by a randomized Hadamard of order 64 = 2^6: 1 embedding(s), 11 reader(s), 4 writer(s)
