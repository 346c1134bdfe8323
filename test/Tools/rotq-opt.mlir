// rotq-opt lists the rotq passes and pipelines, and reports malformed IR
// without crashing.
// RUN: rotq-opt --help | FileCheck %s --check-prefix=HELP
// HELP: --convert-rotq-to-linalg
// HELP: --rotq-lower-to-llvm
// RUN: not rotq-opt %s 2>&1 | FileCheck %s
// CHECK: rotq-opt.mlir:9:24: error: expected ':'
func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = rotq.hadamard %x
  return %y : tensor<4xf32>
}
