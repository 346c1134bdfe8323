//===- FuseNormScales.cpp - the rotq-fuse-norm-scales pass ----------------===//
//
// y = RMSNorm_g(x) feeds linears W_i: y W_i^T = RMSNorm(x) diag(g) W_i^T =
// RMSNorm(x) (W_i diag(g))^T. Folding g into every consumer (column j of
// W_i scaled by g_j, in float64) leaves the outputs unchanged and the norm
// scale-free, which the residual rotation needs.
//
//===----------------------------------------------------------------------===//
#include "ModelUtils.h"

#include "rotq/Dialect/Rotq/IR/RotqOps.h"
#include "rotq/Transforms/Passes.h"

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
      FailureOr<std::vector<double>> g = model::readConstant(gamma);
      if (failed(g)) {
        norm.emitRemark("norm weight is not a constant; left in place");
        return;
      }
      SmallVector<LinearOp> users;
      for (Operation *user : norm.getResult().getUsers()) {
        auto lin = dyn_cast<LinearOp>(user);
        if (!lin || lin.getInput() != norm.getResult() ||
            !model::isFloatConstant(lin.getWeight())) {
          norm.emitRemark("norm feeds ")
              << user->getName()
              << ", not only linears with constant weights; its weight is "
                 "left in place";
          return;
        }
        users.push_back(lin);
      }
      int64_t n = static_cast<int64_t>(g->size());
      for (LinearOp lin : users) {
        std::vector<double> w = *model::readConstant(lin.getWeight());
        int64_t rows = static_cast<int64_t>(w.size()) / n;
        for (int64_t r = 0; r < rows; ++r)
          for (int64_t j = 0; j < n; ++j)
            w[r * n + j] *= (*g)[j];
        model::setConstant(lin.getWeightMutable(), w, ".normfused");
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
      Operation *gammaDef = gamma.getDefiningOp();
      norm.getWeightMutable().clear();
      if (gammaDef && gammaDef->use_empty())
        gammaDef->erase();
    });
  }
};
} // namespace
