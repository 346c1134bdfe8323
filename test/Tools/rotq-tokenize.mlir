// rotq-tokenize gives exactly the ids of the `tokenizers` library (the
// Hugging Face tokenizers' own implementation) for a byte-level BPE
// tokenizer it trains (test/Inputs/bpe_make.py), with GPT-2's pre-tokenizer
// and with digits split first, from tokenizer.json and from GGUF metadata
// (llama.cpp's "smollm" pre-tokenizer), on text with contractions, runs of
// spaces, tabs and blank lines, digits, special tokens, accented Latin,
// Greek, Cyrillic, CJK, Hangul and full-width forms, and on this project's
// README; then cuts the ids into sequences for rotq-eval.
// REQUIRES: gguf, transformers
// RUN: rm -rf %t && mkdir -p %t
// RUN: cp %S/Inputs/tokenize-text.txt %t/text.txt && cp %S/../../README.md %t/readme.txt
// RUN: %peers_python %inputs/bpe_make.py %t/readme.txt %t %t/text.txt %t/readme.txt
// RUN: rotq-tokenize %t/plain.json %t/text.txt -o %t/a.npy
// RUN: %python %inputs/ref_ops.py equal %t/a.npy %t/plain.text.npy
// RUN: rotq-tokenize %t/digits.json %t/text.txt -o %t/b.npy
// RUN: %python %inputs/ref_ops.py equal %t/b.npy %t/digits.text.npy
// RUN: rotq-tokenize %t/tok.gguf %t/text.txt -o %t/c.npy
// RUN: %python %inputs/ref_ops.py equal %t/c.npy %t/digits.text.npy
// RUN: rotq-tokenize %t/plain.json %t/readme.txt -o %t/d.npy
// RUN: %python %inputs/ref_ops.py equal %t/d.npy %t/plain.readme.npy
// RUN: rotq-tokenize %t/tok.gguf %t/readme.txt -o %t/e.npy
// RUN: %python %inputs/ref_ops.py equal %t/e.npy %t/digits.readme.npy
//
// Sequences: BOS (the GGUF's, id 0) then 15 text tokens each, at most 3.
// RUN: rotq-tokenize %t/tok.gguf %t/readme.txt -o %t/s.npy --seq-len 16 --max-sequences 3 --bos 2>&1 | FileCheck %s --check-prefix=SEQ
// SEQ: rotq-tokenize: {{[0-9]+}} tokens of {{.*}}readme.txt -> 3 sequence(s) of 16
// RUN: %python -c "import numpy as np; s = np.load('%t/s.npy'); r = np.load('%t/digits.readme.npy'); \
// RUN:   assert s.shape == (3, 16) and (s[:, 0] == 0).all() and (s[:, 1:].ravel() == r[:45]).all()"
//
// What it cannot do right is an error:
// RUN: printf 'ok \377 bad' > %t/latin1.txt
// RUN: not rotq-tokenize %t/plain.json %t/latin1.txt -o %t/x.npy 2>&1 | FileCheck %s --check-prefix=UTF8
// UTF8: error: {{.*}}latin1.txt: not UTF-8 (byte 3)
// RUN: not rotq-tokenize %t/plain.json %t/text.txt -o %t/x.npy --bos 2>&1 | FileCheck %s --check-prefix=NOBOS
// NOBOS: error: {{.*}}plain.json: no BOS token known; give --bos-id
// RUN: not rotq-tokenize %t/plain.json %t/text.txt -o %t/x.npy --seq-len 100000 2>&1 | FileCheck %s --check-prefix=SHORT
// SHORT: error: {{.*}}text.txt: the text has {{[0-9]+}} tokens, fewer than one sequence of 100000
// RUN: %python -c "import json; j = json.load(open('%t/plain.json')); j['normalizer'] = {'type': 'NFC'}; json.dump(j, open('%t/nfc.json', 'w'))"
// RUN: not rotq-tokenize %t/nfc.json %t/text.txt -o %t/x.npy 2>&1 | FileCheck %s --check-prefix=NORM
// NORM: error: {{.*}}nfc.json: a normalizer is not supported
// RUN: not rotq-tokenize %t/plain.json %t/text.txt -o %t/text.txt 2>&1 | FileCheck %s --check-prefix=SELF
// SELF: error:
// RUN: cmp %S/Inputs/tokenize-text.txt %t/text.txt
