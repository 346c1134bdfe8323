// rotq-eval: its metrics (relative logit error, KL of the next-token
// distributions, top-1 agreement, perplexities) agree with a float64 NumPy
// computation from the logits rotq-run produces for each model; a model
// against itself has no error; a sampled sequence is reproducible.
// REQUIRES: numpy
// RUN: rm -rf %t && mkdir -p %t
// RUN: rotq-import --synthesize %inputs/models/llama-mha.json --seed 2 --outliers realistic -o %t/ck
// RUN: rotq-import %t/ck -o %t/float.mlir
// RUN: rotq-opt %t/float.mlir --rotq-quarot --rotq-quantize="kv-bits=16" -o %t/w4a4.mlir
// RUN: rotq-opt %t/float.mlir --rotq-raise-model --rotq-quantize="w-bits=8 a-bits=8 kv-bits=8" -o %t/w8a8.mlir
// RUN: %python %inputs/tokens.py %t/tok.npy 24 256 5 --bos 1
// RUN: rotq-eval %t/float.mlir %t/w4a4.mlir %t/w8a8.mlir --input %t/tok.npy --json > %t/eval.json
// RUN: rotq-run %t/float.mlir -e forward --input %t/tok.npy --output %t/l0.npy
// RUN: rotq-run %t/w4a4.mlir -e forward --input %t/tok.npy --output %t/l1.npy
// RUN: rotq-run %t/w8a8.mlir -e forward --input %t/tok.npy --output %t/l2.npy
// RUN: %python %S/Inputs/check_eval_json.py %t/eval.json %t/tok.npy %t/l0.npy %t/l1.npy %t/l2.npy | FileCheck %s
// CHECK: OK
//
// RUN: rotq-eval %t/float.mlir %t/float.mlir --input %t/tok.npy | FileCheck %s --check-prefix=SELF
// SELF: 24 positions in 1 sequence(s)
// SELF: model rel. logit err KL(ref||q) top-1 perplexity
// SELF: float.mlir (reference)
// SELF-NEXT: float.mlir 0.0000 0.00000 100.0%
//
// RUN: rotq-eval %t/float.mlir %t/w4a4.mlir --sample 12 --seed 4 --save-tokens %t/s1.npy | FileCheck %s --check-prefix=SAMPLE
// RUN: rotq-eval %t/float.mlir --sample 12 --seed 4 --save-tokens %t/s2.npy
// RUN: cmp %t/s1.npy %t/s2.npy
// SAMPLE: 12 positions in 1 sequence(s), sampled from the reference
//
// RUN: not rotq-eval %t/float.mlir %t/w4a4.mlir 2>&1 | FileCheck %s --check-prefix=NOINPUT
// NOINPUT: error: give token ids with --input, --sample N (N >= 2), or --text FILE --tokenizer TOKENIZER
// RUN: %python -c "import numpy as np; np.save('%t/big.npy', np.array([1, 900], dtype=np.int64))"
// RUN: not rotq-eval %t/float.mlir --input %t/big.npy 2>&1 | FileCheck %s --check-prefix=RANGE
// RANGE: error: {{.*}}big.npy: token id 900 at position [1] is outside the vocabulary [0, 256)
