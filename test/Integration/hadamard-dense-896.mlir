// rotq.hadamard on the CPU against the dense matrix from the Hadamard
// library (896 = 28 x 2^5), with and without signs, and its transpose.
// REQUIRES: numpy
// RUN: rotq-hadamard 896 --emit %t.H.npy | FileCheck %s --check-prefix=FACT
// RUN: %python %inputs/randn.py %t.x.npy 7 3 896
// RUN: %python %inputs/gen_hadamard_test.py 896 3 > %t.plain.mlir
// RUN: rotq-run %t.plain.mlir -e h --input %t.x.npy --output %t.y.npy
// RUN: %python %inputs/check_hadamard.py %t.x.npy %t.y.npy %t.H.npy | FileCheck %s
// RUN: %python %inputs/gen_hadamard_test.py 896 3 --signs 5 > %t.signs.mlir
// RUN: rotq-run %t.signs.mlir -e h --input %t.x.npy --output %t.ys.npy
// RUN: %python %inputs/check_hadamard.py %t.x.npy %t.ys.npy %t.H.npy --signs 5 | FileCheck %s
// RUN: %python %inputs/gen_hadamard_test.py 896 3 --signs 5 --transpose > %t.tr.mlir
// RUN: rotq-run %t.tr.mlir -e h --input %t.x.npy --output %t.yt.npy
// RUN: %python %inputs/check_hadamard.py %t.x.npy %t.yt.npy %t.H.npy --signs 5 --transpose | FileCheck %s
// FACT: 896 = 28 (Paley I, q=27=3^3) x 2^5
// CHECK: OK
