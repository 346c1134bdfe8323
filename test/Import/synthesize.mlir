// rotq-import --synthesize writes a checkpoint that any reader takes: the
// NumPy reference reads it and agrees with the imported IR. With
// --outliers=realistic the planted outliers are where the summary says.
// REQUIRES: numpy
// RUN: rm -rf %t && mkdir -p %t
// RUN: rotq-import --synthesize %inputs/models/llama-mha.json --seed 3 --outliers realistic -o %t/ck | FileCheck %s --check-prefix=SUM
// RUN: rotq-import %t/ck -o %t/m.mlir
// RUN: %python %inputs/tokens.py %t/tok.npy 10 256 5 --bos 1
// RUN: rotq-run %t/m.mlir -e forward --input %t/tok.npy --output %t/y.npy
// RUN: %python %inputs/hf_reference.py %t/ck %t/tok.npy %t/ref.npy
// RUN: %python %inputs/compare.py %t/y.npy %t/ref.npy 1e-4
// RUN: %python %S/Inputs/check_outliers.py %t/ck %t/tok.npy | FileCheck %s --check-prefix=OUT
// Same seed, same weights; a second write into the directory is refused.
// RUN: rotq-import --synthesize %inputs/models/llama-mha.json --seed 3 --outliers realistic -o %t/again
// RUN: cmp %t/ck/model.safetensors %t/again/model.safetensors
// RUN: not rotq-import --synthesize %inputs/models/llama-mha.json --seed 3 -o %t/again 2>&1 | FileCheck %s --check-prefix=EXISTS
// SUM: normal outlier channels: [[N:[0-9 ]+]]
// SUM: massive outlier channel (BOS token): [[M:[0-9]+]]
// OUT: normal outliers: OK
// OUT: massive outlier in the residual stream: OK
// OUT: massive outlier at the down_proj input: OK
// EXISTS: already holds a checkpoint ({{config.json|model.safetensors}}); refusing to overwrite it
