//===- LowerQuantize.cpp - quantize, dequantize, pack, unpack to linalg ---===//
//
// Implements the semantics written in the op documentation, in f32:
// scales from finite values only, round to nearest even, clamp in float
// before the conversion to integer, NaN to the zero-point code.
//
//===----------------------------------------------------------------------===//
#include "LoweringUtils.h"
#include "RotqToLinalgPatterns.h"

#include "rotq/Conversion/QuantMath.h"
#include "rotq/Dialect/Rotq/IR/RotqOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"


using namespace mlir;
using namespace mlir::rotq;
using namespace mlir::rotq::lowering;

namespace {
using utils::IteratorType;

using quantmath::quantizeElement;

struct LowerQuantize : OpRewritePattern<QuantizeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    int64_t bits = op.getBits();
    Type f32 = rewriter.getF32Type();
    Value x = convertFloatTensor(rewriter, loc, op.getInput(), f32);
    Value scale = op.getScale(), zp = op.getZeroPoint();
    if (op.isDynamic())
      std::tie(scale, zp) = computeScales(rewriter, op, x);
    Value codes = scaledElementwise(
        rewriter, loc, x, scale, zp, rewriter.getI8Type(),
        [&](OpBuilder &nb, Location l, Value xe, Value se, Value ze) {
          return quantizeElement(nb, l, xe, se, ze, bits);
        });
    SmallVector<Value> results = {codes};
    if (op.isDynamic()) {
      // The declared result types may be more static than what was built.
      auto castTo = [&](Value v, Type t) -> Value {
        return v.getType() == t
                   ? v
                   : tensor::CastOp::create(rewriter, loc, t, v).getResult();
      };
      results.push_back(castTo(scale, op.getOutScale().getType()));
      if (zp)
        results.push_back(castTo(zp, op.getOutZeroPoint().getType()));
    }
    rewriter.replaceOp(op, results);
    return success();
  }

  /// Reduces x (f32, original shape) to the keepdims scale (and zero point).
  static std::pair<Value, Value> computeScales(PatternRewriter &b,
                                               QuantizeOp op, Value x) {
    Location loc = op.getLoc();
    MLIRContext *ctx = b.getContext();
    Type f32 = b.getF32Type();
    bool asym = op.getAsymmetric();
    int64_t bits = op.getBits();
    double clip = op.getClipRatio().convertToDouble();
    auto st = cast<RankedTensorType>(op.getOutScale().getType());
    Granularity g = op.getGranularity();
    bool reduceRows = g == Granularity::Tensor || g == Granularity::Column;
    int64_t groups = st.getShape().back();

    SmallVector<OpFoldResult> sizes = sizesOf(b, loc, x);
    SmallVector<OpFoldResult> leading(sizes.begin(), sizes.end() - 1);
    Value rows = collapseToRows(b, loc, x);
    // [R, K] -> [R, G, K/G] (G = 1 keeps a possibly dynamic K).
    Value view;
    if (groups == 1) {
      auto rt = cast<RankedTensorType>(rows.getType());
      auto vt = RankedTensorType::get({rt.getDimSize(0), 1, rt.getDimSize(1)},
                                      f32);
      SmallVector<OpFoldResult> rs = sizesOf(b, loc, rows);
      view = tensor::ExpandShapeOp::create(
          b, loc, vt, rows, ArrayRef<ReassociationIndices>{{0}, {1, 2}},
          SmallVector<OpFoldResult>{rs[0], b.getIndexAttr(1), rs[1]});
    } else {
      view = splitLastDim(b, loc, rows,
                          cast<RankedTensorType>(rows.getType()).getDimSize(1) /
                              groups);
    }

    AffineExpr r = getAffineDimExpr(0, ctx), gd = getAffineDimExpr(1, ctx);
    AffineMap in = AffineMap::getMultiDimIdentityMap(3, ctx);
    AffineMap out = reduceRows ? AffineMap::get(3, 0, {gd}, ctx)
                               : AffineMap::get(3, 0, {r, gd}, ctx);
    SmallVector<OpFoldResult> statSizes;
    if (!reduceRows)
      statSizes.push_back(sizesOf(b, loc, view)[0]);
    statSizes.push_back(b.getIndexAttr(groups));
    Value zeroInit = emptyTensor(b, loc, statSizes, f32, b.getF32FloatAttr(0));
    SmallVector<IteratorType> it = {
        reduceRows ? IteratorType::reduction : IteratorType::parallel,
        IteratorType::parallel, IteratorType::reduction};

    // Statistics over finite values; the zero init also gives
    // min(x, 0) / max(x, 0) as the asymmetric range needs.
    auto finiteOrZero = quantmath::finiteOrZero;
    SmallVector<Value> outs = {zeroInit};
    SmallVector<Type> outTypes = {zeroInit.getType()};
    if (asym) {
      outs.push_back(zeroInit);
      outTypes.push_back(zeroInit.getType());
    }
    SmallVector<AffineMap> maps = {in, out};
    if (asym)
      maps.push_back(out);
    auto stats = linalg::GenericOp::create(
        b, loc, outTypes, ValueRange{view}, outs, maps, it,
        [&](OpBuilder &nb, Location l, ValueRange a) {
          Value mag = math::AbsFOp::create(nb, l, a[0]);
          if (!asym) {
            Value v = finiteOrZero(nb, l, mag, mag);
            linalg::YieldOp::create(
                nb, l, arith::MaximumFOp::create(nb, l, a[1], v).getResult());
            return;
          }
          Value v = finiteOrZero(nb, l, a[0], mag);
          linalg::YieldOp::create(
              nb, l,
              ValueRange{arith::MinimumFOp::create(nb, l, a[1], v),
                         arith::MaximumFOp::create(nb, l, a[2], v)});
        });

    // Scales (and zero points) element-wise on the statistics.
    int64_t sr = statSizes.size();
    AffineMap sid = AffineMap::getMultiDimIdentityMap(sr, ctx);
    SmallVector<IteratorType> sit(sr, IteratorType::parallel);
    Value sInit = emptyTensor(b, loc, statSizes, f32);
    Value scale, zp;
    if (!asym) {
      scale = buildGeneric(
          b, loc, {stats.getResult(0)}, sInit, {sid, sid}, sit,
          [&](OpBuilder &nb, Location l, ValueRange a) {
            linalg::YieldOp::create(
                nb, l, quantmath::symmetricScale(nb, l, a[0], clip, bits));
          });
    } else {
      Value zInit = emptyTensor(b, loc, statSizes, b.getI8Type());
      auto sz = linalg::GenericOp::create(
          b, loc, TypeRange{sInit.getType(), zInit.getType()},
          ValueRange{stats.getResult(0), stats.getResult(1)},
          ValueRange{sInit, zInit}, {sid, sid, sid, sid}, sit,
          [&](OpBuilder &nb, Location l, ValueRange a) {
            auto [s, z] =
                quantmath::asymmetricScale(nb, l, a[0], a[1], clip, bits);
            linalg::YieldOp::create(nb, l, ValueRange{s, z});
          });
      scale = sz.getResult(0);
      zp = sz.getResult(1);
    }

    // Statistics -> keepdims shapes.
    auto toKeepdims = [&](Value v) -> Value {
      auto vt = cast<RankedTensorType>(v.getType());
      if (!reduceRows)
        return expandFromRows(b, loc, v, leading);
      auto rt = RankedTensorType::get(st.getShape(), vt.getElementType());
      if (rt.getRank() == 1)
        return v;
      ReassociationIndices all;
      for (int64_t i = 0; i < rt.getRank(); ++i)
        all.push_back(i);
      return tensor::ExpandShapeOp::create(
          b, loc, rt, v, ArrayRef<ReassociationIndices>{all});
    };
    return {toKeepdims(scale), zp ? toKeepdims(zp) : Value()};
  }
};

