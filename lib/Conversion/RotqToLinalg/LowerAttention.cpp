//===- LowerAttention.cpp - rotq.attention to linalg ----------------------===//
//
// Six generics, in the compute type, with G = H / KV:
//   scores[h,s,t] = sum_i q[s,h,i] * k[t, h floordiv G, i]
//   m[h,s]        = max over allowed t of scale * scores
//   e[h,s,t]      = allowed ? exp(scale * scores - m) : 0
//   l[h,s]        = sum_t e
//   o[s,h,j]      = sum_t e[h,s,t] * v[t, h floordiv G, j]
//   y[s,h,j]      = o / l[h,s]
// "allowed" is t <= s + T - S (and s + T - S - t < window) when causal.
// rotq-raise-model recognises exactly this chain.
//
//===----------------------------------------------------------------------===//
#include "LoweringUtils.h"
#include "RotqToLinalgPatterns.h"

#include "rotq/Dialect/Rotq/IR/RotqOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Math/IR/Math.h"

#include <limits>

using namespace mlir;
using namespace mlir::rotq;
using namespace mlir::rotq::lowering;

namespace {
using utils::IteratorType;

struct LowerAttention : OpRewritePattern<AttentionOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AttentionOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Type et = op.getQuery().getType().getElementType(), ct = computeType(et);
    Value q = convertFloatTensor(rewriter, loc, op.getQuery(), ct);
    Value k = convertFloatTensor(rewriter, loc, op.getKey(), ct);
    Value v = convertFloatTensor(rewriter, loc, op.getValue(), ct);
    int64_t heads = op.getQuery().getType().getDimSize(1);
    int64_t group = heads / op.getKey().getType().getDimSize(1);
    SmallVector<OpFoldResult> qs = sizesOf(rewriter, loc, q),
                              ks = sizesOf(rewriter, loc, k),
                              vs = sizesOf(rewriter, loc, v);
    OpFoldResult sLen = qs[0], tLen = ks[0], hSize = qs[1];
    bool causal = op.getCausal();
    std::optional<uint64_t> window = op.getWindow();
    double scale = op.getScale().convertToDouble();

    // Query position offset T - S, used by the mask.
    Value offset;
    if (causal) {
      Value sv = getValueOrCreateConstantIndexOp(rewriter, loc, sLen);
      Value tv = getValueOrCreateConstantIndexOp(rewriter, loc, tLen);
      offset = arith::SubIOp::create(rewriter, loc, tv, sv);
    }
    // allowed(s, t) for the dims of the current generic.
    auto allowed = [&](OpBuilder &b, Location l, unsigned sDim,
                       unsigned tDim) -> Value {
      Value s = linalg::IndexOp::create(b, l, sDim);
      Value t = linalg::IndexOp::create(b, l, tDim);
      Value pos = arith::AddIOp::create(b, l, s, offset);
      Value ok = arith::CmpIOp::create(b, l, arith::CmpIPredicate::ule, t, pos);
      if (window) {
        Value w = arith::ConstantIndexOp::create(b, l, *window);
        Value dist = arith::SubIOp::create(b, l, pos, t);
        ok = arith::AndIOp::create(
            b, l, ok,
            arith::CmpIOp::create(b, l, arith::CmpIPredicate::ult, dist, w));
      }
      return ok;
    };

    AffineExpr d0 = getAffineDimExpr(0, ctx), d1 = getAffineDimExpr(1, ctx),
               d2 = getAffineDimExpr(2, ctx), d3 = getAffineDimExpr(3, ctx);
    auto map = [&](unsigned n, ArrayRef<AffineExpr> e) {
      return AffineMap::get(n, 0, e, ctx);
    };
    auto par = IteratorType::parallel, red = IteratorType::reduction;
    Attribute zero = rewriter.getFloatAttr(ct, 0.0);

