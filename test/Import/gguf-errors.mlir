// What rotq-import does not read in a GGUF file is an error that names it,
// before any file is written: a tensor type it has no dequantizer for, a
// tensor the model would not use, rope scaling and partial rotary
// embeddings it does not implement, a truncated file; and the weights file
// never replaces the IR or the GGUF itself.
// REQUIRES: gguf
// RUN: rm -rf %t && mkdir -p %t
// RUN: %peers_python %inputs/gguf_make.py q5_0 %t/q5_0
// RUN: not rotq-import %t/q5_0/model.gguf -o %t/q5_0/g.mlir 2>&1 | FileCheck %s --check-prefix=Q50
// Q50: error: {{.*}}model.gguf: tensor 'blk.1.attn_output.weight' is Q5_0, which rotq does not read (F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q4_K, Q5_K, Q6_K)
// RUN: not ls %t/q5_0/g.safetensors %t/q5_0/g.mlir
// RUN: %peers_python %inputs/gguf_make.py extra %t/extra
// RUN: not rotq-import %t/extra/model.gguf -o %t/extra/g.mlir 2>&1 | FileCheck %s --check-prefix=EXTRA
// EXTRA: error: {{.*}}model.gguf: tensor 'blk.0.attn_extra.weight' is not part of the model rotq builds from this metadata
// RUN: %peers_python %inputs/gguf_make.py yarn %t/yarn
// RUN: not rotq-import %t/yarn/model.gguf -o %t/yarn/g.mlir 2>&1 | FileCheck %s --check-prefix=YARN
// YARN: error: {{.*}}model.gguf: llama.rope.scaling.type 'yarn' is not supported (none or linear)
// RUN: %peers_python %inputs/gguf_make.py partial-rope %t/partial
// RUN: not rotq-import %t/partial/model.gguf -o %t/partial/g.mlir 2>&1 | FileCheck %s --check-prefix=PARTIAL
// PARTIAL: error: {{.*}}model.gguf: llama.rope.dimension_count differs from the head size (partial rotary embeddings are not supported)
// RUN: %peers_python %inputs/gguf_make.py llama %t/llama
// RUN: head -c 100000 %t/llama/model.gguf > %t/trunc.gguf
// RUN: not rotq-import %t/trunc.gguf -o %t/trunc.mlir 2>&1 | FileCheck %s --check-prefix=TRUNC
// TRUNC: error: {{.*}}trunc.gguf: tensor '{{.*}}': data at offset {{[0-9]+}} ({{[0-9]+}} bytes) lies outside the file or is misaligned
// RUN: head -c 20 %t/llama/model.gguf > %t/header.gguf
// RUN: not rotq-import %t/header.gguf -o %t/header.mlir 2>&1 | FileCheck %s --check-prefix=HEADER
// HEADER: error: {{.*}}header.gguf: truncated header
// RUN: not rotq-import %t/llama/model.gguf -o %t/llama/g.mlir --weights %t/llama/model.gguf 2>&1 | FileCheck %s --check-prefix=SELF
// SELF: error: {{.*}}model.gguf
// RUN: not rotq-import %t/llama/model.gguf -o %t/llama/g.mlir --weights %t/llama/g.mlir 2>&1 | FileCheck %s --check-prefix=SAME
// SAME: error: --weights and -o name the same file
// RUN: not rotq-import %t/llama/model.gguf -o - 2>&1 | FileCheck %s --check-prefix=STDOUT
// STDOUT: error: give --weights for the dequantized tensors when writing the IR to stdout