struct LowerDequantize : OpRewritePattern<DequantizeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(DequantizeOp op,
                                PatternRewriter &rewriter) const override {
    Type et = op.getResult().getType().getElementType();
    Type f32 = rewriter.getF32Type();
    Value y = scaledElementwise(
        rewriter, op.getLoc(), op.getCodes(), op.getScale(), op.getZeroPoint(),
        et, [&](OpBuilder &nb, Location l, Value q, Value s, Value z) {
          Value qf = arith::SIToFPOp::create(nb, l, f32, q);
          if (z)
            qf = arith::SubFOp::create(
                nb, l, qf, arith::SIToFPOp::create(nb, l, f32, z));
          Value v = arith::MulFOp::create(nb, l, s, qf);
          return convertFloat(nb, l, v, et);
        });
    rewriter.replaceOp(op, y);
    return success();
  }
};

/// Bit offset of code t within its byte (t = loop index `dim`): bits * t.
Value codeShift(OpBuilder &b, Location loc, int64_t dim, int64_t bits) {
  Type i8 = b.getI8Type();
  Value t = linalg::IndexOp::create(b, loc, dim);
  Value sh = arith::IndexCastOp::create(b, loc, i8, t);
  return arith::MulIOp::create(b, loc, sh,
                               arith::ConstantIntOp::create(b, loc, i8, bits));
}

