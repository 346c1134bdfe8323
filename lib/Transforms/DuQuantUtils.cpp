//===- DuQuantUtils.cpp - shared by the rotq-duquant-* passes -------------===//
#include "DuQuantUtils.h"

#include "rotq/Transforms/ModelUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

using namespace mlir;
using namespace mlir::rotq;

FailureOr<std::vector<duquant::Group>>
duquant::groupsWith(func::FuncOp func, ArrayRef<StringRef> attrs) {
  std::vector<Group> groups;
  DenseMap<Value, size_t> index;
  func.walk([&](LinearOp lin) {
    auto [it, fresh] = index.try_emplace(lin.getInput(), groups.size());
    if (fresh)
      groups.push_back({lin.getInput(), {}});
    groups[it->second].linears.push_back(lin);
  });
  std::vector<Group> out;
  for (Group &g : groups) {
    bool any = llvm::any_of(g.linears, [&](LinearOp lin) {
      return llvm::any_of(attrs, [&](StringRef a) { return lin->hasAttr(a); });
    });
    if (!any)
      continue;
    for (StringRef a : attrs)
      for (LinearOp lin : g.linears)
        if (lin->getAttr(a) != g.linears.front()->getAttr(a))
          return lin.emitError("the linears reading one value must carry the "
                               "same ")
                 << a << " (" << model::describe(lin) << " and "
                 << model::describe(g.linears.front()) << " differ)";
    out.push_back(std::move(g));
  }
  return out;
}

FailureOr<std::vector<double>> duquant::readF64(Attribute attr) {
  if (auto dense = dyn_cast_or_null<DenseFPElementsAttr>(attr)) {
    if (!dense.getElementType().isF64())
      return failure();
    auto v = dense.getValues<double>();
    return std::vector<double>(v.begin(), v.end());
  }
  if (auto r = dyn_cast_or_null<DenseF64ResourceElementsAttr>(attr))
    if (std::optional<ArrayRef<double>> data = r.tryGetAsArrayRef())
      return std::vector<double>(data->begin(), data->end());
  return failure();
}

Value duquant::f64Constant(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                           ArrayRef<double> data, StringRef name) {
  auto t = RankedTensorType::get(shape, b.getF64Type());
  if (t.getNumElements() <= 256)
    return arith::ConstantOp::create(b, loc, t, DenseElementsAttr::get(t, data));
  return arith::ConstantOp::create(
      b, loc, t,
      DenseResourceElementsAttr::get(
          t, name, HeapAsmResourceBlob::allocateAndCopyInferAlign(data)));
}

Value duquant::inFloat64Chain(
    OpBuilder &b, Location loc, Value w,
    function_ref<Value(OpBuilder &, Location, Value)> f) {
  auto t = cast<RankedTensorType>(w.getType());
  if (auto trunc = w.getDefiningOp<arith::TruncFOp>())
    if (trunc->hasOneUse() &&
        getElementTypeOrSelf(trunc.getIn().getType()).isF64()) {
      Value wide = trunc.getIn();
      Value out = arith::TruncFOp::create(b, loc, t, f(b, loc, wide));
      // The caller replaces the one use of `w`; the old rounding then dies.
      return out;
    }
  return model::inFloat64(b, loc, w, f);
}

void duquant::replaceUse(OpOperand &use, Value v) {
  Value old = use.get();
  use.set(v);
  if (Operation *def = old.getDefiningOp())
    if (def->use_empty() && isa<arith::TruncFOp>(def))
      def->erase();
}
