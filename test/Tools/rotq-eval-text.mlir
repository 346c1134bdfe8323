// rotq-eval --text: a text file tokenized with the model's tokenizer (here
// a GGUF tokenizer of 300 tokens trained by the `tokenizers` library,
// test/Inputs/bpe_make.py) and cut into sequences of --seq-len, each
// starting with BOS: the sequences are the library's own ids of the text
// cut in NumPy, and the metrics equal those of --input on them.
// REQUIRES: gguf, transformers
// RUN: rm -rf %t && mkdir -p %t
// RUN: cp %S/../../README.md %t/readme.txt
// RUN: %peers_python %inputs/bpe_make.py --vocab 300 %t/readme.txt %t %t/readme.txt
// RUN: rotq-import --synthesize %inputs/models/mistral-gqa.json --seed 4 -o %t/ck
// RUN: rotq-import %t/ck -o %t/float.mlir
// RUN: rotq-opt %t/float.mlir --rotq-quarot --rotq-quantize="w-bits=4 a-bits=8" -o %t/q.mlir
// RUN: rotq-eval %t/float.mlir %t/q.mlir --text %t/readme.txt --tokenizer %t/tok.gguf --seq-len 24 --max-sequences 3 --add-bos --save-tokens %t/seqs.npy > %t/text.out
// RUN: FileCheck %s --input-file=%t/text.out
// CHECK: 72 positions in 3 sequence(s) of 24 tokens of {{.*}}readme.txt
// RUN: %python -c "import numpy as np; s = np.load('%t/seqs.npy'); r = np.load('%t/digits.readme.npy'); \
// RUN:   assert s.shape == (3, 24) and (s[:, 0] == 0).all() and (s[:, 1:].ravel() == r[:69]).all()"
// RUN: rotq-eval %t/float.mlir %t/q.mlir --input %t/seqs.npy > %t/input.out
// RUN: tail -n +2 %t/text.out > %t/text.table && tail -n +2 %t/input.out > %t/input.table
// RUN: cmp %t/text.table %t/input.table
//
// RUN: not rotq-eval %t/float.mlir --text %t/readme.txt 2>&1 | FileCheck %s --check-prefix=NOTOK
// NOTOK: error: --text needs --tokenizer (the model's tokenizer.json or GGUF file)
// RUN: not rotq-eval %t/float.mlir --input %t/seqs.npy --seq-len 8 2>&1 | FileCheck %s --check-prefix=ONLYTEXT
// ONLYTEXT: error: --tokenizer, --seq-len, --max-sequences and --add-bos are for --text
// RUN: not rotq-eval %t/float.mlir --input %t/seqs.npy --text %t/readme.txt --tokenizer %t/tok.gguf 2>&1 | FileCheck %s --check-prefix=BOTH
// BOTH: error: give token ids with --input, --sample N (N >= 2), or --text FILE --tokenizer TOKENIZER
// RUN: not rotq-eval %t/float.mlir --text %t/readme.txt --tokenizer %t/tok.gguf --save-tokens %t/readme.txt 2>&1 | FileCheck %s --check-prefix=SELF
// SELF: error:
