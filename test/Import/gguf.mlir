// llama.cpp GGUF models (written by the `gguf` package, llama.cpp's Python
// writer; test/Inputs/gguf_make.py) import with every tensor equal, bit for
// bit, to what the package's own NumPy dequantizers make of it, for each
// type rotq reads (F32, F16, BF16, Q8_0, Q4_0, Q4_1 quantized from floats;
// Q4_K, Q5_K, Q6_K random blocks), llama's permuted q/k rows restored, and
// logits equal to the import of the same weights as a Hugging Face
// checkpoint: llama (GQA, untied head) and qwen2 (q/k/v biases, tied).
// REQUIRES: gguf
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %inputs/tokens.py %t/tok.npy 24 320 5 --bos 1
// RUN: %peers_python %inputs/gguf_make.py llama %t/llama
// RUN: rotq-import %t/llama/model.gguf -o %t/llama/g.mlir 2>&1 | FileCheck %s --check-prefix=LLAMA
// LLAMA: rotq-import: {{.*}}model.gguf: 1 BF16, 1 F16, 5 F32, 2 Q4_0, 2 Q4_1, 2 Q4_K, 2 Q5_K, 3 Q6_K, 3 Q8_0 tensors dequantized into {{.*}}g.safetensors (5.1 MB, float32)
// RUN: %peers_python %inputs/st_equal.py %t/llama/g.safetensors %t/llama/hf/model.safetensors | FileCheck %s --check-prefix=EQUAL
// RUN: rotq-import %t/llama/hf -o %t/llama/h.mlir
// RUN: rotq-run %t/llama/g.mlir -e forward --input %t/tok.npy --output %t/llama/g.npy
// RUN: rotq-run %t/llama/h.mlir -e forward --input %t/tok.npy --output %t/llama/h.npy
// RUN: %python %inputs/compare.py %t/llama/g.npy %t/llama/h.npy 0
//
// RUN: %peers_python %inputs/gguf_make.py qwen2 %t/qwen2
// RUN: rotq-import %t/qwen2/model.gguf -o %t/qwen2/g.mlir --weights %t/qwen2/w.safetensors 2>&1 | FileCheck %s --check-prefix=QWEN
// QWEN: 11 F32, {{.*}} tensors dequantized into {{.*}}w.safetensors
// RUN: %peers_python %inputs/st_equal.py %t/qwen2/w.safetensors %t/qwen2/hf/model.safetensors | FileCheck %s --check-prefix=EQUAL
// RUN: rotq-import %t/qwen2/hf -o %t/qwen2/h.mlir
// RUN: rotq-run %t/qwen2/g.mlir -e forward --input %t/tok.npy --output %t/qwen2/g.npy
// RUN: rotq-run %t/qwen2/h.mlir -e forward --input %t/tok.npy --output %t/qwen2/h.npy
// RUN: %python %inputs/compare.py %t/qwen2/g.npy %t/qwen2/h.npy 0
// RUN: FileCheck %s --check-prefix=IR --input-file=%t/qwen2/g.mlir
// EQUAL: {{[0-9]+}} tensors equal
// IR: rotq.param "model.layers.0.self_attn.q_proj.bias" in "{{.*}}w.safetensors"
