//===- LowerHadamard.cpp - rotq.hadamard to linalg ------------------------===//
//
// x * M for M = diag(s) * blockdiag(F_1 (x) ... (x) F_j (x) H_2^m) / sqrt(2^m)
// (see Hadamard.h). A row of length b is viewed as a tensor of shape
// [K_1, ..., K_j, 2, ..., 2]; each Kronecker factor then acts on one axis:
// a dense K x K contraction for F_t (K multiply-adds per element) and a
// radix-2 butterfly for each Sylvester stage (one add per element). The
// scale 1/sqrt(2^m) and the conversion back to the data type are applied in
// one final element-wise op.
//
//===----------------------------------------------------------------------===//
#include "LoweringUtils.h"
#include "RotqToLinalgPatterns.h"

#include "rotq/Dialect/Rotq/IR/RotqOps.h"
#include "rotq/Support/Hadamard.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

#include <cmath>

using namespace mlir;
using namespace mlir::rotq;
using namespace mlir::rotq::lowering;

namespace {

using utils::IteratorType;

/// y = x * diag(s) on [R, n] rows (signs broadcast over rows).
Value applySigns(OpBuilder &b, Location loc, Value rows,
                 ArrayRef<int8_t> signs, Type ct) {
  MLIRContext *ctx = b.getContext();
  SmallVector<double> s(signs.begin(), signs.end());
  Value sv = floatConstant(b, loc, {int64_t(s.size())}, s, ct);
  AffineMap id = AffineMap::getMultiDimIdentityMap(2, ctx);
  AffineMap col = AffineMap::get(2, 0, {getAffineDimExpr(1, ctx)}, ctx);
  Value init = emptyTensor(b, loc, sizesOf(b, loc, rows), ct);
  return buildGeneric(b, loc, {rows, sv}, init, {id, col, id},
                      {IteratorType::parallel, IteratorType::parallel},
                      [](OpBuilder &nb, Location l, ValueRange a) {
                        linalg::YieldOp::create(
                            nb, l, arith::MulFOp::create(nb, l, a[0], a[1])
                                       .getResult());
                      });
}

/// Views rows [R, b] as [R, before, k, after], returning the 4-D tensor.
Value view4d(OpBuilder &b, Location loc, Value rows, int64_t before,
             int64_t k, int64_t after) {
  auto t = cast<RankedTensorType>(rows.getType());
  auto rt = RankedTensorType::get({t.getDimSize(0), before, k, after},
                                  t.getElementType());
  SmallVector<OpFoldResult> out = {sizesOf(b, loc, rows)[0],
                                   b.getIndexAttr(before), b.getIndexAttr(k),
                                   b.getIndexAttr(after)};
  return tensor::ExpandShapeOp::create(
      b, loc, rt, rows, ArrayRef<ReassociationIndices>{{0}, {1, 2, 3}}, out);
}

Value collapse4d(OpBuilder &b, Location loc, Value v) {
  auto t = cast<RankedTensorType>(v.getType());
  auto rt = RankedTensorType::get(
      {t.getDimSize(0), t.getDimSize(1) * t.getDimSize(2) * t.getDimSize(3)},
      t.getElementType());
  return tensor::CollapseShapeOp::create(
      b, loc, rt, v, ArrayRef<ReassociationIndices>{{0}, {1, 2, 3}});
}

/// y[r, a, i, c] = sum_k x[r, a, k, c] * F[k, i]   (F^T with `transpose`).
Value applyDenseFactor(OpBuilder &b, Location loc, Value rows, int64_t before,
                       const ::rotq::hadamard::Factor &f, int64_t after,
                       bool transpose, Type ct) {
  MLIRContext *ctx = b.getContext();
  int64_t k = f.order;
  Value x = view4d(b, loc, rows, before, k, after);
  Value fm = floatConstant(b, loc, {k, k}, ::rotq::hadamard::factorMatrix(f), ct);
  AffineExpr r = getAffineDimExpr(0, ctx), a = getAffineDimExpr(1, ctx),
             i = getAffineDimExpr(2, ctx), c = getAffineDimExpr(3, ctx),
             kk = getAffineDimExpr(4, ctx);
  AffineMap xMap = AffineMap::get(5, 0, {r, a, kk, c}, ctx);
  AffineMap fMap = AffineMap::get(5, 0, transpose ? ArrayRef<AffineExpr>{i, kk}
                                                  : ArrayRef<AffineExpr>{kk, i},
                                  ctx);
  AffineMap yMap = AffineMap::get(5, 0, {r, a, i, c}, ctx);
  Value init = emptyTensor(b, loc, sizesOf(b, loc, x), ct,
                           b.getFloatAttr(ct, 0.0));
  Value y = buildGeneric(
      b, loc, {x, fm}, init, {xMap, fMap, yMap},
      {IteratorType::parallel, IteratorType::parallel, IteratorType::parallel,
       IteratorType::parallel, IteratorType::reduction},
      [](OpBuilder &nb, Location l, ValueRange v) {
        Value p = arith::MulFOp::create(nb, l, v[0], v[1]);
        linalg::YieldOp::create(nb, l,
                                arith::AddFOp::create(nb, l, p, v[2])
                                    .getResult());
      });
  return collapse4d(b, loc, y);
}

/// One radix-2 stage: pairs (j, j + lo) within blocks of 2*lo:
/// y[r, a, t, c] = x[r, a, 0, c] + (t == 0 ? 1 : -1) * x[r, a, 1, c].
Value applyButterfly(OpBuilder &b, Location loc, Value rows, int64_t lo,
                     Type ct) {
  MLIRContext *ctx = b.getContext();
  int64_t n = cast<RankedTensorType>(rows.getType()).getDimSize(1);
  Value x = view4d(b, loc, rows, n / (2 * lo), 2, lo);
  AffineExpr r = getAffineDimExpr(0, ctx), a = getAffineDimExpr(1, ctx),
             c = getAffineDimExpr(3, ctx);
  AffineExpr zero = getAffineConstantExpr(0, ctx),
             one = getAffineConstantExpr(1, ctx);
  AffineMap x0 = AffineMap::get(4, 0, {r, a, zero, c}, ctx);
  AffineMap x1 = AffineMap::get(4, 0, {r, a, one, c}, ctx);
  AffineMap id = AffineMap::getMultiDimIdentityMap(4, ctx);
  Value init = emptyTensor(b, loc, sizesOf(b, loc, x), ct);
  Value y = buildGeneric(
      b, loc, {x, x}, init, {x0, x1, id},
      SmallVector<IteratorType>(4, IteratorType::parallel),
      [](OpBuilder &nb, Location l, ValueRange v) {
        Value t = linalg::IndexOp::create(nb, l, 2);
        Value zeroIdx = arith::ConstantIndexOp::create(nb, l, 0);
        Value isFirst = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::eq,
                                              t, zeroIdx);
        Value sum = arith::AddFOp::create(nb, l, v[0], v[1]);
        Value diff = arith::SubFOp::create(nb, l, v[0], v[1]);
        linalg::YieldOp::create(
            nb, l, arith::SelectOp::create(nb, l, isFirst, sum, diff)
                       .getResult());
      });
  return collapse4d(b, loc, y);
}

