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
//
// Sizes are refused with a message before anything is allocated or
// written: a vocabulary of 10^12, 10^9 layers, an FFN of 2^62, an
// embedding of 2^24 x 4096 floats.
// RUN: %python -c "import json; c = json.load(open('%inputs/models/llama-mha.json')); [json.dump(dict(c, **{k: v}), open('%t.' + k + '.json', 'w')) for k, v in [('vocab_size', 10**12), ('num_hidden_layers', 10**9), ('intermediate_size', 2**62)]]; json.dump(dict(c, vocab_size=2**24, hidden_size=4096), open('%t.emb.json', 'w'))"
// RUN: not rotq-import --synthesize %t.vocab_size.json -o %t.huge 2>&1 | FileCheck %s --check-prefix=HUGE1
// HUGE1: error: {{.*}}vocab_size.json: "vocab_size" is 1000000000000, more than the 16777216 rotq supports
// RUN: not rotq-import --synthesize %t.num_hidden_layers.json -o %t.huge 2>&1 | FileCheck %s --check-prefix=HUGE2
// HUGE2: "num_hidden_layers" is 1000000000, more than the 4096 rotq supports
// RUN: not rotq-import --synthesize %t.intermediate_size.json -o %t.huge 2>&1 | FileCheck %s --check-prefix=HUGE3
// HUGE3: "intermediate_size" is 4611686018427387904, more than the 16777216 rotq supports
// RUN: not rotq-import --synthesize %t.emb.json -o %t.huge 2>&1 | FileCheck %s --check-prefix=HUGE4
// HUGE4: the embedding (16777216 x 4096) is too large for rotq
// RUN: not ls %t.huge
