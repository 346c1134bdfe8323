//===- BodyEval.cpp - evaluating a linalg.generic body on numbers ---------===//
#include "BodyEval.h"
#include "rotq/Transforms/ModelUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/Matchers.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::rotq;

namespace {
/// A constant's elements as doubles (floats, integers, booleans).
std::optional<std::vector<double>> constantData(Value v) {
  if (FailureOr<std::vector<double>> f = model::readConstant(v); succeeded(f))
    return *f;
  auto cst = v.getDefiningOp<arith::ConstantOp>();
  auto dense = cst ? dyn_cast<DenseIntElementsAttr>(cst.getValue()) : nullptr;
  if (!dense)
    return std::nullopt;
  std::vector<double> out;
  bool isBool = dense.getElementType().isInteger(1);
  for (const APInt &i : dense.getValues<APInt>())
    out.push_back(isBool ? double(i.getBoolValue()) : double(i.getSExtValue()));
  return out;
}

bool truthy(double v) { return v != 0.0; }

double roundTo(Type t, double v) {
  if (t.isF32())
    return double(float(v));
  if (t.isF16() || t.isBF16()) {
    APFloat f(v);
    bool lost;
    f.convert(cast<FloatType>(t).getFloatSemantics(),
              APFloat::rmNearestTiesToEven, &lost);
    f.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &lost);
    return f.convertToDouble();
  }
  return v;
}
} // namespace

BodyEval::BodyEval(linalg::GenericOp g) : g(g) {
  for (auto [i, in] : llvm::enumerate(g.getDpsInputs())) {
    auto t = dyn_cast<RankedTensorType>(in.getType());
    if (!t || !t.hasStaticShape())
      continue;
    if (std::optional<std::vector<double>> d = constantData(in)) {
      data[i] = std::move(*d);
      shapes[i] = SmallVector<int64_t>(t.getShape());
    }
  }
}

std::optional<double> BodyEval::operator()(ArrayRef<int64_t> loops,
                                           unsigned result) {
  auto yield = cast<linalg::YieldOp>(g.getRegion().front().getTerminator());
  if (result >= yield.getNumOperands())
    return std::nullopt;
  return eval(yield.getOperand(result), loops, 0);
}