/// y = (x * scale) [* diag(s)], converted to `outType`, on [R, n].
Value finish(OpBuilder &b, Location loc, Value rows, double scale,
             std::optional<ArrayRef<int8_t>> signs, Type outType) {
  MLIRContext *ctx = b.getContext();
  Type ct = cast<RankedTensorType>(rows.getType()).getElementType();
  int64_t n = cast<RankedTensorType>(rows.getType()).getDimSize(1);
  SmallVector<double> s(n, scale);
  if (signs)
    for (int64_t j = 0; j < n; ++j)
      s[j] *= (*signs)[j];
  AffineMap id = AffineMap::getMultiDimIdentityMap(2, ctx);
  AffineMap col = AffineMap::get(2, 0, {getAffineDimExpr(1, ctx)}, ctx);
  Value sv = floatConstant(b, loc, {n}, s, ct);
  Value init = emptyTensor(b, loc, sizesOf(b, loc, rows), outType);
  return buildGeneric(
      b, loc, {rows, sv}, init, {id, col, id},
      {IteratorType::parallel, IteratorType::parallel},
      [&](OpBuilder &nb, Location l, ValueRange a) {
        Value v = arith::MulFOp::create(nb, l, a[0], a[1]);
        linalg::YieldOp::create(nb, l, convertFloat(nb, l, v, outType));
      });
}

struct LowerHadamard : OpRewritePattern<HadamardOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(HadamardOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = op.getInput().getType();
    Type et = type.getElementType(), ct = computeType(et);
    int64_t n = op.getSize(), bs = op.getEffectiveBlockSize();
    bool transpose = op.getTranspose();
    std::optional<ArrayRef<int8_t>> signs = op.getSigns();

    SmallVector<OpFoldResult> sizes = sizesOf(rewriter, loc, op.getInput());
    SmallVector<OpFoldResult> leading(sizes.begin(), sizes.end() - 1);
    Value rows = collapseToRows(rewriter, loc, op.getInput());
    OpFoldResult rowCount = sizesOf(rewriter, loc, rows)[0];
    rows = convertFloatTensor(rewriter, loc, rows, ct);
    if (signs && !transpose)
      rows = applySigns(rewriter, loc, rows, *signs, ct);

    // Blocks become rows: [R, n] -> [R, n/b, b] -> [R*n/b, b].
    if (bs != n)
      rows = collapseToRows(rewriter, loc, splitLastDim(rewriter, loc, rows, bs));

    ::rotq::hadamard::Factorization f = ::rotq::hadamard::factorize(bs);
    int64_t pow2 = int64_t(1) << f.log2Sylvester;
    int64_t before = 1;
    for (const ::rotq::hadamard::Factor &fac : f.factors) {
      int64_t after = bs / (before * fac.order);
      rows = applyDenseFactor(rewriter, loc, rows, before, fac, after,
                              transpose, ct);
      before *= fac.order;
    }
    for (int64_t lo = 1; lo < pow2; lo *= 2)
      rows = applyButterfly(rewriter, loc, rows, lo, ct);

    if (bs != n) {
      // [R*n/b, b] -> [R, n/b, b] -> [R, n].
      auto rt = cast<RankedTensorType>(rows.getType());
      auto three = RankedTensorType::get(
          {ShapedType::kDynamic, n / bs, bs}, rt.getElementType());
      if (auto c = getConstantIntValue(rowCount))
        three = RankedTensorType::get({*c, n / bs, bs}, rt.getElementType());
      Value v = tensor::ExpandShapeOp::create(
          rewriter, loc, three, rows,
          ArrayRef<ReassociationIndices>{{0, 1}, {2}},
          SmallVector<OpFoldResult>{rowCount, rewriter.getIndexAttr(n / bs),
                                    rewriter.getIndexAttr(bs)});
      rows = mergeLastDims(rewriter, loc, v);
    }
    rows = finish(rewriter, loc, rows, 1.0 / std::sqrt(double(pow2)),
                  transpose ? signs : std::nullopt, et);
    rewriter.replaceOp(op, expandFromRows(rewriter, loc, rows, leading));
    return success();
  }
};

} // namespace

void mlir::rotq::lowering::populateLowerHadamardPattern(
    RewritePatternSet &patterns) {
  patterns.add<LowerHadamard>(patterns.getContext());
}
