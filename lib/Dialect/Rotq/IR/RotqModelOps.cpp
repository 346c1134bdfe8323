//===- RotqModelOps.cpp - verifiers of the model-level rotq ops -----------===//
#include "rotq/Dialect/Rotq/IR/RotqOps.h"
#include "VerifierUtils.h"

#include "mlir/IR/TypeUtilities.h"

#include <cmath>

using namespace mlir;
using namespace mlir::rotq;
using mlir::rotq::detail::dimStr;

namespace {
/// Two sizes agree unless both are static and differ.
bool compatible(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

LogicalResult sameElementType(Operation *op, Type a, Type b, StringRef what) {
  if (getElementTypeOrSelf(a) != getElementTypeOrSelf(b))
    return op->emitOpError() << what << " must have the input's element type";
  return success();
}
} // namespace

LogicalResult EmbeddingOp::verify() {
  auto table = getTable().getType();
  auto ids = getIds().getType();
  auto result = getResult().getType();
  if (table.getRank() != 2)
    return emitOpError("table must be [vocab, d]");
  if (table.getDimSize(0) == 0)
    return emitOpError("table must have at least one row");
  if (result.getElementType() != table.getElementType())
    return emitOpError("result must have the table's element type");
  if (result.getRank() != ids.getRank() + 1)
    return emitOpError("result rank must be the ids' rank + 1");
  for (int64_t i = 0; i < ids.getRank(); ++i)
    if (!compatible(ids.getDimSize(i), result.getDimSize(i)))
      return emitOpError("result dimension ")
             << i << " (" << dimStr(result.getDimSize(i))
             << ") does not match the ids (" << dimStr(ids.getDimSize(i))
             << ")";
  if (!compatible(result.getShape().back(), table.getDimSize(1)))
    return emitOpError("result's last dimension must be the table's width ")
           << dimStr(table.getDimSize(1));
  return success();
}

LogicalResult RMSNormOp::verify() {
  auto in = getInput().getType();
  if (in.getRank() == 0 || ShapedType::isDynamic(in.getShape().back()))
    return emitOpError("input must have a static last dimension");
  double eps = getEpsilon().convertToDouble();
  if (!(eps >= 0) || !std::isfinite(eps))
    return emitOpError("epsilon must be finite and non-negative, found ")
           << eps;
  if (Value w = getWeight()) {
    auto wt = cast<RankedTensorType>(w.getType());
    if (failed(sameElementType(*this, wt, in, "weight")))
      return failure();
    if (wt.getRank() != 1 || wt.getDimSize(0) != in.getShape().back())
      return emitOpError("weight must be [") << in.getShape().back() << "]";
  }
  return success();
}

LogicalResult LinearOp::verify() {
  auto in = getInput().getType();
  auto w = getWeight().getType();
  auto out = getResult().getType();
  if (in.getRank() == 0)
    return emitOpError("input must have rank >= 1");
  if (w.getRank() != 2 || !w.hasStaticShape())
    return emitOpError("weight must be a static [out, in] matrix");
  if (failed(sameElementType(*this, w, in, "weight")) ||
      failed(sameElementType(*this, out, in, "result")))
    return failure();
  if (in.getShape().back() != w.getDimSize(1))
    return emitOpError("input's last dimension (")
           << dimStr(in.getShape().back()) << ") must be the weight's 'in' ("
           << w.getDimSize(1) << ")";
  if (out.getRank() != in.getRank())
    return emitOpError("result must have the input's rank");
  for (int64_t i = 0; i + 1 < in.getRank(); ++i)
    if (!compatible(in.getDimSize(i), out.getDimSize(i)))
      return emitOpError("result dimension ") << i << " must match the input";
  if (out.getShape().back() != w.getDimSize(0))
    return emitOpError("result's last dimension must be the weight's 'out' (")
           << w.getDimSize(0) << ")";
  if (Value b = getBias()) {
    auto bt = cast<RankedTensorType>(b.getType());
    if (failed(sameElementType(*this, bt, in, "bias")))
      return failure();
    if (bt.getRank() != 1 || bt.getDimSize(0) != w.getDimSize(0))
      return emitOpError("bias must be [") << w.getDimSize(0) << "]";
  }
  return success();
}

LogicalResult AttentionOp::verify() {
  auto q = getQuery().getType(), k = getKey().getType(),
       v = getValue().getType(), y = getResult().getType();
  if (q.getRank() != 3 || k.getRank() != 3 || v.getRank() != 3 ||
      y.getRank() != 3)
    return emitOpError("query, key, value and result must be [seq, heads, "
                       "dim] tensors");
  for (Type t : {Type(k), Type(v), Type(y)})
    if (failed(sameElementType(*this, t, q, "key, value and result")))
      return failure();
  int64_t h = q.getDimSize(1), kv = k.getDimSize(1);
  if (ShapedType::isDynamic(h) || ShapedType::isDynamic(kv) ||
      v.getDimSize(1) != kv)
    return emitOpError("head counts must be static, key and value alike");
  if (kv < 1 || h % kv)
    return emitOpError("query heads (")
           << h << ") must be a multiple of key/value heads (" << kv << ")";
  if (ShapedType::isDynamic(q.getDimSize(2)) || q.getDimSize(2) != k.getDimSize(2))
    return emitOpError("query and key must have the same static head size");
  if (ShapedType::isDynamic(v.getDimSize(2)))
    return emitOpError("value must have a static head size");
  if (!compatible(k.getDimSize(0), v.getDimSize(0)))
    return emitOpError("key and value must have the same length");
  if (!compatible(y.getDimSize(0), q.getDimSize(0)) || y.getDimSize(1) != h ||
      y.getDimSize(2) != v.getDimSize(2))
    return emitOpError("result must be [query length, query heads, value "
                       "head size]");
  double scale = getScale().convertToDouble();
  if (!std::isfinite(scale))
    return emitOpError("scale must be finite, found ") << scale;
  if (std::optional<uint64_t> w = getWindow()) {
    if (*w < 1)
      return emitOpError("window must be positive");
    if (!getCausal())
      return emitOpError("window requires causal");
  }
  return success();
}

LogicalResult ParamOp::verify() {
  if (getName().empty())
    return emitOpError("needs a tensor name");
  if (getFile().empty())
    return emitOpError("needs the file holding '") << getName() << "'";
  Type et = getResult().getType().getElementType();
  if (!et.isF32() && !et.isF16() && !et.isBF16() && !et.isF64() &&
      !et.isInteger(8))
    return emitOpError("element type must be f32, f16, bf16, f64 or i8, "
                       "found ")
           << et;
  return success();
}

LogicalResult ScaleOp::verify() {
  auto in = getInput().getType();
  auto s = getScale().getType();
  int64_t axis = getAxis();
  if (axis < 0 || axis >= in.getRank())
    return emitOpError("axis ") << axis << " is not a dimension of the rank-"
                                << in.getRank() << " input";
  if (s.getRank() != 1)
    return emitOpError("scale must be 1-D");
  if (failed(sameElementType(*this, s, in, "scale")))
    return failure();
  if (!compatible(s.getDimSize(0), in.getDimSize(axis)))
    return emitOpError("scale has ")
           << dimStr(s.getDimSize(0)) << " entries, dimension " << axis
           << " of the input has " << dimStr(in.getDimSize(axis));
  return success();
}

LogicalResult ProtectOp::verify() {
  auto y = getLinearResult().getType();
  auto x = getInput().getType();
  auto p = getDirections().getType();
  auto c = getCorrection().getType();
  Type et = y.getElementType();
  if (x.getElementType() != et || p.getElementType() != et ||
      c.getElementType() != et)
    return emitOpError("input, directions and correction must have the "
                       "linear result's element type");
  if (x.getRank() == 0 || x.getRank() != y.getRank())
    return emitOpError("input and linear result must have one rank >= 1");
  for (int64_t i = 0; i + 1 < x.getRank(); ++i)
    if (!compatible(x.getDimSize(i), y.getDimSize(i)))
      return emitOpError("input dimension ")
             << i << " (" << dimStr(x.getDimSize(i))
             << ") does not match the linear result's ("
             << dimStr(y.getDimSize(i)) << ")";
  if (p.getRank() != 2 || !p.hasStaticShape() || c.getRank() != 2 ||
      !c.hasStaticShape())
    return emitOpError("directions [K, in] and correction [out, K] must be "
                       "static matrices");
  int64_t in = x.getShape().back(), out = y.getShape().back();
  if (p.getDimSize(1) != in)
    return emitOpError("directions must be [K, ")
           << dimStr(in) << "] (the input's last dimension), found ["
           << p.getDimSize(0) << ", " << p.getDimSize(1) << "]";
  if (c.getDimSize(0) != out || c.getDimSize(1) != p.getDimSize(0))
    return emitOpError("correction must be [")
           << dimStr(out) << ", " << p.getDimSize(0)
           << "] (the linear's out, K), found [" << c.getDimSize(0) << ", "
           << c.getDimSize(1) << "]";
  return success();
}

OpFoldResult ProtectOp::fold(FoldAdaptor) {
  // No direction: nothing to add.
  if (getRank() == 0)
    return getLinearResult();
  return {};
}

LogicalResult ErrorProjectionOp::verify() {
  auto w = getWeight().getType();
  auto p = getDirections().getType();
  auto r = getResult().getType();
  if (w.getRank() != 2 || !w.hasStaticShape())
    return emitOpError("weight must be a static [out, in] matrix");
  if (p.getRank() != 2 || !p.hasStaticShape() ||
      p.getDimSize(1) != w.getDimSize(1))
    return emitOpError("directions must be a static [K, ")
           << w.getDimSize(1) << "] matrix";
  if (r.getRank() != 2 || r.getDimSize(0) != w.getDimSize(0) ||
      r.getDimSize(1) != p.getDimSize(0))
    return emitOpError("result must be [")
           << w.getDimSize(0) << ", " << p.getDimSize(0) << "] (out, K)";
  return success();
}
