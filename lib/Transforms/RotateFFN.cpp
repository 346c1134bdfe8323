//===- RotateFFN.cpp - the rotq-rotate-ffn pass ---------------------------===//
//
// The down projection's input (the gated activation) has the massive
// outliers; x -> x M_ffn online and W -> W M_ffn fused is exact since
// (x M)(W M)^T = x M M^T W^T = x W^T for orthogonal M.
//
//===----------------------------------------------------------------------===//
#include "rotq/Transforms/ModelUtils.h"

#include "rotq/Dialect/Rotq/IR/RotqOps.h"
#include "rotq/Transforms/Passes.h"
#include "rotq/Support/Hadamard.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Builders.h"

namespace mlir::rotq {
#define GEN_PASS_DEF_ROTATEFFN
#include "rotq/Transforms/Passes.h.inc"
} // namespace mlir::rotq

using namespace mlir;
using namespace mlir::rotq;

namespace {
/// An element-wise generic combining the outputs of two or more linears.
bool isGatedActivation(Value v) {
  auto g = v.getDefiningOp<linalg::GenericOp>();
  if (!g || g.getNumReductionLoops() != 0 || g.getNumDpsInputs() < 2)
    return false;
  int linears = 0;
  for (Value in : g.getInputs())
    linears += in.getDefiningOp<LinearOp>() ? 1 : 0;
  return linears >= 2;
}

struct RotateFFNPass : mlir::rotq::impl::RotateFFNBase<RotateFFNPass> {
  using RotateFFNBase::RotateFFNBase;

  void runOnOperation() override {
    bool any = false;
    getOperation().walk([&](LinearOp down) {
      if (!isGatedActivation(down.getInput()))
        return;
      any = true;
      int64_t n = down.getWeight().getType().getDimSize(1);
      if (std::string why = ::rotq::hadamard::unsupportedReason(n);
          !why.empty()) {
        down.emitWarning("down projection not rotated: ") << why;
        return;
      }
      OpBuilder b(down);
      down.getWeightMutable().set(
          model::hadamardOf(b, down.getLoc(), down.getWeight()));
      Value x = model::hadamardOf(b, down.getLoc(), down.getInput());
      down.getInputMutable().set(x);
      if (report)
        down.emitRemark() << "online Hadamard on the input, fused into the "
                             "weight: "
                          << model::hadamardNote(n);
    });
    // A model whose MLP was not recognised must not look rotated.
    if (!any && model::hasLinears(getOperation()))
      getOperation().emitWarning()
          << getArgument()
          << ": no down projection reads a gated activation of two linears; "
             "no FFN was rotated";
  }
};
} // namespace
