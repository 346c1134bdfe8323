//===- FuseNormScales.cpp - the rotq-fuse-norm-scales pass ----------------===//
//
// y = RMSNorm_g(x) feeds linears W_i: y W_i^T = RMSNorm(x) diag(g) W_i^T =
// RMSNorm(x) (W_i diag(g))^T. Folding g into every consumer (column j of
// W_i scaled by g_j, in float64) leaves the outputs unchanged and the norm
// scale-free, which the residual rotation needs.
//
//===----------------------------------------------------------------------===//
#include "rotq/Transforms/ModelUtils.h"

#include "rotq/Dialect/Rotq/IR/RotqOps.h"
#include "rotq/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

#include "mlir/IR/Diagnostics.h"

namespace mlir::rotq {
#define GEN_PASS_DEF_FUSENORMSCALES
#include "rotq/Transforms/Passes.h.inc"
} // namespace mlir::rotq

using namespace mlir;
using namespace mlir::rotq;

namespace {
struct FuseNormScalesPass
    : mlir::rotq::impl::FuseNormScalesBase<FuseNormScalesPass> {
  using FuseNormScalesBase::FuseNormScalesBase;

  void runOnOperation() override {
    getOperation().walk([&](RMSNormOp norm) {
      Value gamma = norm.getWeight();
      if (!gamma)
        return;
      SmallVector<LinearOp> users;
      for (Operation *user : norm.getResult().getUsers()) {
        auto lin = dyn_cast<LinearOp>(user);
        if (!lin || lin.getInput() != norm.getResult()) {
          norm.emitRemark("norm feeds ")
              << user->getName()
              << ", not only linears; its weight is left in place";
          return;
        }
        users.push_back(lin);
      }
      // x W^T over RMSNorm(x) * g  ==  RMSNorm(x) (W diag(g))^T.
      for (LinearOp lin : users) {
        OpBuilder b(lin);
        Value w = lin.getWeight();
        Value g = gamma;
        auto wt = cast<RankedTensorType>(w.getType());
        auto gt = cast<RankedTensorType>(g.getType());
        if (gt.getElementType() != wt.getElementType())
          g = gt.getElementType().getIntOrFloatBitWidth() <
                      wt.getElementType().getIntOrFloatBitWidth()
                  ? Value(arith::ExtFOp::create(
                        b, lin.getLoc(), gt.clone(wt.getElementType()), g))
                  : Value(arith::TruncFOp::create(
                        b, lin.getLoc(), gt.clone(wt.getElementType()), g));
        Value fused = ScaleOp::create(b, lin.getLoc(), w, g,
                                      b.getI64IntegerAttr(1));
        lin.getWeightMutable().set(fused);
      }
      if (report)
        norm.emitRemark() << "fused the norm weight into "
                          << users.size() << " linear(s):"
                          << [&] {
                               std::string s;
                               for (LinearOp l : users)
                                 s += " " + model::describe(l);
                               return s;
                             }();
      norm.getWeightMutable().clear();
    });
  }
};
} // namespace
