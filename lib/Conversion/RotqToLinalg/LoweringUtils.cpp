//===- LoweringUtils.cpp - helpers shared by the rotq lowerings -----------===//
#include "LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/IR/BuiltinAttributes.h"

using namespace mlir;
using namespace mlir::rotq;
using namespace mlir::rotq::lowering;

Value lowering::buildGeneric(OpBuilder &b, Location loc, ValueRange inputs,
                           Value init, ArrayRef<AffineMap> maps,
                           ArrayRef<utils::IteratorType> iterators,
                           BodyFn body) {
  auto op = linalg::GenericOp::create(
      b, loc, TypeRange{init.getType()}, inputs, ValueRange{init}, maps,
      iterators,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        body(nb, nloc, args);
      });
  return op.getResult(0);
}

Value lowering::emptyTensor(OpBuilder &b, Location loc,
                          ArrayRef<OpFoldResult> sizes, Type elementType,
                          Attribute fill) {
  Value empty = tensor::EmptyOp::create(b, loc, sizes, elementType);
  if (!fill)
    return empty;
  Value c = arith::ConstantOp::create(b, loc, cast<TypedAttr>(fill));
  return linalg::FillOp::create(b, loc, c, empty).getResult(0);
}

SmallVector<OpFoldResult> lowering::sizesOf(OpBuilder &b, Location loc,
                                          Value v) {
  return tensor::getMixedSizes(b, loc, v);
}

Value lowering::collapseToRows(OpBuilder &b, Location loc, Value v) {
  auto t = cast<RankedTensorType>(v.getType());
  int64_t r = t.getRank();
  if (r == 2)
    return v;
  if (r == 1) {
    auto rt = RankedTensorType::get({1, t.getDimSize(0)}, t.getElementType());
    return tensor::ExpandShapeOp::create(b, loc, rt, v,
                                         ArrayRef<ReassociationIndices>{{0, 1}});
  }
  ReassociationIndices lead;
  int64_t rows = 1;
  for (int64_t i = 0; i + 1 < r; ++i) {
    lead.push_back(i);
    rows = (ShapedType::isDynamic(rows) || t.isDynamicDim(i))
               ? ShapedType::kDynamic
               : rows * t.getDimSize(i);
  }
  auto rt = RankedTensorType::get({rows, t.getShape().back()},
                                  t.getElementType());
  return tensor::CollapseShapeOp::create(
      b, loc, rt, v, ArrayRef<ReassociationIndices>{lead, {r - 1}});
}

Value lowering::expandFromRows(OpBuilder &b, Location loc, Value rows,
                             ArrayRef<OpFoldResult> leading) {
  auto t = cast<RankedTensorType>(rows.getType());
  int64_t n = t.getDimSize(1);
  if (leading.empty()) {
    auto rt = RankedTensorType::get({n}, t.getElementType());
    return tensor::CollapseShapeOp::create(
        b, loc, rt, rows, ArrayRef<ReassociationIndices>{{0, 1}});
  }
  if (leading.size() == 1 && !isa<Attribute>(leading[0]) &&
      t.isDynamicDim(0))
    return rows;
  SmallVector<int64_t> shape;
  SmallVector<OpFoldResult> outShape(leading.begin(), leading.end());
  ReassociationIndices lead;
  for (auto [i, s] : llvm::enumerate(leading)) {
    lead.push_back(i);
    std::optional<int64_t> c = getConstantIntValue(s);
    shape.push_back(c ? *c : ShapedType::kDynamic);
  }
  shape.push_back(n);
  outShape.push_back(b.getIndexAttr(n));
  if (leading.size() == 1 && shape[0] == t.getDimSize(0))
    return rows;
  auto rt = RankedTensorType::get(shape, t.getElementType());
  return tensor::ExpandShapeOp::create(
      b, loc, rt, rows,
      ArrayRef<ReassociationIndices>{lead, {int64_t(leading.size())}},
      outShape);
}

Value lowering::splitLastDim(OpBuilder &b, Location loc, Value v,
                           int64_t inner) {
  auto t = cast<RankedTensorType>(v.getType());
  int64_t r = t.getRank(), n = t.getShape().back();
  SmallVector<int64_t> shape(t.getShape().drop_back());
  shape.push_back(n / inner);
  shape.push_back(inner);
  SmallVector<ReassociationIndices> re;
  for (int64_t i = 0; i + 1 < r; ++i)
    re.push_back({i});
  re.push_back({r - 1, r});
  SmallVector<OpFoldResult> out = sizesOf(b, loc, v);
  out.back() = b.getIndexAttr(n / inner);
  out.push_back(b.getIndexAttr(inner));
  return tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(shape, t.getElementType()), v, re, out);
}

