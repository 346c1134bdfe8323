//===- LayoutTrace.cpp - following data movement back to its source -------===//
#include "LayoutTrace.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::rotq;

namespace {
using Shape = SmallVector<int64_t>;

/// A generic that copies its one input, possibly broadcast: all loops
/// parallel, identity output map, projected-permutation input map, body
/// yielding the input element.
bool isCopyGeneric(linalg::GenericOp g) {
  if (g.getNumDpsInputs() != 1 || g.getNumDpsInits() != 1 ||
      g.getNumReductionLoops() != 0 || !g.hasPureTensorSemantics())
    return false;
  SmallVector<AffineMap> maps = g.getIndexingMapsArray();
  if (!maps[1].isIdentity() || !maps[0].isProjectedPermutation())
    return false;
  Block &body = g.getRegion().front();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  return yield.getNumOperands() == 1 &&
         yield.getOperand(0) == body.getArgument(0);
}

} // namespace

Value layout::copiedFrom(Operation *op) {
  if (auto e = dyn_cast<tensor::ExpandShapeOp>(op))
    return e.getSrc();
  if (auto c = dyn_cast<tensor::CollapseShapeOp>(op))
    return c.getSrc();
  if (auto c = dyn_cast<tensor::CastOp>(op))
    return c.getSource();
  if (auto t = dyn_cast<linalg::TransposeOp>(op))
    return t.hasPureTensorSemantics() ? t.getInput() : Value();
  if (auto b = dyn_cast<linalg::BroadcastOp>(op))
    return b.hasPureTensorSemantics() ? b.getInput() : Value();
  if (auto g = dyn_cast<linalg::GenericOp>(op))
    return isCopyGeneric(g) ? g.getInputs()[0] : Value();
  return {};
}

namespace {

/// The result shape of `op` from its source's concrete shape.
std::optional<Shape> resultShape(Operation *op, ArrayRef<int64_t> in) {
  auto type = cast<RankedTensorType>(op->getResult(0).getType());
  Shape out(type.getShape());
  if (auto e = dyn_cast<tensor::ExpandShapeOp>(op)) {
    for (auto [g, group] : llvm::enumerate(e.getReassociationIndices())) {
      int64_t known = 1, dynamic = -1;
      for (int64_t d : group) {
        if (ShapedType::isDynamic(out[d])) {
          if (dynamic >= 0)
            return std::nullopt;
          dynamic = d;
        } else {
          known *= out[d];
        }
      }
      if (dynamic >= 0) {
        if (known == 0 || in[g] % known)
          return std::nullopt;
        out[dynamic] = in[g] / known;
      } else if (known != in[g]) {
        return std::nullopt;
      }
    }
    return out;
  }
  if (auto c = dyn_cast<tensor::CollapseShapeOp>(op)) {
    for (auto [g, group] : llvm::enumerate(c.getReassociationIndices())) {
      int64_t n = 1;
      for (int64_t d : group)
        n *= in[d];
      out[g] = n;
    }
    return out;
  }
  if (isa<tensor::CastOp>(op)) {
    if (out.size() != in.size())
      return std::nullopt;
    return Shape(in);
  }
  if (auto t = dyn_cast<linalg::TransposeOp>(op)) {
    for (auto [k, p] : llvm::enumerate(t.getPermutation()))
      out[k] = in[p];
    return out;
  }
  if (auto b = dyn_cast<linalg::BroadcastOp>(op)) {
    ArrayRef<int64_t> added = b.getDimensions();
    unsigned next = 0;
    for (unsigned k = 0; k < out.size(); ++k) {
      if (llvm::is_contained(added, int64_t(k)))
        continue;
      out[k] = in[next++];
    }
    return llvm::any_of(out, ShapedType::isDynamic) ? std::nullopt
                                                    : std::optional(out);
  }
  auto g = cast<linalg::GenericOp>(op);
  AffineMap m = g.getIndexingMapsArray()[0];
  for (unsigned r = 0; r < m.getNumResults(); ++r)
    out[m.getDimPosition(r)] = in[r];
  return llvm::any_of(out, ShapedType::isDynamic) ? std::nullopt
                                                  : std::optional(out);
}

/// The source index `op` reads for result index `idx`.
Shape sourceIndex(Operation *op, ArrayRef<int64_t> idx, ArrayRef<int64_t> in,
                  ArrayRef<int64_t> outShape) {
  if (auto e = dyn_cast<tensor::ExpandShapeOp>(op)) {
    Shape src;
    for (const ReassociationIndices &group : e.getReassociationIndices()) {
      int64_t linear = 0;
      for (int64_t d : group)
        linear = linear * outShape[d] + idx[d];
      src.push_back(linear);
    }
    return src;
  }
  if (auto c = dyn_cast<tensor::CollapseShapeOp>(op)) {
    Shape src(in.size());
    for (auto [g, group] : llvm::enumerate(c.getReassociationIndices())) {
      int64_t linear = idx[g];
      for (int64_t d : llvm::reverse(group)) {
        src[d] = linear % in[d];
        linear /= in[d];
      }
    }
    return src;
  }
  if (isa<tensor::CastOp>(op))
    return Shape(idx);
  if (auto t = dyn_cast<linalg::TransposeOp>(op)) {
    Shape src(in.size());
    for (auto [k, p] : llvm::enumerate(t.getPermutation()))
      src[p] = idx[k];
    return src;
  }
  if (auto b = dyn_cast<linalg::BroadcastOp>(op)) {
    Shape src;
    for (unsigned k = 0; k < idx.size(); ++k)
      if (!llvm::is_contained(b.getDimensions(), int64_t(k)))
        src.push_back(idx[k]);
    return src;
  }
  AffineMap m = cast<linalg::GenericOp>(op).getIndexingMapsArray()[0];
  Shape src;
  for (unsigned r = 0; r < m.getNumResults(); ++r)
    src.push_back(idx[m.getDimPosition(r)]);
  return src;
}
} // namespace

