//===- DuQuantSmooth.cpp - the rotq-duquant-smooth pass -------------------===//
//
// X W^T = (X diag(1/L)) (W diag(L))^T. The weight side is always fused; the
// activation side is fused into whatever produces X linearly per channel
// (a norm's weight, the up branch of a gated MLP, the value projection
// under attention), and only otherwise computed online.
//
//===----------------------------------------------------------------------===//
#include "DuQuantUtils.h"

#include "rotq/Dialect/Rotq/IR/RotqOps.h"
#include "rotq/Transforms/ModelUtils.h"
#include "rotq/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"

namespace mlir::rotq {
#define GEN_PASS_DEF_DUQUANTSMOOTH
#include "rotq/Transforms/Passes.h.inc"
} // namespace mlir::rotq

using namespace mlir;
using namespace mlir::rotq;

namespace {
constexpr StringLiteral kSmooth = "rotq.duquant.smooth";

/// x scaled by `s` along `axis`, in float64, rounded once.
Value scaled(OpBuilder &b, Location loc, Value x, ArrayRef<double> s,
             int64_t axis, StringRef name) {
  return duquant::inFloat64Chain(
      b, loc, x, [&](OpBuilder &nb, Location l, Value wide) -> Value {
        Value sv = duquant::f64Constant(nb, l, {int64_t(s.size())}, s, name);
        return ScaleOp::create(nb, l, wide, sv, nb.getI64IntegerAttr(axis));
      });
}

struct DuQuantSmoothPass
    : mlir::rotq::impl::DuQuantSmoothBase<DuQuantSmoothPass> {
  using DuQuantSmoothBase::DuQuantSmoothBase;

  void runOnOperation() override {
    auto groups = duquant::groupsWith(getOperation(), {kSmooth});
    if (failed(groups))
      return signalPassFailure();
    for (duquant::Group &g : *groups)
      if (failed(smooth(g)))
        return signalPassFailure();
  }

  LogicalResult smooth(duquant::Group &g) {
    LinearOp first = g.linears.front();
    auto l = duquant::readF64(first->getAttr(kSmooth));
    int64_t c = cast<RankedTensorType>(g.input.getType()).getShape().back();
    if (failed(l) || int64_t(l->size()) != c)
      return first.emitError(kSmooth)
             << " must be an f64 tensor of the " << c << " input channels";
    std::vector<double> inv(c);
    for (int64_t j = 0; j < c; ++j) {
      double v = (*l)[j];
      if (!(v > 0) || !std::isfinite(v) || !std::isfinite(1 / v))
        return first.emitError(kSmooth)
               << " must be positive and finite, found " << v;
      inv[j] = 1 / v;
    }
    std::string where = fuseActivationSide(g, inv);
    for (LinearOp lin : g.linears) {
      OpBuilder b(lin);
      duquant::replaceUse(lin.getWeightMutable(),
                          scaled(b, lin.getLoc(), lin.getWeight(), *l, 1,
                                 "duquant_smooth"));
      lin->removeAttr(kSmooth);
    }
    if (report)
      emitRemark(first.getLoc()) << "smoothing of the input of "
                         << model::describe(first) << ": " << where;
    return success();
  }

  /// Applies diag(1/L) to the group's input; says where.
  std::string fuseActivationSide(duquant::Group &g, ArrayRef<double> inv) {
    Value x = g.input;
    auto onlyGroupReads = [&](Value v) {
      return llvm::all_of(v.getUsers(), [&](Operation *u) {
        return llvm::is_contained(g.linears, dyn_cast<LinearOp>(u));
      });
    };
    if (auto norm = x.getDefiningOp<RMSNormOp>(); norm && onlyGroupReads(x)) {
      OpBuilder b(norm);
      Location loc = norm.getLoc();
      auto et = cast<RankedTensorType>(x.getType()).getElementType();
      if (Value gamma = norm.getWeight()) {
        duquant::replaceUse(norm.getWeightMutable()[0],
                            scaled(b, loc, gamma, inv, 0, "duquant_inv"));
      } else {
        auto t = RankedTensorType::get({int64_t(inv.size())}, et);
        Value c = duquant::f64Constant(b, loc, {int64_t(inv.size())}, inv,
                                       "duquant_inv");
        norm.getWeightMutable().assign(
            et.isF64() ? c : Value(arith::TruncFOp::create(b, loc, t, c)));
      }
      return "fused into the norm's weight";
    }
    if (LinearOp up = model::linearFactorOf(x); up && onlyGroupReads(x)) {
      OpBuilder b(up);
      Location loc = up.getLoc();
      duquant::replaceUse(up.getWeightMutable(),
                          scaled(b, loc, up.getWeight(), inv, 0, "duquant_inv"));
      if (Value bias = up.getBias())
        duquant::replaceUse(up.getBiasMutable()[0],
                            scaled(b, loc, bias, inv, 0, "duquant_inv"));
      return "fused into the rows of " + model::describe(up);
    }
    std::string why;
    if (g.linears.size() == 1)
      if (auto chain = model::valueChainInto(g.linears.front(), why);
          succeeded(chain) &&
          chain->heads * chain->headDim == int64_t(inv.size())) {
        int64_t per = chain->heads / chain->kvHeads, hd = chain->headDim;
        std::vector<double> vinv(chain->kvHeads * hd);
        bool shared = true;
        for (int64_t h = 0; h < chain->heads; ++h)
          for (int64_t j = 0; j < hd; ++j) {
            double v = inv[h * hd + j];
            if (h % per == 0)
              vinv[(h / per) * hd + j] = v;
            else
              shared &= v == vinv[(h / per) * hd + j];
          }
        if (shared) {
          LinearOp v = chain->vproj;
          OpBuilder b(v);
          Location loc = v.getLoc();
          duquant::replaceUse(v.getWeightMutable(),
                              scaled(b, loc, v.getWeight(), vinv, 0,
                                     "duquant_inv"));
          if (Value bias = v.getBias())
            duquant::replaceUse(v.getBiasMutable()[0],
                                scaled(b, loc, bias, vinv, 0, "duquant_inv"));
          return "fused into the rows of " + model::describe(v);
        }
        why = "the factors differ between query heads that share a value "
              "head";
      }
    // Online.
    OpBuilder b(g.linears.front());
    if (Operation *def = x.getDefiningOp())
      b.setInsertionPointAfter(def);
    else
      b.setInsertionPointToStart(cast<BlockArgument>(x).getOwner());
    Location loc = x.getLoc();
    auto xt = cast<RankedTensorType>(x.getType());
    auto st = RankedTensorType::get({int64_t(inv.size())}, xt.getElementType());
    Value c = duquant::f64Constant(b, loc, {int64_t(inv.size())}, inv,
                                   "duquant_inv");
    Value s = xt.getElementType().isF64()
                  ? c
                  : Value(arith::TruncFOp::create(b, loc, st, c));
    Value y = ScaleOp::create(b, loc, x, s,
                              b.getI64IntegerAttr(xt.getRank() - 1));
    for (LinearOp lin : g.linears)
      lin.getInputMutable().set(y);
    return "online rotq.scale (nothing produces it linearly per channel" +
           (why.empty() ? std::string(")") : ": " + why + ")");
  }
};
} // namespace
