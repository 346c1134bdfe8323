// A materialized model reads its weights from "model.safetensors" beside
// it (relative, so that the directory can move). Passes that run the model
// (the calibration of rotq-quantize) find them from any working directory,
// as rotq-eval and rotq-run do.
// RUN: rm -rf %t && mkdir -p %t/elsewhere
// RUN: rotq-import --synthesize %inputs/models/llama-mha.json --seed 1 -o %t/ck
// RUN: rotq-import %t/ck -o %t/float.mlir
// RUN: rotq-opt %t/float.mlir --rotq-quarot=seed=1 -mlir-print-debuginfo -o %t/rot.mlir
// RUN: rotq-materialize %t/rot.mlir -o %t/mat --quiet
// RUN: grep -c 'in "model.safetensors"' %t/mat/model.mlir
// RUN: cd %t/elsewhere && rotq-opt %t/mat/model.mlir --rotq-quantize="w-bits=4 a-bits=8 calibration-samples=2 calibration-length=16" -o %t/q.mlir
// RUN: cd %t/elsewhere && rotq-eval %t/mat/model.mlir --pipeline 'rotq-quantize{w-bits=4 a-bits=8 calibration-samples=2 calibration-length=16}' --sample 8 | FileCheck %s
// CHECK: pipeline