layout::Trace layout::trace(Value v) {
  Trace t{v, v, {}};
  while (Operation *op = t.base.getDefiningOp()) {
    Value src = copiedFrom(op);
    if (!src)
      break;
    t.chain.push_back(op);
    t.base = src;
  }
  return t;
}

namespace {
bool verifyAt(const layout::Trace &t, layout::IndexMap expected,
              int64_t dynamicSize) {
  // Shapes from the base forward; shapes[i] is the source of chain[i].
  auto baseType = dyn_cast<RankedTensorType>(t.base.getType());
  if (!baseType)
    return false;
  Shape baseShape(baseType.getShape());
  for (int64_t &d : baseShape)
    if (ShapedType::isDynamic(d))
      d = dynamicSize;
  SmallVector<Shape> shapes(t.chain.size() + 1);
  shapes[t.chain.size()] = baseShape;
  for (int64_t i = int64_t(t.chain.size()) - 1; i >= 0; --i) {
    std::optional<Shape> s = resultShape(t.chain[i], shapes[i + 1]);
    if (!s)
      return false;
    shapes[i] = *s;
  }
  const Shape &valueShape = shapes[0];
  int64_t total = 1;
  for (int64_t d : valueShape)
    total *= d;
  if (total <= 0)
    return false;

  auto check = [&](int64_t linear) {
    Shape idx(valueShape.size());
    for (int64_t d = int64_t(valueShape.size()) - 1; d >= 0; --d) {
      idx[d] = linear % valueShape[d];
      linear /= valueShape[d];
    }
    Shape want = expected(idx, valueShape, baseShape);
    Shape cur = idx;
    for (size_t i = 0; i < t.chain.size(); ++i)
      cur = sourceIndex(t.chain[i], cur, shapes[i + 1], shapes[i]);
    return cur == want;
  };
  // Every element of a small tensor; otherwise both ends and a
  // deterministic spread of the rest.
  constexpr int64_t kAll = 1 << 14;
  if (total <= kAll) {
    for (int64_t i = 0; i < total; ++i)
      if (!check(i))
        return false;
    return true;
  }
  uint64_t state = 0x9E3779B97F4A7C15ULL;
  for (int64_t i = 0; i < 4096; ++i) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    int64_t linear = i == 0 ? 0 : i == 1 ? total - 1 : int64_t(state >> 17) % total;
    if (!check(linear))
      return false;
  }
  return true;
}
} // namespace

bool layout::verify(const Trace &t, IndexMap expected) {
  return verifyAt(t, expected, 3) && verifyAt(t, expected, 5);
}
