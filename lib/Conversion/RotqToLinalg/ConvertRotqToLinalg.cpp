//===- ConvertRotqToLinalg.cpp - the convert-rotq-to-linalg pass ----------===//
//
// Lowers every rotq op to upstream tensor-level dialects (see Passes.td).
// The rotq dialect is marked illegal, so an op that cannot be lowered is
// reported instead of silently left behind.
//
//===----------------------------------------------------------------------===//
#include "RotqToLinalgPatterns.h"

#include "rotq/Conversion/Passes.h"
#include "rotq/Dialect/Rotq/IR/RotqDialect.h"
#include "rotq/Dialect/Rotq/IR/RotqOps.h"

#include "mlir/Transforms/DialectConversion.h"

namespace mlir::rotq {
#define GEN_PASS_DEF_CONVERTROTQTOLINALG
#include "rotq/Conversion/Passes.h.inc"
} // namespace mlir::rotq

using namespace mlir;
using namespace mlir::rotq;

void mlir::rotq::populateRotqToLinalgPatterns(RewritePatternSet &patterns) {
  lowering::populateLowerHadamardPattern(patterns);
  lowering::populateLowerRotatePermutePatterns(patterns);
  lowering::populateLowerQuantizePatterns(patterns);
  lowering::populateLowerQMatmulPattern(patterns);
  lowering::populateLowerModelOpPatterns(patterns);
  lowering::populateLowerAttentionPattern(patterns);
}

namespace {
struct ConvertRotqToLinalg
    : mlir::rotq::impl::ConvertRotqToLinalgBase<ConvertRotqToLinalg> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    // Parameters and searched weight quantizers are evaluated offline (the
    // tools do it before lowering): say so rather than fail to legalize.
    WalkResult offline = getOperation()->walk([](Operation *op) {
      if (isa<ParamOp>(op)) {
        op->emitError("rotq.param must be loaded before lowering (the rotq "
                      "tools do it; rotq-materialize writes the weights)");
        return WalkResult::interrupt();
      }
      if (auto q = dyn_cast<QuantizeOp>(op); q && q.getClipSearchAttr()) {
        op->emitError("rotq.quantize with clip_search is evaluated offline "
                      "(rotq-materialize, or the tools before lowering), not "
                      "lowered");
        return WalkResult::interrupt();
      }
      if (isa<ErrorProjectionOp>(op)) {
        op->emitError("rotq.error_projection is evaluated offline "
                      "(rotq-materialize, or the tools before lowering), not "
                      "lowered");
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (offline.wasInterrupted())
      return signalPassFailure();
    ConversionTarget target(*ctx);
    target.addIllegalDialect<RotqDialect>();
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
    RewritePatternSet patterns(ctx);
    populateRotqToLinalgPatterns(patterns);
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
