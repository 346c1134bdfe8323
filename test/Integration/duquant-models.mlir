// --rotq-duquant keeps every model's logits (float32, calibrated transforms
// fused and online, no quantization): MHA; Mistral-like GQA with bf16
// weights and a sliding window; Qwen2-like (q/k/v bias, tied embeddings,
// 5 heads over 1); sizes 128 does not divide (576/1536 with 9 heads over 3,
// 448/1216 with 7 heads); and on top of QuaRot's residual rotation.
// REQUIRES: numpy
// RUN: rm -rf %t && mkdir -p %t
// RUN: rotq-import --synthesize %inputs/models/llama-mha.json --seed 5 -o %t/mha
// RUN: rotq-import %t/mha -o %t/mha.mlir
// RUN: rotq-opt %t/mha.mlir --rotq-duquant="block-size=32 report=true" -o %t/mha.dq.mlir 2>&1 | FileCheck %s --check-prefix=MHA
// RUN: rotq-run --compare %t/mha.mlir %t/mha.dq.mlir -e forward --random-inputs --random-int-max 256 --dynamic-size 11 --rel-tol 1e-4
// The four groups of each layer, their smoothing fused, o_proj's first
// rotation online (block 32 does not divide head_dim 16).
// MHA: duquant: model.layers.0.self_attn.q_proj model.layers.0.self_attn.k_proj model.layers.0.self_attn.v_proj; smoothing in
// MHA: duquant: model.layers.0.self_attn.o_proj; smoothing in
// MHA: duquant: model.layers.0.mlp.gate_proj model.layers.0.mlp.up_proj; smoothing in
// MHA: duquant: model.layers.0.mlp.down_proj; smoothing in
// MHA: smoothing of the input of model.layers.0.self_attn.q_proj: fused into the norm's weight
// MHA: smoothing of the input of model.layers.0.self_attn.o_proj: fused into the rows of model.layers.0.self_attn.v_proj
// MHA: smoothing of the input of model.layers.0.mlp.gate_proj: fused into the norm's weight
// MHA: smoothing of the input of model.layers.0.mlp.down_proj: fused into the rows of model.layers.0.mlp.up_proj
// MHA-NOT: online rotq.scale
//
// RUN: %python %inputs/write_checkpoint.py %inputs/models/mistral-gqa.json %t/gqa --dtype BF16 --seed 9
// RUN: rotq-import %t/gqa -o %t/gqa.mlir
// RUN: rotq-opt %t/gqa.mlir --rotq-duquant="block-size=16 report=true" -o %t/gqa.dq.mlir 2>&1 | FileCheck %s --check-prefix=GQA
// RUN: rotq-run --compare %t/gqa.mlir %t/gqa.dq.mlir -e forward --random-inputs --random-int-max 300 --dynamic-size 13 --rel-tol 1e-4
// GQA: duquant: model.layers.0.self_attn.o_proj; smoothing shared by the 3 query heads of each value head
// GQA: smoothing of the input of model.layers.0.self_attn.o_proj: fused into the rows of model.layers.0.self_attn.v_proj
// GQA: DuQuant transform of the input of model.layers.0.self_attn.o_proj (block 16): rotation 1 fused into the output side of model.layers.0.self_attn.v_proj; online: permutation
//
// RUN: rotq-import --synthesize %inputs/models/qwen2-tied.json --seed 3 -o %t/qwen
// RUN: rotq-import %t/qwen -o %t/qwen.mlir
// RUN: rotq-opt %t/qwen.mlir --rotq-duquant -o %t/qwen.dq.mlir
// RUN: rotq-run --compare %t/qwen.mlir %t/qwen.dq.mlir -e forward --random-inputs --random-int-max 200 --dynamic-size 9 --rel-tol 1e-4
// RUN: rotq-opt %t/qwen.mlir --rotq-duquant="quarot=true seed=4" -o %t/qwen.dqq.mlir
// RUN: rotq-run --compare %t/qwen.mlir %t/qwen.dqq.mlir -e forward --random-inputs --random-int-max 200 --dynamic-size 9 --rel-tol 1e-4
//
// RUN: rotq-import --synthesize %inputs/models/llama-576.json --seed 2 -o %t/s576
// RUN: rotq-import %t/s576 -o %t/s576.mlir
// RUN: rotq-opt %t/s576.mlir --rotq-duquant="calibration-samples=4 calibration-length=64 report=true" -o %t/s576.dq.mlir 2>&1 | FileCheck %s --check-prefix=S576
// RUN: rotq-run --compare %t/s576.mlir %t/s576.dq.mlir -e forward --random-inputs --random-int-max 256 --dynamic-size 7 --rel-tol 1e-4
// S576: block 64: 128 does not divide 576; the largest power of two below it that does
// S576: model.layers.0.mlp.down_proj; smoothing in {{.*}}; block 128;
// S576: DuQuant transform of the input of model.layers.0.self_attn.o_proj (block 64): rotation 1 fused into the output side of model.layers.0.self_attn.v_proj
// RUN: rotq-opt %t/s576.mlir --rotq-duquant="calibration-samples=4 calibration-length=64 quarot=true seed=1" -o %t/s576.dqq.mlir
// RUN: rotq-run --compare %t/s576.mlir %t/s576.dqq.mlir -e forward --random-inputs --random-int-max 256 --dynamic-size 7 --rel-tol 1e-4
//
// RUN: rotq-import --synthesize %inputs/models/llama-448.json --seed 2 -o %t/s448
// RUN: rotq-import %t/s448 -o %t/s448.mlir
// RUN: rotq-opt %t/s448.mlir --rotq-duquant="calibration-samples=4 calibration-length=64 report=true" -o %t/s448.dq.mlir 2>&1 | FileCheck %s --check-prefix=S448
// RUN: rotq-run --compare %t/s448.mlir %t/s448.dq.mlir -e forward --random-inputs --random-int-max 256 --dynamic-size 7 --rel-tol 1e-4
// S448: block 64: 128 does not divide 448
// S448: model.layers.0.mlp.down_proj; smoothing in {{.*}}; block 64: 128 does not divide 1216
