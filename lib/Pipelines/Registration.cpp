//===- Registration.cpp - register every rotq pipeline --------------------===//
#include "rotq/Pipelines/Pipelines.h"

void mlir::rotq::registerRotqPipelines() {
  registerLowerToLLVMPipeline();
  registerLowerToNVVMPipeline();
  registerQuaRotPipeline();
  registerDuQuantPipeline();
  registerQuantizePipeline();
}
