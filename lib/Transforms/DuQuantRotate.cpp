//===- DuQuantRotate.cpp - the rotq-duquant-rotate pass -------------------===//
//
// X W^T = (X T)(W T)^T for the orthogonal T = B1 P B2. T's factors go
// online as rotq ops on X and into each weight as one float64 chain. For
// o_proj's input, B1 within heads is fused into v_proj instead: the
// attention output of head h mixes value rows of one value head only.
//
//===----------------------------------------------------------------------===//
#include "DuQuantUtils.h"

#include "rotq/Dialect/Rotq/IR/RotqOps.h"
#include "rotq/Transforms/ModelUtils.h"
#include "rotq/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <numeric>

namespace mlir::rotq {
#define GEN_PASS_DEF_DUQUANTROTATE
#include "rotq/Transforms/Passes.h.inc"
} // namespace mlir::rotq

using namespace mlir;
using namespace mlir::rotq;

namespace {
constexpr StringLiteral kR1 = "rotq.duquant.rotation1";
constexpr StringLiteral kPerm = "rotq.duquant.permutation";
constexpr StringLiteral kR2 = "rotq.duquant.rotation2";

struct Transform {
  int64_t block = 0;
  std::vector<double> r1, r2; // b x b, empty: identity
  SmallVector<int64_t> perm;  // empty: identity
};

/// A block matrix attribute: square, dividing `c`, orthogonal.
LogicalResult readBlock(LinearOp lin, StringRef key, int64_t c,
                        std::vector<double> &out, int64_t &block) {
  Attribute a = lin->getAttr(key);
  if (!a)
    return success();
  auto shaped = dyn_cast<ShapedType>(cast<TypedAttr>(a).getType());
  auto data = duquant::readF64(a);
  if (!shaped || shaped.getRank() != 2 || failed(data) ||
      shaped.getDimSize(0) != shaped.getDimSize(1) ||
      shaped.getDimSize(0) < 1 || c % shaped.getDimSize(0) != 0)
    return lin.emitError(key) << " must be an f64 [b, b] matrix with b "
                                 "dividing the "
                              << c << " input channels";
  int64_t b = shaped.getDimSize(0);
  if (block && block != b)
    return lin.emitError("the DuQuant rotations of one input must have one "
                         "block size");
  block = b;
  // Orthogonal to float64 rounding: the pairs below cancel only then.
  double worst = 0;
  for (int64_t i = 0; i < b; ++i)
    for (int64_t j = i; j < b; ++j) {
      double dot = 0;
      for (int64_t k = 0; k < b; ++k)
        dot += (*data)[i * b + k] * (*data)[j * b + k];
      worst = std::max(worst, std::abs(dot - (i == j ? 1.0 : 0.0)));
    }
  if (!(worst <= 1e-9))
    return lin.emitError(key) << " is not orthogonal (max |R R^T - I| = "
                              << worst << ")";
  out = std::move(*data);
  return success();
}

FailureOr<Transform> readTransform(LinearOp lin, int64_t c) {
  Transform t;
  if (failed(readBlock(lin, kR1, c, t.r1, t.block)) ||
      failed(readBlock(lin, kR2, c, t.r2, t.block)))
    return failure();
  if (Attribute a = lin->getAttr(kPerm)) {
    auto p = dyn_cast<DenseI64ArrayAttr>(a);
    std::vector<bool> seen(c, false);
    bool ok = p && p.size() == c;
    for (int64_t i = 0; ok && i < c; ++i) {
      int64_t v = p[i];
      ok = v >= 0 && v < c && !seen[v];
      if (ok)
        seen[v] = true;
    }
    if (!ok)
      return lin.emitError(kPerm)
             << " must be a permutation of the " << c << " input channels";
    t.perm.assign(p.asArrayRef().begin(), p.asArrayRef().end());
    SmallVector<int64_t> id(c);
    std::iota(id.begin(), id.end(), 0);
    if (t.perm == id)
      t.perm.clear();
  }
  return t;
}

/// x B (B = blockdiag(r)) with r as a constant of x's element type.
Value rotateBy(OpBuilder &b, Location loc, Value x, ArrayRef<double> r,
               int64_t block, bool transpose = false) {
  Type et = getElementTypeOrSelf(x.getType());
  Value m = duquant::f64Constant(b, loc, {block, block}, r, "duquant_rotation");
  if (!et.isF64())
    m = arith::TruncFOp::create(
        b, loc, RankedTensorType::get({block, block}, et), m);
  return RotateOp::create(b, loc, x.getType(), x, m,
                          transpose ? b.getUnitAttr() : UnitAttr());
}

struct DuQuantRotatePass
    : mlir::rotq::impl::DuQuantRotateBase<DuQuantRotatePass> {
  using DuQuantRotateBase::DuQuantRotateBase;

  void runOnOperation() override {
    auto groups = duquant::groupsWith(getOperation(), {kR1, kPerm, kR2});
    if (failed(groups))
      return signalPassFailure();
    for (duquant::Group &g : *groups)
      if (failed(rotate(g)))
        return signalPassFailure();
    // Without a permutation between them the two rotations are adjacent:
    // rotq.rotate's canonicalization composes them into one (online: one
    // pass over the activation instead of two). Only that pattern, on the
    // ops made here, without folding the rest of the function.
    if (created.empty())
      return;
    RewritePatternSet patterns(&getContext());
    RotateOp::getCanonicalizationPatterns(patterns, &getContext());
    GreedyRewriteConfig config;
    config.enableFolding(false);
    (void)applyOpPatternsGreedily(created, std::move(patterns), config);
  }

  /// The second rotations made (online and in weights), for composing.
  SmallVector<Operation *> created;

  LogicalResult rotate(duquant::Group &g) {
    LinearOp first = g.linears.front();
    int64_t c = cast<RankedTensorType>(g.input.getType()).getShape().back();
    FailureOr<Transform> t = readTransform(first, c);
    if (failed(t))
      return failure();
    int64_t blk = t->block;
    // Weights: W B1 P B2, in float64.
    for (LinearOp lin : g.linears) {
      OpBuilder b(lin);
      Value w = duquant::inFloat64Chain(
          b, lin.getLoc(), lin.getWeight(),
          [&](OpBuilder &nb, Location l, Value wide) {
            if (!t->r1.empty())
              wide = rotateBy(nb, l, wide, t->r1, blk);
            if (!t->perm.empty())
              wide = PermuteOp::create(nb, l, wide,
                                       nb.getDenseI64ArrayAttr(t->perm));
            if (!t->r2.empty()) {
              wide = rotateBy(nb, l, wide, t->r2, blk);
              if (t->perm.empty() && !t->r1.empty())
                created.push_back(wide.getDefiningOp());
            }
            return wide;
          });
      duquant::replaceUse(lin.getWeightMutable(), w);
      for (StringRef k : {kR1, kPerm, kR2})
        lin->removeAttr(k);
    }

    // B1 into v_proj's output side when its blocks lie within heads.
    std::string note;
    bool r1Fused = false;
    std::string why;
    if (!t->r1.empty() && fuseValueRotation && g.linears.size() == 1)
      if (auto chain = model::valueChainInto(first, why);
          succeeded(chain) && chain->headDim % blk == 0) {
        LinearOp v = chain->vproj;
        OpBuilder b(v);
        Location loc = v.getLoc();
        auto perHead = [&](OpBuilder &nb, Location l, Value x) {
          return rotateBy(nb, l, x, t->r1, blk);
        };
        duquant::replaceUse(
            v.getWeightMutable(),
            duquant::inFloat64Chain(b, loc, v.getWeight(),
                                    [&](OpBuilder &nb, Location l, Value w) {
                                      return model::alongFirstDim(nb, l, w,
                                                                  perHead);
                                    }));
        if (Value bias = v.getBias())
          duquant::replaceUse(v.getBiasMutable()[0],
                              duquant::inFloat64Chain(b, loc, bias, perHead));
        r1Fused = true;
        note = "rotation 1 fused into the output side of " +
               model::describe(v) + "; ";
      }

    // Online: X B1 P B2 (B1 omitted when fused).
    Value x = g.input;
    OpBuilder b(first);
    if (Operation *def = x.getDefiningOp())
      b.setInsertionPointAfter(def);
    else
      b.setInsertionPointToStart(cast<BlockArgument>(x).getOwner());
    Location loc = x.getLoc();
    Value y = x;
    SmallVector<std::string> online;
    if (!t->r1.empty() && !r1Fused) {
      y = rotateBy(b, loc, y, t->r1, blk);
      online.push_back("rotation 1");
    }
    if (!t->perm.empty()) {
      y = PermuteOp::create(b, loc, y, b.getDenseI64ArrayAttr(t->perm));
      online.push_back("permutation");
    }
    if (!t->r2.empty()) {
      y = rotateBy(b, loc, y, t->r2, blk);
      bool adjacent = !online.empty() && online.back() == "rotation 1";
      if (adjacent) {
        created.push_back(y.getDefiningOp());
        online.back() = "rotations 1 and 2 (composed into one)";
      } else {
        online.push_back("rotation 2");
      }
    }
    for (LinearOp lin : g.linears)
      lin.getInputMutable().set(y);
    if (report) {
      note += "online:";
      for (const std::string &s : online)
        note += " " + s;
      if (online.empty())
        note += " nothing";
      emitRemark(first.getLoc()) << "DuQuant transform of the input of "
                         << model::describe(first) << " (block " << blk
                         << "): " << note;
    }
    return success();
  }
};
} // namespace
