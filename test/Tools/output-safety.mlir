// No tool overwrites or truncates one of its inputs (directly, through a
// symlink or a hard link), and every failed write is an error.
// REQUIRES: numpy
// RUN: rm -rf %t && mkdir -p %t
// RUN: rotq-import --synthesize %inputs/models/llama-mha.json --seed 1 -o %t/ck
// RUN: rotq-import %t/ck -o %t/model.mlir
// RUN: cp %t/model.mlir %t/keep.mlir
//
// rotq-opt onto its input: refused, the input intact (writing it directly
// would truncate the file the parser maps).
// RUN: not rotq-opt %t/model.mlir -canonicalize -o %t/model.mlir 2>&1 | FileCheck %s --check-prefix=SAME
// RUN: ln -s %t/model.mlir %t/sym.mlir && ln %t/model.mlir %t/hard.mlir
// RUN: not rotq-opt %t/model.mlir -canonicalize -o %t/sym.mlir 2>&1 | FileCheck %s --check-prefix=SAME
// RUN: not rotq-opt %t/model.mlir -canonicalize -o %t/hard.mlir 2>&1 | FileCheck %s --check-prefix=SAME
// RUN: cmp %t/model.mlir %t/keep.mlir
// SAME: error: {{.*}}: refusing to overwrite the input {{.*}}model.mlir
//
// rotq-import onto a link to the weights it reads.
// RUN: ln -s %t/ck/model.safetensors %t/weights-link.mlir
// RUN: not rotq-import %t/ck -o %t/weights-link.mlir 2>&1 | FileCheck %s --check-prefix=IMPORT
// IMPORT: error: {{.*}}weights-link.mlir: refusing to overwrite the input {{.*}}model.safetensors
//
// rotq-eval --save-tokens onto a model it compares.
// RUN: not rotq-eval %t/model.mlir %t/hard.mlir --sample 4 --save-tokens %t/hard.mlir 2>&1 | FileCheck %s --check-prefix=EVAL
// RUN: cmp %t/model.mlir %t/keep.mlir
// EVAL: refusing to overwrite the input {{.*}}model.mlir with --save-tokens
//
// A full disk is an error, not a silent success.
// RUN: %python %inputs/tokens.py %t/tok.npy 5 256 1
// RUN: not rotq-run %t/model.mlir -e forward --input %t/tok.npy --output /dev/full 2>&1 | FileCheck %s --check-prefix=FULL
// RUN: not rotq-eval %t/model.mlir %t/model.mlir --sample 4 --save-tokens /dev/full 2>&1 | FileCheck %s --check-prefix=FULL
// RUN: not rotq-hadamard 64 --emit /dev/full 2>&1 | FileCheck %s --check-prefix=FULL
// RUN: not rotq-opt %t/model.mlir -o /dev/full 2>&1 | FileCheck %s --check-prefix=FULLOPT
// FULL: /dev/full: cannot write: No space left on device
// FULLOPT: No space left on device
//
// A successful write leaves no temporary file behind.
// RUN: rotq-opt %t/model.mlir -canonicalize -o %t/canon.mlir
// RUN: ls -a %t | FileCheck %s --check-prefix=CLEAN
// CLEAN-NOT: .tmp-
