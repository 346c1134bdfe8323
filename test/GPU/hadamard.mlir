// rotq.hadamard on the GPU (the FWHT kernel) against the dense matrices of
// the Hadamard library in float64 NumPy: power-of-two, unrolled (28) and
// looped (344) Paley factors, Paley-only orders, the DCT fallback, blocks,
// signs and transposes, row counts that fill no warp evenly, f16 data.
// REQUIRES: cuda, numpy
// RUN: %python %inputs/randn.py %t.x4096.npy 1 37 4096
// RUN: rotq-hadamard 4096 --emit %t.H4096.npy
// RUN: %python %inputs/gen_hadamard_test.py 4096 37 --signs 3 > %t.a.mlir
// RUN: rotq-run %t.a.mlir -e h --device=cuda --input %t.x4096.npy --output %t.ya.npy
// RUN: %python %inputs/check_hadamard.py %t.x4096.npy %t.ya.npy %t.H4096.npy --signs 3 | FileCheck %s
//
// RUN: %python %inputs/randn.py %t.x896.npy 2 5 896
// RUN: rotq-hadamard 896 --emit %t.H896.npy
// RUN: %python %inputs/gen_hadamard_test.py 896 5 --signs 4 --transpose > %t.b.mlir
// RUN: rotq-run %t.b.mlir -e h --device=cuda --input %t.x896.npy --output %t.yb.npy
// RUN: %python %inputs/check_hadamard.py %t.x896.npy %t.yb.npy %t.H896.npy --signs 4 --transpose | FileCheck %s
//
// RUN: %python %inputs/randn.py %t.x11008.npy 3 3 11008
// RUN: rotq-hadamard 11008 --emit %t.H11008.npy
// RUN: %python %inputs/gen_hadamard_test.py 11008 3 --signs 5 > %t.c.mlir
// RUN: rotq-run %t.c.mlir -e h --device=cuda --input %t.x11008.npy --output %t.yc.npy
// RUN: %python %inputs/check_hadamard.py %t.x11008.npy %t.yc.npy %t.H11008.npy --signs 5 | FileCheck %s
//
// RUN: %python %inputs/randn.py %t.x20.npy 4 9 20
// RUN: rotq-hadamard 20 --emit %t.H20.npy
// RUN: %python %inputs/gen_hadamard_test.py 20 9 --transpose > %t.d.mlir
// RUN: rotq-run %t.d.mlir -e h --device=cuda --input %t.x20.npy --output %t.yd.npy
// RUN: %python %inputs/check_hadamard.py %t.x20.npy %t.yd.npy %t.H20.npy --transpose | FileCheck %s
//
// RUN: %python %inputs/randn.py %t.x10.npy 5 6 10
// RUN: rotq-hadamard 10 --emit %t.H10.npy
// RUN: %python %inputs/gen_hadamard_test.py 10 6 --signs 6 > %t.e.mlir
// RUN: rotq-run %t.e.mlir -e h --device=cuda --input %t.x10.npy --output %t.ye.npy
// RUN: %python %inputs/check_hadamard.py %t.x10.npy %t.ye.npy %t.H10.npy --signs 6 | FileCheck %s
//
// RUN: %python %inputs/randn.py %t.x640.npy 6 4 640
// RUN: rotq-hadamard 128 --emit %t.H128.npy
// RUN: %python %inputs/gen_hadamard_test.py 640 4 --block 128 --signs 7 > %t.f.mlir
// RUN: rotq-run %t.f.mlir -e h --device=cuda --input %t.x640.npy --output %t.yf.npy
// RUN: %python %inputs/check_hadamard.py %t.x640.npy %t.yf.npy %t.H128.npy --signs 7 | FileCheck %s
//
// RUN: %python %inputs/randn.py %t.x14336.npy 7 3 14336 --dtype float16
// RUN: rotq-hadamard 14336 --emit %t.H14336.npy
// RUN: %python %inputs/gen_hadamard_test.py 14336 3 --dtype f16 > %t.g.mlir
// RUN: rotq-run %t.g.mlir -e h --device=cuda --input %t.x14336.npy --output %t.yg.npy
// RUN: %python %inputs/check_hadamard.py %t.x14336.npy %t.yg.npy %t.H14336.npy --tol 2e-3 | FileCheck %s
//
// The kernel and the CPU path agree in bf16 too (both round the f32 result
// once).
// RUN: %python %inputs/randn.py %t.x1216.npy 8 11 1216
// RUN: %python %inputs/gen_hadamard_test.py 1216 11 --dtype bf16 --signs 9 > %t.h.mlir
// RUN: rotq-run --compare %t.h.mlir %t.h.mlir -e h --device=cuda --ref-device=cpu --input %t.x1216.npy --rel-tol 1e-2
// CHECK: OK