/// byte[..., j] = OR_t (code[..., j*per + t] & mask) << (bits * t).
struct LowerPack : OpRewritePattern<PackOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(PackOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    int64_t bits = op.getBits(), per = 8 / bits;
    Value v = splitLastDim(rewriter, loc, op.getCodes(), per);
    int64_t r = cast<RankedTensorType>(v.getType()).getRank();
    SmallVector<AffineExpr> oe;
    for (int64_t d = 0; d + 1 < r; ++d)
      oe.push_back(getAffineDimExpr(d, ctx));
    SmallVector<OpFoldResult> outSizes = sizesOf(rewriter, loc, v);
    outSizes.pop_back();
    Value init = emptyTensor(rewriter, loc, outSizes, rewriter.getI8Type(),
                             rewriter.getI8IntegerAttr(0));
    SmallVector<IteratorType> it(r - 1, IteratorType::parallel);
    it.push_back(IteratorType::reduction);
    Value y = buildGeneric(
        rewriter, loc, {v}, init,
        {AffineMap::getMultiDimIdentityMap(r, ctx), AffineMap::get(r, 0, oe, ctx)},
        it, [&](OpBuilder &nb, Location l, ValueRange a) {
          Type i8 = nb.getI8Type();
          Value sh = codeShift(nb, l, r - 1, bits);
          Value mask = arith::ConstantIntOp::create(nb, l, i8, (1 << bits) - 1);
          Value c = arith::AndIOp::create(nb, l, a[0], mask);
          c = arith::ShLIOp::create(nb, l, c, sh);
          linalg::YieldOp::create(
              nb, l, arith::OrIOp::create(nb, l, a[1], c).getResult());
        });
    rewriter.replaceOp(op, y);
    return success();
  }
};

/// code[..., j*per + t] = sign_extend_bits(byte[..., j] >> (bits * t)).
struct LowerUnpack : OpRewritePattern<UnpackOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(UnpackOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    int64_t bits = op.getBits(), per = 8 / bits;
    Value p = op.getPacked();
    int64_t r = cast<RankedTensorType>(p.getType()).getRank() + 1;
    SmallVector<AffineExpr> ie;
    for (int64_t d = 0; d + 1 < r; ++d)
      ie.push_back(getAffineDimExpr(d, ctx));
    SmallVector<OpFoldResult> outSizes = sizesOf(rewriter, loc, p);
    outSizes.push_back(rewriter.getIndexAttr(per));
    Value init = emptyTensor(rewriter, loc, outSizes, rewriter.getI8Type());
    Value y = buildGeneric(
        rewriter, loc, {p}, init,
        {AffineMap::get(r, 0, ie, ctx), AffineMap::getMultiDimIdentityMap(r, ctx)},
        SmallVector<IteratorType>(r, IteratorType::parallel),
        [&](OpBuilder &nb, Location l, ValueRange a) {
          Type i8 = nb.getI8Type();
          Value sh = codeShift(nb, l, r - 1, bits);
          Value v = arith::ShRUIOp::create(nb, l, a[0], sh);
          Value up = arith::ConstantIntOp::create(nb, l, i8, 8 - bits);
          v = arith::ShLIOp::create(nb, l, v, up);
          linalg::YieldOp::create(
              nb, l, arith::ShRSIOp::create(nb, l, v, up).getResult());
        });
    rewriter.replaceOp(op, mergeLastDims(rewriter, loc, y));
    return success();
  }
};
} // namespace

void mlir::rotq::lowering::populateLowerQuantizePatterns(
    RewritePatternSet &patterns) {
  patterns.add<LowerQuantize, LowerDequantize, LowerPack, LowerUnpack>(
      patterns.getContext());
}
