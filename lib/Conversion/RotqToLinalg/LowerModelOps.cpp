//===- LowerModelOps.cpp - rotq.embedding/rms_norm/linear to linalg -------===//
//
// The forms produced here are the ones rotq-raise-model recognises, so that
// imported models (built from these ops and lowered) round-trip:
//   embedding: one linalg.generic over the ids reading the table with
//              tensor.extract (ids clamped into range);
//   rms_norm:  a sum-of-squares reduction generic, then one element-wise
//              generic x * rsqrt(ss / n + eps) (* weight);
//   linear:    linalg.matmul with a transposed weight map (matmul_transpose_b)
//              into a zero fill, then an element-wise bias-add generic;
//   protect:   its two factors as linears, added element-wise.
//
//===----------------------------------------------------------------------===//
#include "LoweringUtils.h"
#include "RotqToLinalgPatterns.h"

#include "rotq/Dialect/Rotq/IR/RotqOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Math/IR/Math.h"

using namespace mlir;
using namespace mlir::rotq;
using namespace mlir::rotq::lowering;

namespace {
using utils::IteratorType;

struct LowerEmbedding : OpRewritePattern<EmbeddingOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(EmbeddingOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    auto resultType = op.getResult().getType();
    int64_t rank = resultType.getRank();
    Value table = op.getTable();
    // The last row, from the table itself (its row count may be dynamic).
    Value rows = tensor::DimOp::create(rewriter, loc, table, 0);
    Value oneIdx = arith::ConstantIndexOp::create(rewriter, loc, 1);
    Value lastRow = arith::SubIOp::create(rewriter, loc, rows, oneIdx);
    bool maybeEmpty = op.getTable().getType().isDynamicDim(0);
    SmallVector<OpFoldResult> sizes = sizesOf(rewriter, loc, op.getIds());
    sizes.push_back(rewriter.getIndexAttr(resultType.getShape().back()));
    Value init = emptyTensor(rewriter, loc, sizes, resultType.getElementType());
    AffineMap idsMap =
        AffineMap::getMultiDimIdentityMap(rank, ctx).getMajorSubMap(rank - 1);
    SmallVector<IteratorType> iters(rank, IteratorType::parallel);
    Value y = buildGeneric(
        rewriter, loc, {op.getIds()}, init,
        {idsMap, AffineMap::getMultiDimIdentityMap(rank, ctx)}, iters,
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value id = arith::IndexCastOp::create(b, l, b.getIndexType(), a[0]);
          Value zero = arith::ConstantIndexOp::create(b, l, 0);
          id = arith::MaxSIOp::create(b, l, id, zero);
          id = arith::MinSIOp::create(b, l, id, lastRow);
          Value col = linalg::IndexOp::create(b, l, rank - 1);
          if (!maybeEmpty) {
            Value v = tensor::ExtractOp::create(b, l, table, ValueRange{id, col});
            linalg::YieldOp::create(b, l, v);
            return;
          }
          // A table that turns out empty yields zeros: no row to read.
          Value nonEmpty = arith::CmpIOp::create(
              b, l, arith::CmpIPredicate::sge, lastRow, zero);
          auto ifOp = scf::IfOp::create(
              b, l, nonEmpty,
              [&](OpBuilder &tb, Location tl) {
                scf::YieldOp::create(tb, tl,
                                     tensor::ExtractOp::create(
                                         tb, tl, table, ValueRange{id, col})
                                         .getResult());
              },
              [&](OpBuilder &eb, Location el) {
                scf::YieldOp::create(
                    eb, el,
                    arith::ConstantOp::create(
                        eb, el, eb.getZeroAttr(resultType.getElementType()))
                        .getResult());
              });
          linalg::YieldOp::create(b, l, ifOp.getResult(0));
        });
    if (y.getType() != resultType)
      y = tensor::CastOp::create(rewriter, loc, resultType, y);
    rewriter.replaceOp(op, y);
    return success();
  }
};

