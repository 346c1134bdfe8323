// rotq-eval --pipeline/--seeds: the reference transformed by a pass
// pipeline once per seed ({seed} replaced) gives the metrics of the same
// models made by rotq-opt, and the summary rows are their mean, min and max.
// REQUIRES: numpy
// RUN: rm -rf %t && mkdir -p %t
// RUN: rotq-import --synthesize %inputs/models/llama-mha.json --seed 2 --outliers realistic -o %t/ck
// RUN: rotq-import %t/ck -o %t/float.mlir
// RUN: %python %inputs/tokens.py %t/tok.npy 20 256 5 --bos 1
// RUN: rotq-opt %t/float.mlir --rotq-quarot=seed=1 --rotq-quantize="w-bits=4 a-bits=8" -o %t/s1.mlir
// RUN: rotq-opt %t/float.mlir --rotq-quarot=seed=2 --rotq-quantize="w-bits=4 a-bits=8" -o %t/s2.mlir
// RUN: rotq-eval %t/float.mlir %t/s1.mlir %t/s2.mlir --input %t/tok.npy --json > %t/files.json
// RUN: rotq-eval %t/float.mlir --pipeline 'rotq-quarot{seed={seed}},rotq-quantize{w-bits=4 a-bits=8}' --seeds 2 --input %t/tok.npy --json > %t/pipe.json
// RUN: %python %S/Inputs/check_eval_seeds.py %t/files.json %t/pipe.json | FileCheck %s
// CHECK: OK
// RUN: rotq-eval %t/float.mlir --pipeline 'rotq-quarot{seed={seed}},rotq-quantize{w-bits=4 a-bits=8}' --seeds 2 --input %t/tok.npy | FileCheck %s --check-prefix=TABLE
// TABLE: pipeline, seed 1
// TABLE-NEXT: pipeline, seed 2
// TABLE-NEXT: mean of 2
// TABLE-NEXT: min of 2
// TABLE-NEXT: max of 2
// A list of files is summarized too.
// RUN: rotq-eval %t/float.mlir %t/s1.mlir %t/s2.mlir --summary --input %t/tok.npy | FileCheck %s --check-prefix=LIST
// LIST: s2.mlir
// LIST-NEXT: mean of 2
//
// RUN: not rotq-eval %t/float.mlir --pipeline 'rotq-quarot' --seeds 2 --input %t/tok.npy 2>&1 | FileCheck %s --check-prefix=NOSEED
// NOSEED: error: --seeds 2: the pipeline has no {seed} to vary
// RUN: not rotq-eval %t/float.mlir %t/s1.mlir --seeds 2 --input %t/tok.npy 2>&1 | FileCheck %s --check-prefix=NOPIPE
// NOPIPE: error: --seeds needs --pipeline
// RUN: not rotq-eval %t/float.mlir --pipeline 'rotq-quarot,nope' --input %t/tok.npy 2>&1 | FileCheck %s --check-prefix=BADPASS
// BADPASS: error: --pipeline 'rotq-quarot,nope': {{.*}}'nope' does not refer to a registered pass or pass pipeline
// RUN: not rotq-eval %t/float.mlir --pipeline 'rotq-quantize{w-bits=44}' --input %t/tok.npy 2>&1 | FileCheck %s --check-prefix=BADOPT
// BADOPT: w-bits must be 2..8
