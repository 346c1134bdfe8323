// 18944 = 148 (Paley II, q=73) x 2^7 (Qwen2-7B ffn; QuaRot has no matrix).
// REQUIRES: numpy
// RUN: rotq-hadamard 18944 --emit %t.H.npy | FileCheck %s --check-prefix=FACT
// RUN: %python %inputs/randn.py %t.x.npy 13 2 18944
// RUN: %python %inputs/gen_hadamard_test.py 18944 2 > %t.mlir
// RUN: rotq-run %t.mlir -e h --input %t.x.npy --output %t.y.npy
// RUN: %python %inputs/check_hadamard.py %t.x.npy %t.y.npy %t.H.npy | FileCheck %s
// RUN: rm %t.H.npy
// FACT: 18944 = 148 (Paley II, q=73) x 2^7
// CHECK: OK
