//===- rotq-opt.cpp - mlir-opt with the rotq dialect and passes -----------===//
#include "rotq/Conversion/Passes.h"
#include "rotq/Dialect/Rotq/IR/RotqDialect.h"
#include "rotq/Pipelines/Pipelines.h"
#include "rotq/Transforms/Passes.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  mlir::rotq::registerRotqConversionPasses();
  mlir::rotq::registerRotqTransformsPasses();
  mlir::rotq::registerRotqPipelines();

  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::registerAllToLLVMIRTranslations(registry);
  mlir::registerAllGPUToLLVMIRTranslations(registry);
  registry.insert<mlir::rotq::RotqDialect>();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "rotq optimizer driver\n", registry));
}
