// Whole models on the GPU against the CPU: a float Llama-layout model
// (attention, RoPE, RMSNorm, SiLU through linalg kernels) and the same model
// after QuaRot and W4A4KV4 quantization (FWHT, fused quantize and int8
// tensor-core kernels), on the same tokens.
// REQUIRES: cuda, numpy
// RUN: rm -rf %t.ckpt
// RUN: rotq-import --synthesize %inputs/models/llama-mha.json --seed 3 --outliers realistic -o %t.ckpt
// RUN: rotq-import %t.ckpt -o %t.float.mlir
// RUN: rotq-opt %t.float.mlir --rotq-quarot=seed=5 --rotq-quantize="w-bits=4 a-bits=4 kv-bits=4" -o %t.w4a4kv4.mlir
// RUN: %python %inputs/tokens.py %t.tokens.npy 24 256 4 --bos 1
// RUN: rotq-run --compare %t.float.mlir %t.float.mlir -e forward --device=cuda --ref-device=cpu --input %t.tokens.npy --rel-tol 1e-4 | FileCheck %s
// RUN: rotq-run --compare %t.w4a4kv4.mlir %t.w4a4kv4.mlir -e forward --device=cuda --ref-device=cpu --input %t.tokens.npy --rel-tol 1e-3 | FileCheck %s
// The rotated, quantized model really uses the kernels:
// RUN: rotq-opt %t.w4a4kv4.mlir --convert-rotq-to-gpu | FileCheck %s --check-prefix=KERNELS
// CHECK: max_abs_err={{.*}} rel_err=
// KERNELS-DAG: rotq.row_kernel = {bits = 4 : i64, block_size = 128 : i64
// KERNELS-DAG: rotq.qmatmul_kernel = {groups = 1 : i64, k = 128 : i64, rhs_bits = 4 : i64}
