// rotq-raise-model on torch-mlir's own output (checked in:
// Inputs/torch-llama.mlir is torch_mlir.fx.export_and_import of a one-layer
// transformers Llama, GQA 4/2, head_dim 8, eager attention, 6 tokens, with
// PyTorch's logits beside it), so that this runs without the peers
// installed. Everything is raised: the embedding, 3 RMSNorms (fpowi, keep-dim
// reductions), 7 linears, and the attention from its batch matmuls, the
// additive causal mask and the GQA head repeat.
// RUN: rotq-opt %S/Inputs/torch-llama.mlir --rotq-raise-model | FileCheck %s
// CHECK-LABEL: func.func @main(%{{.*}}: tensor<1x6xi64>) -> tensor<1x6x64xf32>
// CHECK: rotq.embedding
// CHECK: rotq.rms_norm
// CHECK-COUNT-3: rotq.linear
// CHECK: %[[V:.*]] = tensor.expand_shape %{{.*}} {{\[\[}}0], [1, 2]] output_shape [6, 2, 8] : tensor<6x16xf32> into tensor<6x2x8xf32>
// CHECK: %[[A:.*]] = rotq.attention %{{.*}}, %{{.*}}, %[[V]] {causal, scale = 0.353553{{[0-9]*}} : f64} : tensor<6x4x8xf32>, tensor<6x2x8xf32>, tensor<6x2x8xf32> -> tensor<6x4x8xf32>
// CHECK: %[[M:.*]] = tensor.collapse_shape %[[A]] {{\[\[}}0], [1, 2]] : tensor<6x4x8xf32> into tensor<6x32xf32>
// CHECK: rotq.linear %[[M]]
// CHECK: rotq.rms_norm
// CHECK-COUNT-3: rotq.linear
// CHECK: rotq.rms_norm
// CHECK: rotq.linear
// CHECK-NOT: linalg.batch_matmul
// CHECK-NOT: linalg.matmul
//
// The raised model and its QuaRot rotation give PyTorch's logits, with the
// four online Hadamards of a layer and no warning.
// REQUIRES: numpy
// RUN: rm -rf %t && mkdir -p %t
// RUN: rotq-opt %S/Inputs/torch-llama.mlir --rotq-raise-model -o %t/raised.mlir
// RUN: rotq-run %t/raised.mlir -e main --input %S/Inputs/torch-llama.tokens.npy --output %t/raised.npy
// RUN: %python %inputs/compare.py %t/raised.npy %S/Inputs/torch-llama.logits.npy 1e-5
// RUN: rotq-opt %S/Inputs/torch-llama.mlir --rotq-quarot -o %t/rot.mlir 2>&1 | count 0
// RUN: rotq-run %t/rot.mlir -e main --input %S/Inputs/torch-llama.tokens.npy --output %t/rot.npy
// RUN: %python %inputs/compare.py %t/rot.npy %S/Inputs/torch-llama.logits.npy 1e-5
// Once the weight chains are evaluated, four online transforms remain.
// RUN: rotq-materialize %t/rot.mlir -o %t/mat --quiet
// RUN: rotq-run %t/mat/model.mlir -e main --input %S/Inputs/torch-llama.tokens.npy --output %t/mat.npy
// RUN: %python %inputs/compare.py %t/mat.npy %S/Inputs/torch-llama.logits.npy 1e-5
// RUN: FileCheck %s --check-prefix=ROT --input-file=%t/mat/model.mlir
// ROT-COUNT-4: rotq.hadamard
// ROT-NOT: rotq.hadamard
//
// A decoder written in plain PyTorch (Inputs/handwritten_decoder.py): the
// causal mask is a constant buffer applied with masked_fill, GQA is
// repeat_interleave, attention is `q @ k.transpose(-1, -2) / sqrt(d)` and
// softmax. The softmax bodies are checked by evaluating them, so this mask
// is recognised as causal too.
// RUN: rotq-opt %S/Inputs/torch-handwritten.mlir --rotq-raise-model | FileCheck %s --check-prefix=HAND
// HAND: rotq.attention {{.*}} {causal, scale = 0.353553{{[0-9]*}} : f64} : tensor<6x4x8xf32>, tensor<6x2x8xf32>, tensor<6x2x8xf32> -> tensor<6x4x8xf32>
// HAND-NOT: linalg.batch_matmul
// RUN: rotq-opt %S/Inputs/torch-handwritten.mlir --rotq-quarot -o %t/hand.mlir 2>&1 | count 0
// RUN: rotq-run %t/hand.mlir -e main --input %S/Inputs/torch-handwritten.tokens.npy --output %t/hand.npy
// RUN: %python %inputs/compare.py %t/hand.npy %S/Inputs/torch-handwritten.logits.npy 1e-5
// RUN: rotq-materialize %t/hand.mlir -o %t/hand-mat --quiet
// RUN: FileCheck %s --check-prefix=ROT --input-file=%t/hand-mat/model.mlir
