// rotq-quantize-kv-cache: the keys and values an attention reads are
// quantized per token and head (asymmetric, clip 0.95 by default), and the
// result matches a NumPy float64 attention on fake-quantized K and V
// (test/Inputs/kv_quant_ref.py), for 4 and 8 bits.
// REQUIRES: numpy
// RUN: rm -rf %t && mkdir -p %t/a %t/b
// RUN: rotq-opt %s --rotq-quantize-kv-cache -o %t/kv4.mlir
// RUN: FileCheck %s --input-file=%t/kv4.mlir
// RUN: %python %inputs/kv_quant_ref.py %t/a 4 0.95
// RUN: rotq-run %t/kv4.mlir -e f --input %t/a/q.npy --input %t/a/k.npy --input %t/a/v.npy --output %t/a/y.npy
// RUN: %python %inputs/compare.py %t/a/y.npy %t/a/ref.npy 1e-5
// RUN: rotq-opt %s --rotq-quantize-kv-cache="bits=8 clip-ratio=1.0" -o %t/kv8.mlir
// RUN: %python %inputs/kv_quant_ref.py %t/b 8 1.0
// RUN: rotq-run %t/kv8.mlir -e f --input %t/b/q.npy --input %t/b/k.npy --input %t/b/v.npy --output %t/b/y.npy
// RUN: %python %inputs/compare.py %t/b/y.npy %t/b/ref.npy 1e-5
// RUN: not rotq-opt %s --rotq-quantize-kv-cache="bits=12" 2>&1 | FileCheck %s --check-prefix=BITS
// BITS: error: bits must be in 2..8, got 12

func.func @f(%q: tensor<5x4x8xf32>, %k: tensor<5x2x8xf32>, %v: tensor<5x2x8xf32>) -> tensor<5x4x8xf32> {
  %y = rotq.attention %q, %k, %v {scale = 0.35355339059327373 : f64, causal} : tensor<5x4x8xf32>, tensor<5x2x8xf32>, tensor<5x2x8xf32> -> tensor<5x4x8xf32>
  return %y : tensor<5x4x8xf32>
}
// CHECK: %[[KC:.*]], %[[KS:.*]], %[[KZ:.*]] = rotq.quantize %arg1 {asymmetric, bits = 4 : i64, clip_ratio = 0.94999999999999996 : f64, granularity = #rotq.granularity<row>} : tensor<5x2x8xf32> -> tensor<5x2x8xi8>, tensor<5x2x1xf32>, tensor<5x2x1xi8>
// CHECK: %[[K:.*]] = rotq.dequantize %[[KC]] scale(%[[KS]] : tensor<5x2x1xf32>) zero_point(%[[KZ]] : tensor<5x2x1xi8>)
// CHECK: %[[VC:.*]], %[[VS:.*]], %[[VZ:.*]] = rotq.quantize %arg2
// CHECK: %[[V:.*]] = rotq.dequantize %[[VC]]
// CHECK: rotq.attention %arg0, %[[K]], %[[V]]
