// rotq-gptq on whole models: for every linear, GPTQ's output error on the
// calibration inputs is below RTN's with the same bits, scales and clip
// search (per channel, groups, act-order, asymmetric, 3 bits), with and
// without the QuaRot rotation; real and fake modes agree; the LM head
// stays in float. The layer-level algorithm is unit-tested against an
// unblocked OBS reference in unittests/Support/GptqTest.cpp.
// REQUIRES: numpy
// RUN: rm -rf %t && mkdir -p %t
// RUN: rotq-import --synthesize %inputs/models/llama-mha.json --seed 3 --outliers realistic -o %t/ck
// RUN: rotq-import %t/ck -o %t/model.mlir
// RUN: rotq-opt %t/model.mlir --rotq-quarot -o %t/rot.mlir
// RUN: rotq-opt %t/rot.mlir --rotq-gptq="report=true calibration-samples=4 calibration-length=64" -mlir-print-debuginfo -o %t/w4.mlir 2> %t/r1.txt
// RUN: %python %S/Inputs/check_gptq_report.py %t/r1.txt 14
// RUN: FileCheck %s --input-file=%t/r1.txt
// Layer-wise (the default: 2 layers x 4 groups, cut into 9 segments, each
// step reruns one segment) and the whole model at every step give the same
// model, byte for byte. The second layer's q/k/v and gate/up segments are
// the first layer's programs with other weights: they reuse its code (its
// o_proj segment reads a value the first layer's made, so it differs).
// RUN: FileCheck %s --check-prefix=SEGMENTS --input-file=%t/r1.txt
// RUN: rotq-opt %t/rot.mlir --rotq-gptq="report=true calibration-samples=4 calibration-length=64 layer-wise=false" -mlir-print-debuginfo -o %t/w4-whole.mlir 2> %t/r0.txt
// RUN: FileCheck %s --check-prefix=WHOLE --input-file=%t/r0.txt
// RUN: cmp %t/w4.mlir %t/w4-whole.mlir
// A materialized model (relative parameter file, locations naming the file
// it was printed from) is calibrated from any directory.
// RUN: rotq-materialize %t/rot.mlir -o %t/mat --quiet
// RUN: cd / && rotq-opt %t/mat/model.mlir --rotq-gptq="calibration-samples=2 calibration-length=8 mode=fake" -o /dev/null
// RUN: rotq-opt %t/rot.mlir --rotq-gptq="report=true group-size=32 act-order=true asymmetric=true calibration-samples=4 calibration-length=64" -o /dev/null 2> %t/r2.txt
// RUN: %python %S/Inputs/check_gptq_report.py %t/r2.txt 14
// RUN: rotq-opt %t/model.mlir --rotq-raise-model --rotq-gptq="report=true bits=3 calibration-samples=4 calibration-length=64" -o /dev/null 2> %t/r3.txt
// RUN: %python %S/Inputs/check_gptq_report.py %t/r3.txt 14
// Real (codes in the IR) and fake (dequantized floats) give the same model.
// RUN: rotq-opt %t/rot.mlir --rotq-gptq="calibration-samples=4 calibration-length=64 mode=fake" -o %t/w4-fake.mlir
// RUN: rotq-run --compare %t/w4.mlir %t/w4-fake.mlir -e forward --random-inputs --random-int-max 256 --dynamic-size 7 --rel-tol 1e-6
// RUN: FileCheck %s --check-prefix=IR --input-file=%t/w4.mlir
// Calibration tokens from a file.
// RUN: %python %inputs/tokens.py %t/tok.npy 48 256 2 --bos 1
// RUN: rotq-opt %t/rot.mlir --rotq-gptq="report=true calibration=%t/tok.npy" -o /dev/null 2>&1 | FileCheck %s --check-prefix=FILE
//
// CHECK: remark: GPTQ 4-bit rotq.linear {{.*}}: output error {{.*}} (RTN {{.*}}) on 256 calibration tokens
// IR-COUNT-14: rotq.dequantize
// IR-NOT: rotq.dequantize
// IR: rotq.linear %{{.*}}, %cst{{.*}} : tensor<?x64xf32>, tensor<256x64xf32> -> tensor<?x256xf32>
// FILE: on 48 calibration tokens
// SEGMENTS: remark: GPTQ calibration: 9 segment(s) (2 reusing an identical one's code), 32 segment runs over 4 sequences
// WHOLE: remark: GPTQ calibration: 1 segment(s) (0 reusing an identical one's code), 32 segment runs over 4 sequences
//
// RUN: not rotq-opt %t/rot.mlir --rotq-gptq="group-size=5" 2>&1 | FileCheck %s --check-prefix=GROUP
// GROUP: error: group-size 5 does not divide the 64 input channels
// RUN: not rotq-opt %t/rot.mlir --rotq-gptq="bits=1" 2>&1 | FileCheck %s --check-prefix=BITS
// BITS: error: bits must be in 2..8, got 1
// RUN: not rotq-opt %S/Inputs/linear-f32-arg.mlir --rotq-gptq 2>&1 | FileCheck %s --check-prefix=SIG
// SIG: error: calibration runs @f on token ids