    // scores over (h, s, t, i).
    Value scoresInit = emptyTensor(rewriter, loc, {hSize, sLen, tLen}, ct, zero);
    Value scores = buildGeneric(
        rewriter, loc, {q, k}, scoresInit,
        {map(4, {d1, d0, d3}), map(4, {d2, d0.floorDiv(group), d3}),
         map(4, {d0, d1, d2})},
        {par, par, par, red}, [](OpBuilder &b, Location l, ValueRange a) {
          Value p = arith::MulFOp::create(b, l, a[0], a[1]);
          linalg::YieldOp::create(b, l,
                                  arith::AddFOp::create(b, l, a[2], p).getResult());
        });

    auto scaled = [&](OpBuilder &b, Location l, Value sc) -> Value {
      return arith::MulFOp::create(
          b, l, sc, arith::ConstantOp::create(b, l, b.getFloatAttr(ct, scale)));
    };
    AffineMap hst = map(3, {d0, d1, d2}), hs = map(3, {d0, d1});
    Value maxInit =
        emptyTensor(rewriter, loc, {hSize, sLen}, ct,
                    rewriter.getFloatAttr(
                        ct, -std::numeric_limits<double>::infinity()));
    Value mx = buildGeneric(
        rewriter, loc, {scores}, maxInit, {hst, hs}, {par, par, red},
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value v = scaled(b, l, a[0]);
          if (causal) {
            Value ninf = arith::ConstantOp::create(
                b, l,
                b.getFloatAttr(ct, -std::numeric_limits<double>::infinity()));
            v = arith::SelectOp::create(b, l, allowed(b, l, 1, 2), v, ninf);
          }
          linalg::YieldOp::create(
              b, l, arith::MaximumFOp::create(b, l, a[1], v).getResult());
        });

    Value eInit = emptyTensor(rewriter, loc, {hSize, sLen, tLen}, ct);
    Value e = buildGeneric(
        rewriter, loc, {scores, mx}, eInit, {hst, hs, hst}, {par, par, par},
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value v = math::ExpOp::create(
              b, l, arith::SubFOp::create(b, l, scaled(b, l, a[0]), a[1]));
          if (causal) {
            Value z = arith::ConstantOp::create(b, l, b.getFloatAttr(ct, 0.0));
            v = arith::SelectOp::create(b, l, allowed(b, l, 1, 2), v, z);
          }
          linalg::YieldOp::create(b, l, v);
        });

    Value lInit = emptyTensor(rewriter, loc, {hSize, sLen}, ct, zero);
    Value sum = buildGeneric(
        rewriter, loc, {e}, lInit, {hst, hs}, {par, par, red},
        [](OpBuilder &b, Location l, ValueRange a) {
          linalg::YieldOp::create(b, l,
                                  arith::AddFOp::create(b, l, a[1], a[0]).getResult());
        });

    // o over (s, h, j, t).
    Value oInit = emptyTensor(rewriter, loc, {sLen, hSize, vs[2]}, ct, zero);
    Value o = buildGeneric(
        rewriter, loc, {e, v}, oInit,
        {map(4, {d1, d0, d3}), map(4, {d3, d1.floorDiv(group), d2}),
         map(4, {d0, d1, d2})},
        {par, par, par, red}, [](OpBuilder &b, Location l, ValueRange a) {
          Value p = arith::MulFOp::create(b, l, a[0], a[1]);
          linalg::YieldOp::create(b, l,
                                  arith::AddFOp::create(b, l, a[2], p).getResult());
        });

    Value yInit = emptyTensor(rewriter, loc, {sLen, hSize, vs[2]}, ct);
    Value y = buildGeneric(
        rewriter, loc, {o, sum}, yInit,
        {hst, map(3, {d1, d0}), hst}, {par, par, par},
        [](OpBuilder &b, Location l, ValueRange a) {
          linalg::YieldOp::create(b, l,
                                  arith::DivFOp::create(b, l, a[0], a[1]).getResult());
        });
    y = convertFloatTensor(rewriter, loc, y, et);
    if (y.getType() != op.getResult().getType())
      y = tensor::CastOp::create(rewriter, loc, op.getResult().getType(), y);
    rewriter.replaceOp(op, y);
    return success();
  }
};
} // namespace

void mlir::rotq::lowering::populateLowerAttentionPattern(
    RewritePatternSet &patterns) {
  patterns.add<LowerAttention>(patterns.getContext());
}
