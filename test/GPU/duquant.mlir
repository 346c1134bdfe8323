// DuQuant's fused online transform on the GPU (block rotation, gather,
// block rotation, then asymmetric 4-bit per-row quantization) against the
// CPU path: codes within one step where a value sits at a rounding
// boundary, scales to 1e-5; hidden 4096 in f16 with blocks of 128, and
// 1216 in bf16 with blocks of 64 without the quantizer (values to 1e-2,
// the CPU rounding to bf16 between the ops).
// REQUIRES: cuda, numpy
// RUN: %python %inputs/gen_duquant_test.py 4096 128 f16 67 %t.a --quantize --seed 1
// RUN: rotq-run %t.a.mlir -e f --device=cuda --input %t.a.x.npy --input %t.a.m1.npy --input %t.a.m2.npy --output %t.qg.npy --output %t.sg.npy --output %t.zg.npy
// RUN: rotq-run %t.a.mlir -e f --input %t.a.x.npy --input %t.a.m1.npy --input %t.a.m2.npy --output %t.qc.npy --output %t.sc.npy --output %t.zc.npy
// RUN: %python %S/Inputs/check_codes.py %t.qg.npy %t.qc.npy %t.sg.npy %t.sc.npy | FileCheck %s
// RUN: %python %inputs/gen_duquant_test.py 1216 64 bf16 9 %t.b --seed 2
// RUN: rotq-run %t.b.mlir -e f --device=cuda --input %t.b.x.npy --input %t.b.m1.npy --input %t.b.m2.npy --output %t.yg.npy
// RUN: rotq-run %t.b.mlir -e f --input %t.b.x.npy --input %t.b.m1.npy --input %t.b.m2.npy --output %t.yc.npy
// RUN: %python %inputs/compare.py %t.yg.npy %t.yc.npy 1e-2
// CHECK: OK
