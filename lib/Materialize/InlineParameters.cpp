//===- InlineParameters.cpp - parameters into constants for codegen -------===//
//
// The first step of the lowering pipelines (rotq-lower-to-llvm / -nvvm):
// a program compiled from the module carries its weights, so parameters
// are loaded and pending weight chains evaluated (materializeInMemory)
// into constants. The tools do the same before lowering; here it makes
// `rotq-opt --rotq-lower-to-*` work on imported and rotated modules.
//
//===----------------------------------------------------------------------===//
#include "rotq/Materialize/Materialize.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

using namespace mlir;

namespace {
struct InlineParametersPass
    : PassWrapper<InlineParametersPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(InlineParametersPass)
  StringRef getArgument() const final { return "rotq-inline-parameters"; }
  StringRef getDescription() const final {
    return "Load rotq.param tensors and evaluate pending weight chains into "
           "constants (relative files: beside the module's file)";
  }
  void runOnOperation() override {
    ::rotq::materialize::Options opts;
    opts.progress = false;
    if (llvm::Error e =
            ::rotq::materialize::materializeInMemory(getOperation(), opts)) {
      getOperation().emitError(llvm::toString(std::move(e)));
      signalPassFailure();
    }
  }
};
} // namespace

std::unique_ptr<Pass> rotq::materialize::createInlineParametersPass() {
  return std::make_unique<InlineParametersPass>();
}
