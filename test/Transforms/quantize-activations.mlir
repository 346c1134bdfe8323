// rotq-quantize-activations: per-token dynamic quantization of linear
// inputs. On one linear, against an independent NumPy float64 fake-quant of
// both weights and activations (test/Inputs/quant_linear_test.py):
// real mode (rotq.qmatmul, integer accumulation) and fake mode
// (quantize-dequantize in float) both match it, for 4-bit symmetric
// per-token activations with clip 0.9 on 4-bit per-row weights, 8-bit
// asymmetric on 8-bit asymmetric, and 4-bit groups of 8 on 4-bit groups of 8.
// REQUIRES: numpy
// RUN: rm -rf %t && mkdir -p %t/a %t/b %t/c
// RUN: %python %inputs/quant_linear_test.py %t/a 4 0 sym 5 4 0.9 sym 0
// RUN: rotq-opt %t/a/model.mlir --rotq-quantize-weights="clip-search=false" --rotq-quantize-activations -o %t/a/real.mlir
// RUN: FileCheck %s --input-file=%t/a/real.mlir
// RUN: rotq-run %t/a/real.mlir -e f --input %t/a/x.npy --output %t/a/y.npy
// RUN: %python %inputs/compare.py %t/a/y.npy %t/a/ref.npy 1e-5
// RUN: rotq-opt %t/a/model.mlir --rotq-quantize-weights="clip-search=false" --rotq-quantize-activations=mode=fake -o %t/a/fake.mlir
// RUN: FileCheck %s --check-prefix=FAKE --input-file=%t/a/fake.mlir
// RUN: rotq-run %t/a/fake.mlir -e f --input %t/a/x.npy --output %t/a/yf.npy
// RUN: %python %inputs/compare.py %t/a/yf.npy %t/a/ref.npy 1e-5
//
// RUN: %python %inputs/quant_linear_test.py %t/b 8 0 asym 6 8 1.0 asym 0
// RUN: rotq-opt %t/b/model.mlir --rotq-quantize-weights="bits=8 asymmetric=true clip-search=false" --rotq-quantize-activations="bits=8 asymmetric=true clip-ratio=1.0" -o %t/b/real.mlir
// RUN: FileCheck %s --check-prefix=ASYM --input-file=%t/b/real.mlir
// RUN: rotq-run %t/b/real.mlir -e f --input %t/b/x.npy --output %t/b/y.npy
// RUN: %python %inputs/compare.py %t/b/y.npy %t/b/ref.npy 1e-5
//
// RUN: %python %inputs/quant_linear_test.py %t/c 4 8 sym 7 4 0.9 sym 8
// RUN: rotq-opt %t/c/model.mlir --rotq-quantize-weights="group-size=8 clip-search=false" --rotq-quantize-activations="group-size=8" -o %t/c/real.mlir
// RUN: FileCheck %s --check-prefix=GROUP --input-file=%t/c/real.mlir
// RUN: rotq-run %t/c/real.mlir -e f --input %t/c/x.npy --output %t/c/y.npy
// RUN: %python %inputs/compare.py %t/c/y.npy %t/c/ref.npy 1e-5
//
// CHECK: %[[Q:.*]], %[[S:.*]] = rotq.quantize %arg0 {bits = 4 : i64, clip_ratio = 9.000000e-01 : f64, granularity = #rotq.granularity<row>} : tensor<5x32xf32> -> tensor<5x32xi8>, tensor<5x1xf32>
// CHECK: rotq.qmatmul %[[Q]] scale(%[[S]] : tensor<5x1xf32>), %{{.*}} scale(%{{.*}} : tensor<16x1xf32>) : tensor<5x32xi8>, tensor<16x32xi8> -> tensor<5x16xf32>
// CHECK-NOT: rotq.linear
// FAKE: rotq.quantize %arg0
// FAKE: rotq.dequantize
// FAKE: rotq.linear
// FAKE-NOT: rotq.qmatmul
// ASYM: rotq.qmatmul %{{.*}} scale(%{{.*}} : tensor<5x1xf32>) zero_point(%{{.*}} : tensor<5x1xi8>), %{{.*}} scale(%{{.*}} : tensor<16x1xf32>) zero_point(%{{.*}} : tensor<16x1xi8>)
// GROUP: rotq.quantize %arg0 {bits = 4 : i64, clip_ratio = 9.000000e-01 : f64, granularity = #rotq.granularity<group>, group_size = 8 : i64} : tensor<5x32xf32> -> tensor<5x32xi8>, tensor<5x4xf32>
// GROUP: rotq.qmatmul {{.*}} : tensor<5x4xf32>), {{.*}} : tensor<16x4xf32>)
//
// A whole model after QuaRot, W4A4: every linear but the LM head becomes a
// rotq.qmatmul fed by the online Hadamards where QuaRot put them; real and
// fake modes agree up to float rounding.
// RUN: rotq-import --synthesize %inputs/models/llama-mha.json --seed 3 --outliers realistic -o %t/ck
// RUN: rotq-import %t/ck -o %t/model.mlir
// RUN: rotq-opt %t/model.mlir --rotq-quarot --rotq-quantize-weights --rotq-quantize-activations -o %t/w4a4.mlir
// RUN: rotq-opt %t/model.mlir --rotq-quarot --rotq-quantize-weights=mode=fake --rotq-quantize-activations=mode=fake -o %t/w4a4-fake.mlir
// RUN: rotq-run --compare %t/w4a4.mlir %t/w4a4-fake.mlir -e forward --random-inputs --random-int-max 256 --dynamic-size 9 --rel-tol 1e-5
// RUN: FileCheck %s --check-prefix=MODEL --input-file=%t/w4a4.mlir
// RUN: FileCheck %s --check-prefix=DOWN --input-file=%t/w4a4.mlir
// MODEL-COUNT-14: rotq.qmatmul
// MODEL-NOT: rotq.qmatmul
// MODEL: rotq.linear %{{.*}}, %{{.*}} : tensor<?x64xf32>, tensor<256x64xf32> -> tensor<?x256xf32>
// The down_proj input is quantized after its online Hadamard.
// DOWN: %[[H:.*]] = rotq.hadamard %{{.*}} : tensor<?x128xf32>
// DOWN: %[[C:.*]], %[[S:.*]] = rotq.quantize %[[H]]
// DOWN-NEXT: rotq.qmatmul %[[C]] scale(%[[S]] : tensor<?x1xf32>), {{.*}} : tensor<?x128xi8>, tensor<64x128xi8> -> tensor<?x64xf32>
//
// Float weights: the activation is quantized and dequantized in float,
// and the report says why.
// RUN: rotq-opt %t/a/model.mlir --rotq-quantize-activations=report=true -o /dev/null 2>&1 | FileCheck %s --check-prefix=FLOATW
// FLOATW: remark: {{.*}}: activations fake-quantized, its weight is not quantized
// RUN: not rotq-opt %t/a/model.mlir --rotq-quantize-activations="group-size=5" 2>&1 | FileCheck %s --check-prefix=BADGROUP
// BADGROUP: error: group-size 5 does not divide the 32 input channels
// RUN: not rotq-opt %t/a/model.mlir --rotq-quantize-activations="clip-ratio=1.5" 2>&1 | FileCheck %s --check-prefix=CLIP
// CLIP: error: clip-ratio must be in (0, 1], got 1.5