std::optional<double> BodyEval::eval(Value v, ArrayRef<int64_t> loops,
                                     int depth) {
  if (depth > 64)
    return std::nullopt;
  Block &body = g.getRegion().front();
  if (auto arg = dyn_cast<BlockArgument>(v)) {
    if (arg.getOwner() != &body)
      return std::nullopt;
    unsigned i = arg.getArgNumber();
    if (auto it = given.find(i); it != given.end())
      return it->second;
    auto d = data.find(i);
    if (d == data.end())
      return std::nullopt;
    AffineMap m = g.getIndexingMapsArray()[i];
    SmallVector<int64_t> idx = m.compose(loops);
    int64_t linear = 0;
    for (auto [k, x] : llvm::enumerate(idx)) {
      if (x < 0 || x >= shapes[i][k])
        return std::nullopt;
      linear = linear * shapes[i][k] + x;
    }
    return d->second[linear];
  }
  Operation *op = v.getDefiningOp();
  if (!op)
    return std::nullopt;
  auto arg = [&](unsigned k) { return eval(op->getOperand(k), loops, depth + 1); };
  if (auto c = dyn_cast<arith::ConstantOp>(op)) {
    if (auto f = dyn_cast<FloatAttr>(c.getValue()))
      return f.getValueAsDouble();
    if (auto i = dyn_cast<IntegerAttr>(c.getValue()))
      return i.getType().isInteger(1) ? double(i.getValue().getBoolValue())
                                      : double(i.getValue().getSExtValue());
    return std::nullopt;
  }
  if (auto idx = dyn_cast<linalg::IndexOp>(op)) {
    if (idx.getDim() >= loops.size())
      return std::nullopt;
    return double(loops[idx.getDim()]);
  }
  // One operand.
  if (isa<arith::ExtFOp, arith::TruncFOp, arith::IndexCastOp, arith::ExtSIOp,
          arith::TruncIOp, arith::SIToFPOp, arith::NegFOp, math::ExpOp,
          math::LogOp, math::SqrtOp, math::RsqrtOp, math::AbsFOp,
          arith::FPToSIOp>(op)) {
    std::optional<double> a = arg(0);
    if (!a)
      return std::nullopt;
    Type t = op->getResult(0).getType();
    if (isa<arith::NegFOp>(op)) return -*a;
    if (isa<math::ExpOp>(op)) return roundTo(t, std::exp(*a));
    if (isa<math::LogOp>(op)) return roundTo(t, std::log(*a));
    if (isa<math::SqrtOp>(op)) return roundTo(t, std::sqrt(*a));
    if (isa<math::RsqrtOp>(op)) return roundTo(t, 1.0 / std::sqrt(*a));
    if (isa<math::AbsFOp>(op)) return std::fabs(*a);
    if (isa<arith::FPToSIOp>(op)) return std::trunc(*a);
    return roundTo(t, *a);
  }
  if (auto sel = dyn_cast<arith::SelectOp>(op)) {
    std::optional<double> c = arg(0);
    if (!c)
      return std::nullopt;
    return truthy(*c) ? arg(1) : arg(2);
  }
  if (op->getNumOperands() != 2)
    return std::nullopt;
  std::optional<double> a = arg(0), b = arg(1);
  if (!a || !b)
    return std::nullopt;
  Type t = op->getResult(0).getType();
  if (isa<arith::AddFOp>(op)) return roundTo(t, *a + *b);
  if (isa<arith::SubFOp>(op)) return roundTo(t, *a - *b);
  if (isa<arith::MulFOp>(op)) return roundTo(t, *a * *b);
  if (isa<arith::DivFOp>(op)) return roundTo(t, *a / *b);
  if (isa<arith::MaximumFOp>(op))
    return std::isnan(*a) || std::isnan(*b) ? NAN : std::max(*a, *b);
  if (isa<arith::MinimumFOp>(op))
    return std::isnan(*a) || std::isnan(*b) ? NAN : std::min(*a, *b);
  if (isa<arith::MaxNumFOp>(op)) return std::fmax(*a, *b);
  if (isa<arith::MinNumFOp>(op)) return std::fmin(*a, *b);
  if (isa<arith::AddIOp>(op)) return *a + *b;
  if (isa<arith::SubIOp>(op)) return *a - *b;
  if (isa<arith::MulIOp>(op)) return *a * *b;
  if (isa<arith::AndIOp>(op)) return double(int64_t(*a) & int64_t(*b));
  if (isa<arith::OrIOp>(op)) return double(int64_t(*a) | int64_t(*b));
  if (isa<arith::XOrIOp>(op)) return double(int64_t(*a) ^ int64_t(*b));
  if (auto c = dyn_cast<arith::CmpIOp>(op)) {
    using P = arith::CmpIPredicate;
    switch (c.getPredicate()) {
    case P::eq: return *a == *b;
    case P::ne: return *a != *b;
    case P::slt: case P::ult: return *a < *b;
    case P::sle: case P::ule: return *a <= *b;
    case P::sgt: case P::ugt: return *a > *b;
    case P::sge: case P::uge: return *a >= *b;
    }
    return std::nullopt;
  }
  if (auto c = dyn_cast<arith::CmpFOp>(op)) {
    using P = arith::CmpFPredicate;
    bool unordered = std::isnan(*a) || std::isnan(*b);
    switch (c.getPredicate()) {
    case P::AlwaysFalse: return 0.0;
    case P::AlwaysTrue: return 1.0;
    case P::OEQ: return !unordered && *a == *b;
    case P::OGT: return !unordered && *a > *b;
    case P::OGE: return !unordered && *a >= *b;
    case P::OLT: return !unordered && *a < *b;
    case P::OLE: return !unordered && *a <= *b;
    case P::ONE: return !unordered && *a != *b;
    case P::ORD: return !unordered;
    case P::UEQ: return unordered || *a == *b;
    case P::UGT: return unordered || *a > *b;
    case P::UGE: return unordered || *a >= *b;
    case P::ULT: return unordered || *a < *b;
    case P::ULE: return unordered || *a <= *b;
    case P::UNE: return unordered || *a != *b;
    case P::UNO: return unordered;
    }
  }
  return std::nullopt;
}
