// rotq-tokenize gives exactly the ids of the `tokenizers` library (the
// Hugging Face tokenizers' own implementation) for byte-level BPE
// tokenizers it trains (test/Inputs/bpe_make.py): with GPT-2's
// pre-tokenizer and with digits split first, from tokenizer.json and from
// GGUF metadata (llama.cpp's "smollm" pre-tokenizer), on text with
// contractions, runs of spaces, tabs and blank lines, digits, special
// tokens, accented Latin, Greek, Cyrillic, CJK, Hangul and full-width
// forms, and on this project's README; then cuts the ids into sequences
// for rotq-eval. Llama 3's and Qwen2's pre-tokenizers (a Split with their
// pattern, then ByteLevel without its regex; llama.cpp's "llama-bpe" and
// "qwen2") likewise, on a text made for each alternative of their
// patterns (test/Inputs/tokenizer-text.py: contractions in either case,
// letters after punctuation, long digit runs, punctuation then newlines,
// CR LF, runs of spaces and tabs, Unicode spaces, scripts, digits, emoji
// and combining marks), with merges trained across every boundary so that
// a wrong split gives other ids. Qwen2's tokenizer.json with its NFC
// normalizer, on a text made for NFC (test/Inputs/tokenizer-nfc-text.py:
// decomposed letters, marks out of canonical order, blocked compositions,
// Hangul jamo, singletons, composition exclusions) and on the others, with
// added tokens that are normalized and ones that are not.
// REQUIRES: gguf, transformers
// RUN: rm -rf %t && mkdir -p %t
// RUN: cp %S/Inputs/tokenize-text.txt %t/text.txt && cp %S/../../README.md %t/readme.txt
// RUN: %peers_python %inputs/tokenizer-text.py %t/pre.txt
// RUN: %peers_python %inputs/tokenizer-nfc-text.py %t/nfc.txt
// RUN: %peers_python %inputs/bpe_make.py %t/readme.txt %t %t/text.txt %t/readme.txt %t/pre.txt %t/nfc.txt
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
// Llama 3 and Qwen2, from tokenizer.json and GGUF; every character of the
// text is in rotq's Unicode tables.
// RUN: rotq-tokenize %t/llama3.json %t/pre.txt -o %t/l1.npy 2>&1 | FileCheck %s --check-prefix=EXACT --implicit-check-not=warning
// EXACT: rotq-tokenize: {{[0-9]+}} tokens of {{.*}}pre.txt
// RUN: %python %inputs/ref_ops.py equal %t/l1.npy %t/llama3.pre.npy
// RUN: rotq-tokenize %t/llama3.gguf %t/pre.txt -o %t/l2.npy
// RUN: %python %inputs/ref_ops.py equal %t/l2.npy %t/llama3.pre.npy
// RUN: rotq-tokenize %t/llama3.json %t/readme.txt -o %t/l3.npy
// RUN: %python %inputs/ref_ops.py equal %t/l3.npy %t/llama3.readme.npy
// RUN: rotq-tokenize %t/llama3.json %t/text.txt -o %t/l4.npy
// RUN: %python %inputs/ref_ops.py equal %t/l4.npy %t/llama3.text.npy
// RUN: rotq-tokenize %t/qwen2.json %t/pre.txt -o %t/q1.npy
// RUN: %python %inputs/ref_ops.py equal %t/q1.npy %t/qwen2.pre.npy
// RUN: rotq-tokenize %t/qwen2.gguf %t/pre.txt -o %t/q2.npy
// RUN: %python %inputs/ref_ops.py equal %t/q2.npy %t/qwen2.pre.npy
// RUN: rotq-tokenize %t/qwen2.json %t/readme.txt -o %t/q3.npy
// RUN: %python %inputs/ref_ops.py equal %t/q3.npy %t/qwen2.readme.npy
// RUN: rotq-tokenize %t/qwen2.json %t/text.txt -o %t/q4.npy
// RUN: %python %inputs/ref_ops.py equal %t/q4.npy %t/qwen2.text.npy
// NFC (real NFC, with Python's unicodedata tables), every character of the
// NFC text in rotq's tables; a Sequence of NFC alone is NFC:
// RUN: rotq-tokenize %t/qwen2-nfc.json %t/nfc.txt -o %t/n1.npy 2>&1 | FileCheck %s --check-prefix=NFCEXACT --implicit-check-not=warning
// NFCEXACT: rotq-tokenize: {{[0-9]+}} tokens of {{.*}}nfc.txt
// RUN: %python %inputs/ref_ops.py equal %t/n1.npy %t/qwen2-nfc.nfc.npy
// RUN: rotq-tokenize %t/qwen2-nfc.json %t/pre.txt -o %t/n2.npy
// RUN: %python %inputs/ref_ops.py equal %t/n2.npy %t/qwen2-nfc.pre.npy
// RUN: rotq-tokenize %t/qwen2-nfc.json %t/text.txt -o %t/n3.npy
// RUN: %python %inputs/ref_ops.py equal %t/n3.npy %t/qwen2-nfc.text.npy
// RUN: rotq-tokenize %t/qwen2-nfc.json %t/readme.txt -o %t/n4.npy
// RUN: %python %inputs/ref_ops.py equal %t/n4.npy %t/qwen2-nfc.readme.npy
// RUN: %python -c "import json; j = json.load(open('%t/qwen2-nfc.json')); j['normalizer'] = {'type': 'Sequence', 'normalizers': [j['normalizer']]}; json.dump(j, open('%t/seqnfc.json', 'w'))"
// RUN: rotq-tokenize %t/seqnfc.json %t/nfc.txt -o %t/n5.npy
// RUN: %python %inputs/ref_ops.py equal %t/n5.npy %t/qwen2-nfc.nfc.npy
// Marks that Unicode 10-14 added (the library's NFC has Unicode 9.0's
// tables) count as unclassified with NFC only:
// RUN: %python -c "open('%t/newer.txt', 'w', encoding='utf-8').write('a\u1dfa\u0301 e\u1ac1')"
// RUN: rotq-tokenize %t/qwen2-nfc.json %t/newer.txt -o %t/x.npy 2>&1 | FileCheck %s --check-prefix=NEWER
// NEWER: warning: 2 characters outside rotq's Unicode tables
// RUN: rotq-tokenize %t/qwen2.json %t/newer.txt -o %t/x.npy 2>&1 | FileCheck %s --check-prefix=OLDER --implicit-check-not=warning
// OLDER: rotq-tokenize: {{[0-9]+}} tokens of {{.*}}newer.txt
//
// The text tells the two patterns (and ignore_merges) apart:
// RUN: not %python %inputs/ref_ops.py equal %t/llama3.pre.npy %t/qwen2.pre.npy
// GPT-2's pattern, with and without digits, on the same text:
// RUN: rotq-tokenize %t/plain.json %t/pre.txt -o %t/p1.npy
// RUN: %python %inputs/ref_ops.py equal %t/p1.npy %t/plain.pre.npy
// RUN: rotq-tokenize %t/digits.json %t/pre.txt -o %t/p2.npy
// RUN: %python %inputs/ref_ops.py equal %t/p2.npy %t/digits.pre.npy
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
// A normalizer other than NFC, alone or in a Sequence:
// RUN: %python -c "import json; j = json.load(open('%t/qwen2-nfc.json')); j['normalizer'] = {'type': 'NFKC'}; json.dump(j, open('%t/nfkc.json', 'w'))"
// RUN: not rotq-tokenize %t/nfkc.json %t/text.txt -o %t/x.npy 2>&1 | FileCheck %s --check-prefix=NORM1
// NORM1: error: {{.*}}nfkc.json: the normalizer 'NFKC' is not supported (rotq has NFC, alone or in a Sequence of NFC only)
// RUN: %python -c "import json; j = json.load(open('%t/qwen2-nfc.json')); j['normalizer'] = {'type': 'Sequence', 'normalizers': [{'type': 'NFC'}, {'type': 'Lowercase'}]}; json.dump(j, open('%t/lower.json', 'w'))"
// RUN: not rotq-tokenize %t/lower.json %t/text.txt -o %t/x.npy 2>&1 | FileCheck %s --check-prefix=NORM2
// NORM2: error: {{.*}}lower.json: the normalizer 'Lowercase' is not supported (rotq has NFC, alone or in a Sequence of NFC only)
// A Split with another pattern, or not Isolated, and a ByteLevel that
// would split again after it; a GGUF pre-tokenizer rotq does not have:
// RUN: %python -c "import json; j = json.load(open('%t/llama3.json')); j['pre_tokenizer']['pretokenizers'][0]['pattern']['Regex'] = ' ?[a-z]+|[^a-z]'; json.dump(j, open('%t/split1.json', 'w'))"
// RUN: not rotq-tokenize %t/split1.json %t/text.txt -o %t/x.npy 2>&1 | FileCheck %s --check-prefix=SPLIT1
// SPLIT1: error: {{.*}}split1.json: the Split pre-tokenizer's pattern is not Llama 3's or Qwen2's (rotq reads byte-level BPE with GPT-2's pattern, optionally after individual digits, or after a Split with Llama 3's or Qwen2's pattern)
// RUN: %python -c "import json; j = json.load(open('%t/qwen2.json')); j['pre_tokenizer']['pretokenizers'][0]['behavior'] = 'Removed'; json.dump(j, open('%t/split2.json', 'w'))"
// RUN: not rotq-tokenize %t/split2.json %t/text.txt -o %t/x.npy 2>&1 | FileCheck %s --check-prefix=SPLIT2
// SPLIT2: error: {{.*}}split2.json: a Split pre-tokenizer that is not Isolated (or is inverted) is not supported
// RUN: %python -c "import json; j = json.load(open('%t/llama3.json')); j['pre_tokenizer']['pretokenizers'][1]['use_regex'] = True; json.dump(j, open('%t/split3.json', 'w'))"
// RUN: not rotq-tokenize %t/split3.json %t/text.txt -o %t/x.npy 2>&1 | FileCheck %s --check-prefix=SPLIT3
// SPLIT3: error: {{.*}}split3.json: pre-tokenizer 'ByteLevel' is not supported (rotq reads
// RUN: not rotq-tokenize %t/other.gguf %t/text.txt -o %t/x.npy 2>&1 | FileCheck %s --check-prefix=PRE
// PRE: error: {{.*}}other.gguf: tokenizer.ggml.pre 'deepseek-llm' is not supported (gpt-2, smollm, starcoder, refact, codeshell, command-r, llama-bpe, llama3, llama-v3, qwen2)
// RUN: not rotq-tokenize %t/plain.json %t/text.txt -o %t/text.txt 2>&1 | FileCheck %s --check-prefix=SELF
// SELF: error:
// RUN: cmp %S/Inputs/tokenize-text.txt %t/text.txt
