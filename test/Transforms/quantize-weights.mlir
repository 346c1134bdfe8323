// rotq-quantize-weights: RTN codes, scales and zero points as rotq.quantize
// defines them, checked against an independent NumPy float64 fake-quant
// (test/Inputs/quant_linear_test.py) for symmetric/asymmetric, per-row and
// per-group, 4/3/8 bits; real (packed codes, dequantized in the IR) and
// fake (float weights) modes give identical results; the LM head stays.
// REQUIRES: numpy
// RUN: rm -rf %t && mkdir -p %t/a %t/b %t/c %t/d
// RUN: %python %inputs/quant_linear_test.py %t/a 4 8 sym 1
// RUN: rotq-opt %t/a/model.mlir --rotq-quantize-weights="bits=4 group-size=8 clip-search=false" -o %t/a/real.mlir
// RUN: rotq-run %t/a/real.mlir -e f --input %t/a/x.npy --output %t/a/y.npy
// RUN: %python %inputs/compare.py %t/a/y.npy %t/a/ref.npy 1e-6
// RUN: FileCheck %s --input-file=%t/a/real.mlir
// RUN: rotq-materialize %t/a/real.mlir -o %t/a/mat --quiet
// RUN: rotq-run %t/a/mat/model.mlir -e f --input %t/a/x.npy --output %t/a/y-mat.npy
// RUN: %python %inputs/compare.py %t/a/y-mat.npy %t/a/ref.npy 1e-6
// RUN: FileCheck %s --check-prefix=STORED --input-file=%t/a/mat/model.mlir
// RUN: rotq-opt %t/a/model.mlir --rotq-quantize-weights="bits=4 group-size=8 clip-search=false mode=fake" -o %t/a/fake.mlir
// RUN: rotq-run --compare %t/a/real.mlir %t/a/fake.mlir -e f --input %t/a/x.npy --rel-tol 0
// RUN: FileCheck %s --check-prefix=FAKE --input-file=%t/a/fake.mlir
//
// RUN: %python %inputs/quant_linear_test.py %t/b 4 0 asym 2
// RUN: rotq-opt %t/b/model.mlir --rotq-quantize-weights="bits=4 asymmetric=true clip-search=false" -o %t/b/real.mlir
// RUN: rotq-run %t/b/real.mlir -e f --input %t/b/x.npy --output %t/b/y.npy
// RUN: %python %inputs/compare.py %t/b/y.npy %t/b/ref.npy 1e-6
// RUN: FileCheck %s --check-prefix=ASYM --input-file=%t/b/real.mlir
//
// RUN: %python %inputs/quant_linear_test.py %t/c 3 16 sym 3
// RUN: rotq-opt %t/c/model.mlir --rotq-quantize-weights="bits=3 group-size=16 clip-search=false" -o %t/c/real.mlir
// RUN: rotq-run %t/c/real.mlir -e f --input %t/c/x.npy --output %t/c/y.npy
// RUN: %python %inputs/compare.py %t/c/y.npy %t/c/ref.npy 1e-6
// RUN: FileCheck %s --check-prefix=UNPACKED --input-file=%t/c/real.mlir
// RUN: rotq-materialize %t/c/real.mlir -o %t/c/mat --quiet
// RUN: FileCheck %s --check-prefix=UNPACKED-STORED --input-file=%t/c/mat/model.mlir
//
// RUN: %python %inputs/quant_linear_test.py %t/d 8 0 asym 4
// RUN: rotq-opt %t/d/model.mlir --rotq-quantize-weights="bits=8 asymmetric=true clip-search=false" -o %t/d/real.mlir
// RUN: rotq-run %t/d/real.mlir -e f --input %t/d/x.npy --output %t/d/y.npy
// RUN: %python %inputs/compare.py %t/d/y.npy %t/d/ref.npy 1e-6
//
// The pass writes the quantizer as IR on the weight; no data is computed.
// CHECK: %[[W0:.*]] = arith.constant dense<"0x{{.*}}"> : tensor<16x32xf32>
// CHECK: %[[C:.*]], %[[S:.*]] = rotq.quantize %[[W0]] {bits = 4 : i64, granularity = #rotq.granularity<group>, group_size = 8 : i64} : tensor<16x32xf32> -> tensor<16x32xi8>, tensor<16x4xf32>
// CHECK: %[[P:.*]] = rotq.pack %[[C]] {bits = 4 : i64} : tensor<16x32xi8> -> tensor<16x16xi8>
// CHECK: %[[Q:.*]] = rotq.unpack %[[P]] {bits = 4 : i64} : tensor<16x16xi8> -> tensor<16x32xi8>
// CHECK: %[[W:.*]] = rotq.dequantize %[[Q]] scale(%[[S]] : tensor<16x4xf32>) : tensor<16x32xi8> -> tensor<16x32xf32>
// CHECK: rotq.linear %{{.*}}, %[[W]]
// Materialized: packed codes and scales are stored, unpacked at run time.
// STORED-DAG: %[[P:.*]] = rotq.param "tensor.qweight" in "model.safetensors" : tensor<16x16xi8>
// STORED-DAG: %[[S:.*]] = rotq.param "tensor.scales" in "model.safetensors" : tensor<16x4xf32>
// STORED: %[[Q:.*]] = rotq.unpack %[[P]]
// STORED: rotq.dequantize %[[Q]] scale(%[[S]] : tensor<16x4xf32>)
// FAKE-NOT: rotq.pack
// FAKE: rotq.dequantize
// FAKE: rotq.linear
// ASYM: rotq.quantize {{.*}}asymmetric
// ASYM: rotq.dequantize %{{.*}} scale(%{{.*}} : tensor<16x1xf32>) zero_point(%{{.*}} : tensor<16x1xi8>)
// UNPACKED-NOT: rotq.pack
// UNPACKED: rotq.quantize {{.*}}bits = 3
// UNPACKED-STORED: rotq.param "tensor.qweight" in "model.safetensors" : tensor<16x32xi8>
//
// Whole model after QuaRot: fake and real agree exactly, the LM head is
// left in float, and the materialized checkpoint is about a quarter of the
// float one (4-bit codes in bytes of two, float32 before).
// RUN: rotq-import --synthesize %inputs/models/llama-mha.json --seed 3 -o %t/ck
// RUN: rotq-import %t/ck -o %t/model.mlir
// RUN: rotq-opt %t/model.mlir --rotq-quarot --rotq-quantize-weights -o %t/w4.mlir
// RUN: rotq-opt %t/model.mlir --rotq-quarot --rotq-quantize-weights=mode=fake -o %t/w4-fake.mlir
// RUN: rotq-run --compare %t/w4.mlir %t/w4-fake.mlir -e forward --random-inputs --random-int-max 256 --dynamic-size 7 --rel-tol 0
// RUN: FileCheck %s --check-prefix=MODEL --input-file=%t/w4.mlir
// RUN: rotq-materialize %t/w4.mlir -o %t/w4-mat --quiet
// RUN: rotq-run --compare %t/w4.mlir %t/w4-mat/model.mlir -e forward --random-inputs --random-int-max 256 --dynamic-size 7 --rel-tol 0
// RUN: %python -c "import os; a = os.path.getsize('%t/w4-mat/model.safetensors'); b = os.path.getsize('%t/ck/model.safetensors'); print('ratio %%.2f' %% (a / b)); assert a < 0.45 * b"
// MODEL-COUNT-14: rotq.dequantize
// MODEL-NOT: rotq.dequantize
// MODEL: rotq.linear %{{.*}}, %{{.*}} : tensor<?x64xf32>, tensor<256x64xf32> -> tensor<?x256xf32>
//
// RUN: not rotq-opt %t/a/model.mlir --rotq-quantize-weights="group-size=5" 2>&1 | FileCheck %s --check-prefix=GROUP
// GROUP: error: group-size 5 does not divide the 32 input channels
// RUN: not rotq-opt %t/a/model.mlir --rotq-quantize-weights="bits=9" 2>&1 | FileCheck %s --check-prefix=BITS
// BITS: error: bits must be in 2..8, got 9
