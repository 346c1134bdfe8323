// 11008 = 344 (Paley I over GF(7^3)) x 2^5 (Llama-2-7B ffn), with signs.
// REQUIRES: numpy
// RUN: rotq-hadamard 11008 --emit %t.H.npy | FileCheck %s --check-prefix=FACT
// RUN: %python %inputs/randn.py %t.x.npy 11 2 11008
// RUN: %python %inputs/gen_hadamard_test.py 11008 2 --signs 3 > %t.mlir
// RUN: rotq-run %t.mlir -e h --input %t.x.npy --output %t.y.npy
// RUN: %python %inputs/check_hadamard.py %t.x.npy %t.y.npy %t.H.npy --signs 3 | FileCheck %s
// RUN: rm %t.H.npy
// FACT: 11008 = 344 (Paley I, q=343=7^3) x 2^5
// CHECK: OK
