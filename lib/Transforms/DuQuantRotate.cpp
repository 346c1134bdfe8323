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
#include "rotq/Support/Orthogonal.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"

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
  auto typed = dyn_cast<TypedAttr>(a);
  auto shaped = typed ? dyn_cast<ShapedType>(typed.getType()) : ShapedType();
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
  double worst = ::rotq::orthogonalityError(*data, b);
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

/// x B (B = blockdiag(m)) for an f64 [b, b] constant `m`, narrowed to x's
/// element type when x is not f64.
Value rotateBy(OpBuilder &b, Location loc, Value x, Value m) {
  Type et = getElementTypeOrSelf(x.getType());
  auto mt = cast<RankedTensorType>(m.getType());
  if (!et.isF64())
    m = arith::TruncFOp::create(b, loc, mt.clone(et), m);
  return RotateOp::create(b, loc, x.getType(), x, m, UnitAttr());
}

/// a b for row-major b x b matrices.
std::vector<double> product(ArrayRef<double> a, ArrayRef<double> c,
                            int64_t b) {
  std::vector<double> p(b * b, 0.0);
  for (int64_t i = 0; i < b; ++i)
    for (int64_t k = 0; k < b; ++k)
      for (int64_t j = 0; j < b; ++j)
        p[i * b + j] += a[i * b + k] * c[k * b + j];
  return p;
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
  }

  /// One f64 constant per matrix, at the top of the function, shared by the
  /// weights and the online transform of a group.
  Value matrixConstant(ArrayRef<double> m, int64_t b, Location loc) {
    OpBuilder cb = OpBuilder::atBlockBegin(&getOperation().getBody().front());
    return duquant::f64Constant(cb, loc, {b, b}, m, "duquant_rotation");
  }

  LogicalResult rotate(duquant::Group &g) {
    LinearOp first = g.linears.front();
    int64_t c = cast<RankedTensorType>(g.input.getType()).getShape().back();
    // Smoothing applies first (X diag(1/L) T against W diag(L) T); a
    // rotation under a pending smoothing would pair them wrongly.
    for (LinearOp lin : g.linears)
      if (lin->hasAttr("rotq.duquant.smooth"))
        return lin.emitError("rotq.duquant.smooth is still pending on ")
               << model::describe(lin) << ": run rotq-duquant-smooth first";
    FailureOr<Transform> t = readTransform(first, c);
    if (failed(t))
      return failure();
    int64_t blk = t->block;
    Location loc = first.getLoc();
    // Without a permutation between them the two rotations are adjacent
    // and compose (as rotq.rotate's canonicalization would) into one.
    bool adjacent = t->perm.empty() && !t->r1.empty() && !t->r2.empty();
    Value m1 = t->r1.empty() ? Value() : matrixConstant(t->r1, blk, loc);
    Value m2 = t->r2.empty() ? Value() : matrixConstant(t->r2, blk, loc);
    Value m12 =
        adjacent ? matrixConstant(product(t->r1, t->r2, blk), blk, loc) : Value();
    // Weights: W B1 P B2, in float64.
    for (LinearOp lin : g.linears) {
      OpBuilder b(lin);
      Value w = duquant::inFloat64Chain(
          b, lin.getLoc(), lin.getWeight(),
          [&](OpBuilder &nb, Location l, Value wide) {
            if (adjacent)
              return rotateBy(nb, l, wide, m12);
            if (m1)
              wide = rotateBy(nb, l, wide, m1);
            if (!t->perm.empty())
              wide = PermuteOp::create(nb, l, wide,
                                       nb.getDenseI64ArrayAttr(t->perm));
            if (m2)
              wide = rotateBy(nb, l, wide, m2);
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
    if (m1 && fuseValueRotation && g.linears.size() == 1)
      if (auto chain = model::valueChainInto(first, why);
          succeeded(chain) && chain->headDim % blk == 0) {
        LinearOp v = chain->vproj;
        OpBuilder b(v);
        Location vloc = v.getLoc();
        auto perHead = [&](OpBuilder &nb, Location l, Value x) {
          return rotateBy(nb, l, x, m1);
        };
        duquant::replaceUse(
            v.getWeightMutable(),
            duquant::inFloat64Chain(b, vloc, v.getWeight(),
                                    [&](OpBuilder &nb, Location l, Value w) {
                                      return model::alongFirstDim(nb, l, w,
                                                                  perHead);
                                    }));
        if (Value bias = v.getBias())
          duquant::replaceUse(v.getBiasMutable()[0],
                              duquant::inFloat64Chain(b, vloc, bias, perHead));
        r1Fused = true;
        note = "rotation 1 fused into the output side of " +
               model::describe(v) + "; ";
      }
    if (m12 && m12.use_empty())
      m12.getDefiningOp()->erase();

    // Online: X B1 P B2 (B1 omitted when fused).
    Value x = g.input;
    // After x's producer, or before the first reader of an argument (the
    // matrix constants are at the top of the function).
    OpBuilder b(first);
    if (Operation *def = x.getDefiningOp())
      b.setInsertionPointAfter(def);
    Location xloc = x.getLoc();
    Value y = x;
    SmallVector<std::string> online;
    if (adjacent && !r1Fused) {
      y = rotateBy(b, xloc, y, m12);
      online.push_back("rotations 1 and 2 (composed into one)");
    } else {
      if (m1 && !r1Fused) {
        y = rotateBy(b, xloc, y, m1);
        online.push_back("rotation 1");
      }
      if (!t->perm.empty()) {
        y = PermuteOp::create(b, xloc, y, b.getDenseI64ArrayAttr(t->perm));
        online.push_back("permutation");
      }
      if (m2) {
        y = rotateBy(b, xloc, y, m2);
        online.push_back("rotation 2");
      }
    }
    for (Value m : {m1, m2})
      if (m && m.use_empty())
        m.getDefiningOp()->erase();
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