struct LowerRMSNorm : OpRewritePattern<RMSNormOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(RMSNormOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value x = op.getInput();
    auto type = op.getInput().getType();
    Type et = type.getElementType(), ct = computeType(et);
    int64_t rank = type.getRank(), n = type.getShape().back();
    SmallVector<OpFoldResult> sizes = sizesOf(rewriter, loc, x);
    AffineMap id = AffineMap::getMultiDimIdentityMap(rank, ctx);
    AffineMap rows = id.getMajorSubMap(rank - 1);
    AffineMap cols = id.getMinorSubMap(1);

    Value ssInit = emptyTensor(rewriter, loc, ArrayRef(sizes).drop_back(), ct,
                               rewriter.getFloatAttr(ct, 0.0));
    SmallVector<IteratorType> red(rank, IteratorType::parallel);
    red.back() = IteratorType::reduction;
    Value ss = buildGeneric(
        rewriter, loc, {x}, ssInit, {id, rows}, red,
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value v = convertFloat(b, l, a[0], ct);
          Value sq = arith::MulFOp::create(b, l, v, v);
          linalg::YieldOp::create(b, l,
                                  arith::AddFOp::create(b, l, a[1], sq).getResult());
        });

    SmallVector<Value> inputs = {x, ss};
    SmallVector<AffineMap> maps = {id, rows};
    if (Value w = op.getWeight()) {
      inputs.push_back(w);
      maps.push_back(cols);
    }
    maps.push_back(id);
    bool hasWeight = static_cast<bool>(op.getWeight());
    double eps = op.getEpsilon().convertToDouble();
    Value init = emptyTensor(rewriter, loc, sizes, et);
    Value y = buildGeneric(
        rewriter, loc, inputs, init, maps,
        SmallVector<IteratorType>(rank, IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value nc = arith::ConstantOp::create(b, l, b.getFloatAttr(ct, n));
          Value ec = arith::ConstantOp::create(b, l, b.getFloatAttr(ct, eps));
          Value mean = arith::DivFOp::create(b, l, a[1], nc);
          Value r = math::RsqrtOp::create(
              b, l, arith::AddFOp::create(b, l, mean, ec));
          Value v = arith::MulFOp::create(b, l, convertFloat(b, l, a[0], ct), r);
          // As the reference: normalize in the compute type, cast back to
          // the data type, then scale.
          v = convertFloat(b, l, v, et);
          if (hasWeight)
            v = arith::MulFOp::create(b, l, v, a[2]);
          linalg::YieldOp::create(b, l, v);
        });
    rewriter.replaceOp(op, y);
    return success();
  }
};

struct LowerLinear : OpRewritePattern<LinearOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(LinearOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    auto inType = op.getInput().getType();
    Type et = inType.getElementType(), ct = computeType(et);
    int64_t out = op.getWeight().getType().getDimSize(0);
    SmallVector<OpFoldResult> lead = sizesOf(rewriter, loc, op.getInput());
    lead.pop_back();

    Value x = convertFloatTensor(rewriter, loc,
                                 collapseToRows(rewriter, loc, op.getInput()), ct);
    Value w = convertFloatTensor(rewriter, loc, op.getWeight(), ct);
    SmallVector<OpFoldResult> rowSizes = sizesOf(rewriter, loc, x);
    Value acc = emptyTensor(rewriter, loc, {rowSizes[0], rewriter.getIndexAttr(out)},
                            ct, rewriter.getFloatAttr(ct, 0.0));
    Value y = linalg::MatmulTransposeBOp::create(rewriter, loc,
                                                 TypeRange{acc.getType()},
                                                 ValueRange{x, w}, ValueRange{acc})
                  ->getResult(0);
    if (Value bias = op.getBias()) {
      bias = convertFloatTensor(rewriter, loc, bias, ct);
      AffineMap id = AffineMap::getMultiDimIdentityMap(2, ctx);
      Value init = emptyTensor(rewriter, loc, sizesOf(rewriter, loc, y), ct);
      y = buildGeneric(rewriter, loc, {y, bias}, init,
                       {id, id.getMinorSubMap(1), id},
                       {IteratorType::parallel, IteratorType::parallel},
                       [](OpBuilder &b, Location l, ValueRange a) {
                         linalg::YieldOp::create(
                             b, l, arith::AddFOp::create(b, l, a[0], a[1])
                                       .getResult());
                       });
    }
    y = convertFloatTensor(rewriter, loc, y, et);
    if (inType.getRank() != 2)
      y = expandFromRows(rewriter, loc, y, lead);
    if (y.getType() != op.getResult().getType())
      y = tensor::CastOp::create(rewriter, loc, op.getResult().getType(), y);
    rewriter.replaceOp(op, y);
    return success();
  }
};
} // namespace

