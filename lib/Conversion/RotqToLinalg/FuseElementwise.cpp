//===- FuseElementwise.cpp - element-wise fusion that spares contractions -===//
//
// linalg-fuse-elementwise-ops (a test pass upstream) folds the reshape after
// a matmul into it, turning linalg.matmul into a 4-D generic that no
// microkernel recognises, and fuses element-wise producers into reductions
// that then recompute them once per reduction step. The same patterns with
// a control function that leaves contractions alone.
//
//===----------------------------------------------------------------------===//
#include "rotq/Conversion/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::rotq {
#define GEN_PASS_DEF_ROTQFUSEELEMENTWISE
#include "rotq/Conversion/Passes.h.inc"
} // namespace mlir::rotq

using namespace mlir;

namespace {

bool isContraction(Operation *op) {
  auto linalgOp = dyn_cast_or_null<linalg::LinalgOp>(op);
  return linalgOp && linalg::isaContractionOpInterface(linalgOp);
}

struct RotqFuseElementwise
    : mlir::rotq::impl::RotqFuseElementwiseBase<RotqFuseElementwise> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    RewritePatternSet patterns(ctx);
    linalg::ControlFusionFn control = [](OpOperand *fused) {
      Operation *producer = fused->get().getDefiningOp();
      if (!producer || !producer->hasOneUse())
        return false;
      return !isContraction(producer) && !isContraction(fused->getOwner());
    };
    linalg::populateElementwiseOpsFusionPatterns(patterns, control);
    linalg::populateFoldReshapeOpsByExpansionPatterns(patterns, control);
    affine::AffineApplyOp::getCanonicalizationPatterns(patterns, ctx);
    linalg::GenericOp::getCanonicalizationPatterns(patterns, ctx);
    tensor::ExpandShapeOp::getCanonicalizationPatterns(patterns, ctx);
    tensor::CollapseShapeOp::getCanonicalizationPatterns(patterns, ctx);
    // Not converging within the iteration limit leaves valid IR, only less
    // fused: not an error.
    (void)applyPatternsGreedily(getOperation(), std::move(patterns));
  }
};

} // namespace
