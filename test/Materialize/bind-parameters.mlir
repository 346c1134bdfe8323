// Weights as run-time arguments (the default of rotq-run on the CPU: mapped
// checkpoint tensors, weight chains evaluated once when the program is
// loaded) give the logits of weights compiled into the program as
// constants (--inline-params) bit for bit: a bf16 checkpoint read where it
// is mapped, a rotated and RTN-quantized module whose chains are pending,
// its materialized checkpoint, and a checkpoint whose tensors all sit at
// misaligned offsets. The input checkpoint is never written.
// REQUIRES: numpy
// RUN: rm -rf %t && mkdir -p %t
// RUN: rotq-import --synthesize %inputs/models/mistral-gqa.json --seed 3 -o %t/ck
// RUN: rotq-import %t/ck -o %t/model.mlir
// RUN: %python %inputs/tokens.py %t/tok.npy 9 256 3
// RUN: rotq-run %t/model.mlir -e forward --input %t/tok.npy --output %t/bound.npy
// RUN: rotq-run %t/model.mlir -e forward --input %t/tok.npy --output %t/inline.npy --inline-params
// RUN: %python %inputs/compare.py %t/bound.npy %t/inline.npy 0
// RUN: rotq-opt %t/model.mlir --rotq-quarot=seed=1 -o %t/rot.mlir
// RUN: rotq-opt %t/rot.mlir --rotq-quantize="w-bits=4 a-bits=8 kv-bits=8" -o %t/q.mlir
// RUN: rotq-run %t/q.mlir -e forward --input %t/tok.npy --output %t/q-bound.npy
// RUN: rotq-run %t/q.mlir -e forward --input %t/tok.npy --output %t/q-inline.npy --inline-params
// RUN: %python %inputs/compare.py %t/q-bound.npy %t/q-inline.npy 0
// RUN: rotq-materialize %t/q.mlir -o %t/out --quiet
// RUN: rotq-run %t/out/model.mlir -e forward --input %t/tok.npy --output %t/m-bound.npy
// RUN: %python %inputs/compare.py %t/m-bound.npy %t/q-inline.npy 0
// RUN: mkdir -p %t/odd && cp %t/model.mlir %t/odd/model.mlir
// RUN: %python %inputs/misalign_st.py %t/ck/model.safetensors %t/odd/model.safetensors
// RUN: sed -i 's|in "[^"]*model.safetensors"|in "model.safetensors"|' %t/odd/model.mlir
// RUN: rotq-run %t/odd/model.mlir -e forward --input %t/tok.npy --output %t/odd.npy
// RUN: %python %inputs/compare.py %t/odd.npy %t/inline.npy 0