namespace {
/// rotq.protect: the two skinny factors as rotq.linear ops (x * P^T, then
/// * C^T, lowered by LowerLinear), added to the linear's result by one
/// element-wise generic.
struct LowerProtect : OpRewritePattern<ProtectOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ProtectOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    auto xType = op.getInput().getType();
    auto yType = op.getLinearResult().getType();
    SmallVector<int64_t> shape(xType.getShape());
    shape.back() = op.getRank();
    Value t = LinearOp::create(rewriter, loc, xType.clone(shape),
                               op.getInput(), op.getDirections(), Value());
    shape.back() = yType.getShape().back();
    Value r = LinearOp::create(rewriter, loc, xType.clone(shape), t,
                               op.getCorrection(), Value());
    if (r.getType() != yType)
      r = tensor::CastOp::create(rewriter, loc, yType, r);
    int64_t rank = yType.getRank();
    AffineMap id = AffineMap::getMultiDimIdentityMap(rank, ctx);
    Value init = emptyTensor(rewriter, loc,
                             sizesOf(rewriter, loc, op.getLinearResult()),
                             yType.getElementType());
    Value z = buildGeneric(
        rewriter, loc, {op.getLinearResult(), r}, init, {id, id, id},
        SmallVector<IteratorType>(rank, IteratorType::parallel),
        [](OpBuilder &b, Location l, ValueRange a) {
          linalg::YieldOp::create(b, l,
                                  arith::AddFOp::create(b, l, a[0], a[1]).getResult());
        });
    if (z.getType() != yType)
      z = tensor::CastOp::create(rewriter, loc, yType, z);
    rewriter.replaceOp(op, z);
    return success();
  }
};
} // namespace

namespace {
/// rotq.scale: one element-wise generic reading the vector along `axis`.
struct LowerScale : OpRewritePattern<ScaleOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ScaleOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    auto type = op.getResult().getType();
    int64_t rank = type.getRank();
    Value init = emptyTensor(rewriter, loc, sizesOf(rewriter, loc, op.getInput()),
                             type.getElementType());
    AffineMap id = AffineMap::getMultiDimIdentityMap(rank, ctx);
    AffineMap axis = AffineMap::get(rank, 0, getAffineDimExpr(op.getAxis(), ctx));
    Value y = buildGeneric(
        rewriter, loc, {op.getInput(), op.getScale()}, init, {id, axis, id},
        SmallVector<IteratorType>(rank, IteratorType::parallel),
        [](OpBuilder &b, Location l, ValueRange a) {
          linalg::YieldOp::create(b, l,
                                  arith::MulFOp::create(b, l, a[0], a[1]).getResult());
        });
    rewriter.replaceOp(op, y);
    return success();
  }
};
} // namespace

void mlir::rotq::lowering::populateLowerModelOpPatterns(
    RewritePatternSet &patterns) {
  patterns.add<LowerEmbedding, LowerRMSNorm, LowerLinear, LowerProtect,
               LowerScale>(
      patterns.getContext());
}
