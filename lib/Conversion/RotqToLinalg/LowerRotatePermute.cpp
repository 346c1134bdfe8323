//===- LowerRotatePermute.cpp - rotq.rotate and rotq.permute to linalg ----===//
#include "LoweringUtils.h"
#include "RotqToLinalgPatterns.h"

#include "rotq/Dialect/Rotq/IR/RotqOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;
using namespace mlir::rotq;
using namespace mlir::rotq::lowering;

namespace {
using utils::IteratorType;

/// x [..., n] viewed as [..., n/b, b]; y[..., j, i] = sum_k x[..., j, k] *
/// R[(j,) k, i] (R[(j,) i, k] with transpose), computed in f32/f64.
struct LowerRotate : OpRewritePattern<RotateOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(RotateOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    auto type = op.getInput().getType();
    Type et = type.getElementType(), ct = computeType(et);
    int64_t r = type.getRank(), b = op.getBlockSize();
    bool perBlock = op.getMatrix().getType().getRank() == 3;

    Value x = convertFloatTensor(rewriter, loc, op.getInput(), ct);
    Value m = convertFloatTensor(rewriter, loc, op.getMatrix(), ct);
    x = splitLastDim(rewriter, loc, x, b);
    // Loops: r - 1 leading dims, j (block), i (output), k (reduction).
    int64_t nd = r + 2;
    SmallVector<AffineExpr> xe, ye;
    for (int64_t d = 0; d < r - 1; ++d) {
      xe.push_back(getAffineDimExpr(d, ctx));
      ye.push_back(getAffineDimExpr(d, ctx));
    }
    AffineExpr j = getAffineDimExpr(r - 1, ctx), i = getAffineDimExpr(r, ctx),
               k = getAffineDimExpr(r + 1, ctx);
    xe.append({j, k});
    ye.append({j, i});
    SmallVector<AffineExpr> me;
    if (perBlock)
      me.push_back(j);
    if (op.getTranspose())
      me.append({i, k});
    else
      me.append({k, i});
    SmallVector<AffineMap> maps = {AffineMap::get(nd, 0, xe, ctx),
                                   AffineMap::get(nd, 0, me, ctx),
                                   AffineMap::get(nd, 0, ye, ctx)};
    SmallVector<IteratorType> it(nd - 1, IteratorType::parallel);
    it.push_back(IteratorType::reduction);
    Value init = emptyTensor(rewriter, loc, sizesOf(rewriter, loc, x), ct,
                             rewriter.getFloatAttr(ct, 0.0));
    Value y = buildGeneric(rewriter, loc, {x, m}, init, maps, it,
                           [](OpBuilder &nb, Location l, ValueRange v) {
                             Value p = arith::MulFOp::create(nb, l, v[0], v[1]);
                             linalg::YieldOp::create(
                                 nb, l, arith::AddFOp::create(nb, l, p, v[2])
                                            .getResult());
                           });
    y = mergeLastDims(rewriter, loc, y);
    rewriter.replaceOp(op, convertFloatTensor(rewriter, loc, y, et));
    return success();
  }
};

/// y[..., i] = x[..., p[i]] as a gather with tensor.extract.
struct LowerPermute : OpRewritePattern<PermuteOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(PermuteOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    auto type = op.getInput().getType();
    int64_t r = type.getRank();
    ArrayRef<int64_t> perm = op.getPermutation();
    auto permType = RankedTensorType::get({int64_t(perm.size())},
                                          rewriter.getIndexType());
    SmallVector<APInt> pv;
    for (int64_t v : perm)
      pv.push_back(APInt(64, v));
    Value p = arith::ConstantOp::create(rewriter, loc,
                                        DenseElementsAttr::get(permType, pv));
    AffineMap last =
        AffineMap::get(r, 0, {getAffineDimExpr(r - 1, ctx)}, ctx);
    AffineMap id = AffineMap::getMultiDimIdentityMap(r, ctx);
    Value init = emptyTensor(rewriter, loc, sizesOf(rewriter, loc, op.getInput()),
                             type.getElementType());
    Value src = op.getInput();
    Value y = buildGeneric(
        rewriter, loc, {p}, init, {last, id},
        SmallVector<IteratorType>(r, IteratorType::parallel),
        [&](OpBuilder &nb, Location l, ValueRange v) {
          SmallVector<Value> idx;
          for (int64_t d = 0; d + 1 < r; ++d)
            idx.push_back(linalg::IndexOp::create(nb, l, d));
          idx.push_back(v[0]);
          linalg::YieldOp::create(
              nb, l, tensor::ExtractOp::create(nb, l, src, idx).getResult());
        });
    rewriter.replaceOp(op, y);
    return success();
  }
};
} // namespace

void mlir::rotq::lowering::populateLowerRotatePermutePatterns(
    RewritePatternSet &patterns) {
  patterns.add<LowerRotate, LowerPermute>(patterns.getContext());
}
