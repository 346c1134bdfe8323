//===- rotq-opt.cpp - mlir-opt with the rotq dialect and passes -----------===//
#include "rotq/Calibration/Passes.h"
#include "rotq/Conversion/Passes.h"
#include "rotq/Dialect/Rotq/IR/RotqDialect.h"
#include "rotq/Materialize/Materialize.h"
#include "rotq/Pipelines/Pipelines.h"
#include "rotq/Support/OutputFile.h"
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
  mlir::rotq::registerRotqCalibrationPasses();
  mlir::rotq::registerRotqPipelines();

  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::registerAllToLLVMIRTranslations(registry);
  mlir::registerAllGPUToLLVMIRTranslations(registry);
  registry.insert<mlir::rotq::RotqDialect>();
  auto [input, output] = mlir::registerAndParseCLIOptions(
      argc, argv, "rotq optimizer driver\n", registry);
  // Passes that read parameters (calibration) find relative files beside
  // the input, wherever rotq-opt runs.
  rotq::materialize::setDefaultBaseDir(rotq::materialize::directoryOf(input));
  // The output goes to a temporary file renamed into place: writing the
  // input's path directly would truncate a file the parser still maps
  // (SIGBUS, and the input lost).
  llvm::Expected<rotq::OutputFile> out =
      rotq::OutputFile::prepare(output, {input});
  if (!out) {
    llvm::errs() << "rotq-opt: error: " << llvm::toString(out.takeError())
                 << "\n";
    return 1;
  }
  if (mlir::failed(mlir::MlirOptMain(argc, argv, input, out->path(), registry)))
    return 1;
  if (llvm::Error e = out->commit()) {
    llvm::errs() << "rotq-opt: error: " << llvm::toString(std::move(e)) << "\n";
    return 1;
  }
  return 0;
}
