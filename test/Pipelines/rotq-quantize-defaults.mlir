// --rotq-quantize does what its options say: it raises an imported model
// itself (never a silent no-op), keeps the KV cache float unless kv-bits
// asks, keeps the LM head float however its result reaches the return, is
// the identity at 16 bits everywhere, and refuses a model whose attention
// it cannot see when kv-bits asks for a quantized cache.
// RUN: rm -rf %t && mkdir -p %t
// RUN: rotq-import --synthesize %inputs/models/llama-mha.json --seed 3 -o %t/ck
// RUN: rotq-import %t/ck -o %t/float.mlir
//
// Not raised first: the pipeline raises it and quantizes all 14 linears
// but the LM head.
// RUN: rotq-opt %t/float.mlir --rotq-quantize -o %t/w4a4.mlir
// RUN: FileCheck %s --check-prefix=RAISED --input-file=%t/w4a4.mlir
// RAISED-COUNT-14: rotq.qmatmul
// RAISED-NOT: rotq.qmatmul
//
// "W8A8" is W8A8: the same module as with an explicit kv-bits=16, and no
// quantizer reads the attention's keys or values.
// RUN: rotq-opt %t/float.mlir --rotq-quantize="w-bits=8 a-bits=8" -o %t/w8a8.mlir
// RUN: rotq-opt %t/float.mlir --rotq-quantize="w-bits=8 a-bits=8 kv-bits=16" -o %t/w8a8kv16.mlir
// RUN: diff %t/w8a8.mlir %t/w8a8kv16.mlir
// RUN: FileCheck %s --check-prefix=NOKV --input-file=%t/w8a8.mlir
// NOKV-NOT: asymmetric
//
// preset=duquant: asymmetric weights and activations, as DuQuant's paper;
// an option given explicitly wins over the preset.
// RUN: rotq-opt %t/float.mlir --rotq-quantize="preset=duquant" -o %t/dq.mlir
// RUN: rotq-opt %t/float.mlir --rotq-quantize="w-asymmetric=true a-asymmetric=true" -o %t/asym.mlir
// RUN: diff %t/dq.mlir %t/asym.mlir
// RUN: rotq-opt %t/float.mlir --rotq-quantize="preset=duquant w-asymmetric=false" -o %t/dq-wsym.mlir
// RUN: rotq-opt %t/float.mlir --rotq-quantize="a-asymmetric=true" -o %t/aasym.mlir
// RUN: diff %t/dq-wsym.mlir %t/aasym.mlir
// RUN: not diff -q %t/dq.mlir %t/w4a4.mlir
// RUN: not rotq-opt %t/float.mlir --rotq-quantize="preset=gptq" 2>&1 | FileCheck %s --check-prefix=PRESET
// PRESET: rotq-quantize: preset must be quarot or duquant, got 'gptq'
//
// 16 bits everywhere: the same logits as the float model.
// RUN: rotq-opt %t/float.mlir --rotq-quantize="w-bits=16 a-bits=16 kv-bits=16" -o %t/f16.mlir
// RUN: rotq-run --compare %t/f16.mlir %t/float.mlir -e forward --random-inputs --random-int-max 256 --dynamic-size 9 --rel-tol 1e-6
// RUN: FileCheck %s --check-prefix=IDENT --input-file=%t/f16.mlir
// IDENT-NOT: rotq.quantize
// IDENT-NOT: rotq.dequantize
//
// Hand-written IR: an LM head whose logits are reshaped before the return
// stays float; a model with linears but no attention and kv-bits=4 is an
// error, not a float cache; matmuls the raise pass cannot recognise as
// linears are named.
// RUN: rotq-opt %s -split-input-file --rotq-quantize="w-bits=4 a-bits=4" 2>%t/warnings.txt | FileCheck %s --check-prefix=HEAD
// RUN: FileCheck %s --check-prefix=WARN --input-file=%t/warnings.txt
// RUN: not rotq-opt %s -split-input-file --rotq-quantize="w-bits=4 a-bits=4 kv-bits=4" 2>&1 | FileCheck %s --check-prefix=KV

// HEAD-LABEL: func.func @reshaped_head
// HEAD: rotq.qmatmul
// HEAD-NOT: rotq.qmatmul
// HEAD: rotq.linear {{.*}} tensor<4x8xf32>, tensor<16x8xf32> -> tensor<4x16xf32>
// HEAD: tensor.expand_shape
// KV: error: rotq-quantize-kv-cache: no rotq.attention in this model, so its keys and values would stay float
func.func @reshaped_head(%x: tensor<4x8xf32>) -> tensor<1x4x16xf32> {
  %w1 = arith.constant dense<0.25> : tensor<8x8xf32>
  %w2 = arith.constant dense<0.5> : tensor<16x8xf32>
  %h = rotq.linear %x, %w1 : tensor<4x8xf32>, tensor<8x8xf32> -> tensor<4x8xf32>
  %y = rotq.linear %h, %w2 : tensor<4x8xf32>, tensor<16x8xf32> -> tensor<4x16xf32>
  %z = tensor.expand_shape %y [[0, 1], [2]] output_shape [1, 4, 16] : tensor<4x16xf32> into tensor<1x4x16xf32>
  return %z : tensor<1x4x16xf32>
}

// -----

// A batched matmul with a constant weight is no linear the raise pass
// knows: a warning names it, and the rest is quantized.
// WARN: warning: rotq-quantize-weights: left in float, rotq-raise-model did not recognise this matmul as a linear
// HEAD-LABEL: func.func @unraised
// HEAD: linalg.batch_matmul
// HEAD: rotq.qmatmul
func.func @unraised(%x: tensor<2x4x8xf32>, %y: tensor<4x8xf32>) -> (tensor<2x4x8xf32>, tensor<4x8xf32>) {
  %w = arith.constant dense<0.25> : tensor<2x8x8xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x4x8xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
  %r = linalg.batch_matmul ins(%x, %w : tensor<2x4x8xf32>, tensor<2x8x8xf32>) outs(%init : tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
  %w2 = arith.constant dense<0.5> : tensor<8x8xf32>
  %l = rotq.linear %y, %w2 : tensor<4x8xf32>, tensor<8x8xf32> -> tensor<4x8xf32>
  %l2 = rotq.linear %l, %w2 : tensor<4x8xf32>, tensor<8x8xf32> -> tensor<4x8xf32>
  return %r, %l2 : tensor<2x4x8xf32>, tensor<4x8xf32>
}
