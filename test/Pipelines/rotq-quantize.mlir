// --rotq-quantize composes after --rotq-quarot: GPTQ 4-bit weights, 4-bit
// activations into rotq.qmatmul and a 4-bit KV cache, and the model runs
// end to end; with mode=fake the same pipeline agrees up to float
// rounding; 16 bits leaves a part in float; bad options are refused.
// RUN: rm -rf %t && mkdir -p %t
// RUN: rotq-import --synthesize %inputs/models/llama-mha.json --seed 4 --outliers realistic -o %t/ck
// RUN: rotq-import %t/ck -o %t/float.mlir
// RUN: rotq-opt %t/float.mlir --rotq-quarot --rotq-quantize="w-bits=4 a-bits=4 kv-bits=4 w-method=gptq calibration-samples=2 calibration-length=32" -o %t/q.mlir
// RUN: FileCheck %s --input-file=%t/q.mlir
// RUN: FileCheck %s --check-prefix=KV --input-file=%t/q.mlir
// RUN: rotq-opt %t/float.mlir --rotq-quarot --rotq-quantize="w-bits=4 a-bits=4 kv-bits=4 w-method=gptq calibration-samples=2 calibration-length=32 mode=fake" -o %t/qf.mlir
// RUN: rotq-run --compare %t/q.mlir %t/qf.mlir -e forward --random-inputs --random-int-max 256 --dynamic-size 11 --rel-tol 1e-5
// RUN: rotq-opt %t/float.mlir --rotq-quarot --rotq-quantize="w-bits=16 a-bits=8 kv-bits=16" | FileCheck %s --check-prefix=A8
// RUN: not rotq-opt %t/float.mlir --rotq-quantize="w-method=awq" 2>&1 | FileCheck %s --check-prefix=METHOD
// RUN: not rotq-opt %t/float.mlir --rotq-quantize="a-bits=12" 2>&1 | FileCheck %s --check-prefix=BITS
//
// CHECK-COUNT-14: rotq.qmatmul
// CHECK-NOT: rotq.qmatmul
// CHECK: rotq.linear
// Two layers, keys and values each: four cache quantizers.
// KV-COUNT-4: rotq.quantize {{.*}} {asymmetric, bits = 4 : i64, clip_ratio = 0.94999999999999996
// KV-NOT: asymmetric
// A8-COUNT-14: rotq.dequantize
// A8-NOT: rotq.qmatmul
// METHOD: rotq-quantize: w-method must be rtn or gptq, got 'awq'
// BITS: rotq-quantize: a-bits must be 2..8, or 16 to keep floats; got 12