Value lowering::mergeLastDims(OpBuilder &b, Location loc, Value v) {
  auto t = cast<RankedTensorType>(v.getType());
  int64_t r = t.getRank();
  SmallVector<int64_t> shape(t.getShape().drop_back(2));
  shape.push_back(t.getDimSize(r - 2) * t.getDimSize(r - 1));
  SmallVector<ReassociationIndices> re;
  for (int64_t i = 0; i + 2 < r; ++i)
    re.push_back({i});
  re.push_back({r - 2, r - 1});
  return tensor::CollapseShapeOp::create(
      b, loc, RankedTensorType::get(shape, t.getElementType()), v, re);
}

Type lowering::computeType(Type elementType) {
  if (elementType.isF64())
    return elementType;
  return Float32Type::get(elementType.getContext());
}

Value lowering::convertFloat(OpBuilder &b, Location loc, Value v, Type to) {
  Type from = v.getType();
  if (from == to)
    return v;
  if (from.getIntOrFloatBitWidth() < to.getIntOrFloatBitWidth())
    return arith::ExtFOp::create(b, loc, to, v);
  return arith::TruncFOp::create(b, loc, to, v);
}

Value lowering::convertFloatTensor(OpBuilder &b, Location loc, Value v,
                                 Type to) {
  auto t = cast<RankedTensorType>(v.getType());
  Type from = t.getElementType();
  if (from == to)
    return v;
  int64_t r = t.getRank();
  MLIRContext *ctx = b.getContext();
  AffineMap id = AffineMap::getMultiDimIdentityMap(r, ctx);
  Value init = emptyTensor(b, loc, sizesOf(b, loc, v), to);
  SmallVector<utils::IteratorType> it(r, utils::IteratorType::parallel);
  return buildGeneric(b, loc, v, init, {id, id}, it,
                      [&](OpBuilder &nb, Location l, ValueRange a) {
                        linalg::YieldOp::create(
                            nb, l, convertFloat(nb, l, a[0], to));
                      });
}

Value lowering::floatConstant(OpBuilder &b, Location loc,
                            ArrayRef<int64_t> shape, ArrayRef<double> values,
                            Type type) {
  auto t = RankedTensorType::get(shape, type);
  SmallVector<APFloat> v;
  auto &sem = cast<FloatType>(type).getFloatSemantics();
  for (double d : values) {
    APFloat f(d);
    bool lost;
    f.convert(sem, APFloat::rmNearestTiesToEven, &lost);
    v.push_back(f);
  }
  return arith::ConstantOp::create(b, loc, DenseElementsAttr::get(t, v));
}

Value lowering::scaledElementwise(OpBuilder &b, Location loc, Value data,
                               Value scale, Value zeroPoint, Type outElement,
                               ScaledBodyFn body) {
  MLIRContext *ctx = b.getContext();
  auto dt = cast<RankedTensorType>(data.getType());
  auto st = cast<RankedTensorType>(scale.getType());
  int64_t r = dt.getRank(), groups = st.getShape().back();
  bool split = groups != 1;
  Value view = split ? splitLastDim(b, loc, data, dt.getShape().back() / groups)
                     : data;
  int64_t nd = split ? r + 1 : r;
  // Leading dims that are a static 1 in the scale but not in the data
  // broadcast (read index 0); the group dim reads G, or 0 without groups.
  SmallVector<AffineExpr> se;
  for (int64_t i = 0; i + 1 < r; ++i) {
    bool broadcast = st.getDimSize(i) == 1 && dt.getDimSize(i) != 1;
    se.push_back(broadcast ? getAffineConstantExpr(0, ctx)
                           : getAffineDimExpr(i, ctx));
  }
  se.push_back(split ? getAffineDimExpr(r - 1, ctx)
                     : getAffineConstantExpr(0, ctx));
  AffineMap id = AffineMap::getMultiDimIdentityMap(nd, ctx);
  AffineMap sm = AffineMap::get(nd, 0, se, ctx);
  SmallVector<Value> inputs = {view, scale};
  SmallVector<AffineMap> maps = {id, sm};
  if (zeroPoint) {
    inputs.push_back(zeroPoint);
    maps.push_back(sm);
  }
  maps.push_back(id);
  Value init = emptyTensor(b, loc, sizesOf(b, loc, view), outElement);
  Value y = buildGeneric(
      b, loc, inputs, init, maps,
      SmallVector<utils::IteratorType>(nd, utils::IteratorType::parallel),
      [&](OpBuilder &nb, Location l, ValueRange a) {
        Value res = body(nb, l, a[0], a[1], zeroPoint ? a[2] : Value());
        linalg::YieldOp::create(nb, l, res);
      });
  return split ? mergeLastDims(b, loc, y) : y;
}
