//===- LowerQMatmul.cpp - rotq.qmatmul to linalg --------------------------===//
//
// acc[m, n, g] = sum_{k in group g} (lhs[m,k] - lz[m,g]) * (rhs[n,k] - rz[n,g])
// in i32 (exact, two's complement), then
// y[m, n] = bias[n] + sum_g (ls[m,g] * rs[n,g]) * float(acc[m, n, g]) in f32.
//
//===----------------------------------------------------------------------===//
#include "LoweringUtils.h"
#include "RotqToLinalgPatterns.h"

#include "rotq/Dialect/Rotq/IR/RotqOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;
using namespace mlir::rotq;
using namespace mlir::rotq::lowering;

namespace {
using utils::IteratorType;

struct LowerQMatmul : OpRewritePattern<QMatmulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(QMatmulOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Type i32 = rewriter.getI32Type(), f32 = rewriter.getF32Type();
    auto lst = op.getLhsScale().getType(), rst = op.getRhsScale().getType();
    int64_t gl = lst.getDimSize(1), gr = rst.getDimSize(1);
    int64_t groups = std::max(gl, gr);
    auto lhsT = op.getLhs().getType();
    int64_t k = lhsT.getDimSize(1);
    if (ShapedType::isDynamic(k))
      k = op.getRhs().getType().getDimSize(1);
    if (ShapedType::isDynamic(k))
      return rewriter.notifyMatchFailure(op, "contraction size must be static");

    Value lhs = splitLastDim(rewriter, loc, op.getLhs(), k / groups);
    Value rhs = splitLastDim(rewriter, loc, op.getRhs(), k / groups);
    AffineExpr m = getAffineDimExpr(0, ctx), n = getAffineDimExpr(1, ctx),
               g = getAffineDimExpr(2, ctx), kk = getAffineDimExpr(3, ctx);
    AffineExpr zero = getAffineConstantExpr(0, ctx);
    // Scale/zero-point maps: broadcast rows of size 1 and single groups.
    auto paramMap = [&](RankedTensorType t, AffineExpr row, int nd) {
      AffineExpr r = t.getDimSize(0) == 1 ? zero : row;
      AffineExpr c = t.getDimSize(1) == 1 ? zero : g;
      return AffineMap::get(nd, 0, {r, c}, ctx);
    };

    SmallVector<Value> inputs = {lhs, rhs};
    SmallVector<AffineMap> maps = {AffineMap::get(4, 0, {m, g, kk}, ctx),
                                   AffineMap::get(4, 0, {n, g, kk}, ctx)};
    Value lz = op.getLhsZeroPoint(), rz = op.getRhsZeroPoint();
    if (lz) {
      inputs.push_back(lz);
      maps.push_back(paramMap(lst, m, 4));
    }
    if (rz) {
      inputs.push_back(rz);
      maps.push_back(paramMap(rst, n, 4));
    }
    maps.push_back(AffineMap::get(4, 0, {m, n, g}, ctx));
    SmallVector<OpFoldResult> ls = sizesOf(rewriter, loc, op.getLhs()),
                              rs = sizesOf(rewriter, loc, op.getRhs());
    Value acc;
    if (groups == 1 && !lz && !rz) {
      // One group, no zero points: a plain i8 x i8 -> i32 matmul (B
      // transposed), which the CPU lowering hands to a microkernel.
      Value accInit = emptyTensor(rewriter, loc, {ls[0], rs[0]}, i32,
                                  rewriter.getI32IntegerAttr(0));
      Value acc2 = linalg::MatmulTransposeBOp::create(
                       rewriter, loc, TypeRange{accInit.getType()},
                       ValueRange{op.getLhs(), op.getRhs()}, ValueRange{accInit})
                       ->getResult(0);
      acc = splitLastDim(rewriter, loc, acc2, 1);
    } else {
    Value accInit =
        emptyTensor(rewriter, loc, {ls[0], rs[0], rewriter.getIndexAttr(groups)},
                    i32, rewriter.getI32IntegerAttr(0));
    acc = buildGeneric(
        rewriter, loc, inputs, accInit, maps,
        {IteratorType::parallel, IteratorType::parallel,
         IteratorType::parallel, IteratorType::reduction},
        [&](OpBuilder &nb, Location l, ValueRange a) {
          Value av = arith::ExtSIOp::create(nb, l, i32, a[0]);
          Value wv = arith::ExtSIOp::create(nb, l, i32, a[1]);
          unsigned next = 2;
          if (lz)
            av = arith::SubIOp::create(
                nb, l, av, arith::ExtSIOp::create(nb, l, i32, a[next++]));
          if (rz)
            wv = arith::SubIOp::create(
                nb, l, wv, arith::ExtSIOp::create(nb, l, i32, a[next++]));
          Value p = arith::MulIOp::create(nb, l, av, wv);
          linalg::YieldOp::create(
              nb, l, arith::AddIOp::create(nb, l, a.back(), p).getResult());
        });
    }

    // Epilogue over (m, n, g), reducing g.
    AffineExpr m3 = getAffineDimExpr(0, ctx), n3 = getAffineDimExpr(1, ctx),
               g3 = getAffineDimExpr(2, ctx);
    auto param3 = [&](RankedTensorType t, AffineExpr row) {
      AffineExpr r = t.getDimSize(0) == 1 ? zero : row;
      AffineExpr c = t.getDimSize(1) == 1 ? zero : g3;
      return AffineMap::get(3, 0, {r, c}, ctx);
    };
    Value outInit;
    SmallVector<OpFoldResult> outSizes = {ls[0], rs[0]};
    if (Value bias = op.getBias()) {
      Value e = emptyTensor(rewriter, loc, outSizes, f32);
      outInit = buildGeneric(
          rewriter, loc, {bias}, e,
          {AffineMap::get(2, 0, {getAffineDimExpr(1, ctx)}, ctx),
           AffineMap::getMultiDimIdentityMap(2, ctx)},
          {IteratorType::parallel, IteratorType::parallel},
          [](OpBuilder &nb, Location l, ValueRange a) {
            linalg::YieldOp::create(nb, l, a[0]);
          });
    } else {
      outInit = emptyTensor(rewriter, loc, outSizes, f32,
                            rewriter.getF32FloatAttr(0));
    }
    Value y = buildGeneric(
        rewriter, loc, {acc, op.getLhsScale(), op.getRhsScale()}, outInit,
        {AffineMap::getMultiDimIdentityMap(3, ctx), param3(lst, m3),
         param3(rst, n3), AffineMap::get(3, 0, {m3, n3}, ctx)},
        {IteratorType::parallel, IteratorType::parallel,
         IteratorType::reduction},
        [&](OpBuilder &nb, Location l, ValueRange a) {
          Value af = arith::SIToFPOp::create(nb, l, f32, a[0]);
          Value s = arith::MulFOp::create(nb, l, a[1], a[2]);
          Value p = arith::MulFOp::create(nb, l, s, af);
          linalg::YieldOp::create(
              nb, l, arith::AddFOp::create(nb, l, a[3], p).getResult());
        });
    if (y.getType() != op.getResult().getType())
      y = tensor::CastOp::create(rewriter, loc, op.getResult().getType(), y);
    rewriter.replaceOp(op, y);
    return success();
  }
};
} // namespace

void mlir::rotq::lowering::populateLowerQMatmulPattern(
    RewritePatternSet &patterns) {
  patterns.add<LowerQMatmul>(patterns.getContext());
}
