//===- RaiseModel.cpp - the rotq-raise-model pass -------------------------===//
//
// Pattern-matches linalg spellings of linears, RMSNorms, embeddings and
// attention and replaces them with rotq's model-level ops (Passes.td has
// the accepted forms). Matching is structural: indexing maps, iterator
// types and the payload's arithmetic, never names or attributes. Linears,
// embeddings and attention are raised first; then element-wise chains are
// fused (only producers with at most one full-rank non-constant input, so
// residual adds and gated activations stay apart) and RMSNorms raised.
//
//===----------------------------------------------------------------------===//
#include "BodyEval.h"
#include "LayoutTrace.h"

#include "rotq/Dialect/Rotq/IR/RotqOps.h"
#include "rotq/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace mlir::rotq {
#define GEN_PASS_DEF_RAISEMODEL
#include "rotq/Transforms/Passes.h.inc"
} // namespace mlir::rotq

using namespace mlir;
using namespace mlir::rotq;

namespace {
using utils::IteratorType;

Value yielded(linalg::GenericOp g, unsigned i = 0) {
  return cast<linalg::YieldOp>(g.getRegion().front().getTerminator())
      .getOperand(i);
}

/// Looks through float extensions and truncations.
Value stripCasts(Value v) {
  while (Operation *op = v.getDefiningOp()) {
    if (!isa<arith::ExtFOp, arith::TruncFOp>(op))
      break;
    v = op->getOperand(0);
  }
  return v;
}

std::optional<double> floatConstant(Value v) {
  FloatAttr attr;
  if (matchPattern(stripCasts(v), m_Constant(&attr)))
    return attr.getValueAsDouble();
  return std::nullopt;
}

bool isZeroFill(Value v) {
  auto fill = v.getDefiningOp<linalg::FillOp>();
  if (!fill)
    return false;
  std::optional<double> c = floatConstant(fill.getInputs()[0]);
  return c && *c == 0.0;
}

/// `binop(a, b)` with {a, b} == {x, y} in either order.
template <typename Op>
bool isCommutative(Value v, Value x, Value y) {
  auto op = v.getDefiningOp<Op>();
  return op && ((op.getLhs() == x && op.getRhs() == y) ||
                (op.getLhs() == y && op.getRhs() == x));
}

/// out + a * b, the payload of a contraction over block args 0, 1 and out 2.
bool isMulAcc(linalg::GenericOp g) {
  Block &b = g.getRegion().front();
  auto add = yielded(g).getDefiningOp<arith::AddFOp>();
  if (!add)
    return false;
  Value acc = b.getArgument(2);
  Value prod = add.getLhs() == acc ? add.getRhs() : add.getLhs();
  if (add.getLhs() != acc && add.getRhs() != acc)
    return false;
  return isCommutative<arith::MulFOp>(prod, b.getArgument(0), b.getArgument(1));
}

bool hasIterators(linalg::GenericOp g, ArrayRef<IteratorType> its) {
  return llvm::equal(g.getIteratorTypesArray(), its);
}

bool hasMaps(linalg::GenericOp g, ArrayRef<AffineMap> maps) {
  return llvm::equal(g.getIndexingMapsArray(), maps);
}

AffineMap mapOf(MLIRContext *ctx, unsigned dims, ArrayRef<AffineExpr> e) {
  return AffineMap::get(dims, 0, e, ctx);
}

//===----------------------------------------------------------------------===//
// Linear
//===----------------------------------------------------------------------===//

/// If `op` computes x * w^T into a zero fill, returns {x, w}.
std::optional<std::pair<Value, Value>> matchLinearCore(Operation *op) {
  MLIRContext *ctx = op->getContext();
  AffineExpr m = getAffineDimExpr(0, ctx), n = getAffineDimExpr(1, ctx),
             k = getAffineDimExpr(2, ctx);
  if (auto mm = dyn_cast<linalg::MatmulOp>(op)) {
    if (!mm.hasPureTensorSemantics() || !isZeroFill(mm.getOutputs()[0]))
      return std::nullopt;
    Value x = mm.getInputs()[0], b = mm.getInputs()[1];
    if (isa<linalg::MatmulTransposeBOp>(op))
      return std::make_pair(x, b);
    if (!linalg::MatmulOp::isDefaultIndexingMaps(mm.getIndexingMaps()))
      return std::nullopt;
    auto tr = b.getDefiningOp<linalg::TransposeOp>();
    if (!tr || tr.getPermutation() != ArrayRef<int64_t>{1, 0})
      return std::nullopt;
    return std::make_pair(x, tr.getInput());
  }
  auto g = dyn_cast<linalg::GenericOp>(op);
  if (!g || g.getNumDpsInputs() != 2 || g.getNumDpsInits() != 1 ||
      !g.hasPureTensorSemantics() ||
      !hasIterators(g, {IteratorType::parallel, IteratorType::parallel,
                        IteratorType::reduction}) ||
      !hasMaps(g, {mapOf(ctx, 3, {m, k}), mapOf(ctx, 3, {n, k}),
                   mapOf(ctx, 3, {m, n})}) ||
      !isZeroFill(g.getOutputs()[0]) || !isMulAcc(g))
    return std::nullopt;
  return std::make_pair(g.getInputs()[0], g.getInputs()[1]);
}

/// An element-wise generic adding a [N] vector to `mm` ([M, N]).
Value matchBiasAdd(Operation *user, Value mm) {
  auto g = dyn_cast<linalg::GenericOp>(user);
  if (!g || g.getNumDpsInputs() != 2 || g.getNumDpsInits() != 1 ||
      g.getNumReductionLoops() != 0 || g.getNumLoops() != 2)
    return {};
  MLIRContext *ctx = g.getContext();
  AffineMap id = AffineMap::getMultiDimIdentityMap(2, ctx);
  AffineMap col = id.getMinorSubMap(1);
  Block &b = g.getRegion().front();
  for (unsigned i = 0; i < 2; ++i) {
    if (g.getInputs()[i] != mm)
      continue;
    if (!isCommutative<arith::AddFOp>(yielded(g), b.getArgument(0),
                                      b.getArgument(1)))
      return {};
    Value other = g.getInputs()[1 - i];
    if (hasMaps(g, i == 0 ? ArrayRef<AffineMap>{id, col, id}
                          : ArrayRef<AffineMap>{col, id, id}))
      return other;
    // The bias broadcast to [M, N] first (torch-mlir's spelling).
    if (!hasMaps(g, {id, id, id}))
      return {};
    layout::Trace t = layout::trace(other);
    auto bt = dyn_cast<RankedTensorType>(t.base.getType());
    auto rowOf = [](ArrayRef<int64_t> idx, ArrayRef<int64_t>,
                    ArrayRef<int64_t>) -> SmallVector<int64_t> {
      return {idx[1]};
    };
    if (!t.chain.empty() && bt && bt.getRank() == 1 &&
        layout::verify(t, rowOf))
      return t.base;
    return {};
  }
  return {};
}

struct RaiseLinear : RewritePattern {
  RaiseLinear(MLIRContext *ctx)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/2, ctx) {}

  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    if (!isa<linalg::MatmulOp, linalg::GenericOp>(op))
      return failure();
    std::optional<std::pair<Value, Value>> core = matchLinearCore(op);
    if (!core)
      return failure();
    auto [x, w] = *core;
    auto xt = cast<RankedTensorType>(x.getType());
    auto wt = cast<RankedTensorType>(w.getType());
    auto rt = cast<RankedTensorType>(op->getResult(0).getType());
    if (!wt.hasStaticShape() || xt.getElementType() != wt.getElementType() ||
        rt.getElementType() != xt.getElementType())
      return rewriter.notifyMatchFailure(op, "needs a static weight and one "
                                             "element type");
    Operation *last = op;
    Value bias;
    if (op->getResult(0).hasOneUse()) {
      Operation *user = *op->getResult(0).getUsers().begin();
      if (Value bv = matchBiasAdd(user, op->getResult(0));
          bv && cast<RankedTensorType>(bv.getType()).getElementType() ==
                    rt.getElementType()) {
        bias = bv;
        last = user;
      }
    }
    rewriter.setInsertionPoint(last);
    auto lin = LinearOp::create(rewriter, op->getLoc(),
                                cast<RankedTensorType>(last->getResult(0).getType()),
                                x, w, bias);
    rewriter.replaceOp(last, lin.getResult());
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Embedding
//===----------------------------------------------------------------------===//

struct RaiseEmbedding : OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(linalg::GenericOp g,
                                PatternRewriter &rewriter) const override {
    if (g.getNumDpsInputs() != 1 || g.getNumDpsInits() != 1 ||
        g.getNumReductionLoops() != 0 || !g.hasPureTensorSemantics())
      return failure();
    unsigned rank = g.getNumLoops();
    MLIRContext *ctx = g.getContext();
    AffineMap id = AffineMap::getMultiDimIdentityMap(rank, ctx);
    if (rank < 2 || !hasMaps(g, {id.getMajorSubMap(rank - 1), id}))
      return failure();
    Value ids = g.getInputs()[0];
    if (!isa<IntegerType>(getElementTypeOrSelf(ids.getType())))
      return failure();
    auto extract = yielded(g).getDefiningOp<tensor::ExtractOp>();
    if (!extract || extract->getParentOp() != g ||
        extract.getIndices().size() != 2)
      return failure();
    Value table = extract.getTensor();
    if (table.getParentRegion()->isProperAncestor(&g.getRegion()) == false)
      return failure();
    auto col = extract.getIndices()[1].getDefiningOp<linalg::IndexOp>();
    if (!col || col.getDim() != rank - 1)
      return failure();
    // The row index: the id, index_cast, optionally clamped into range.
    Value row = extract.getIndices()[0];
    while (auto op = row.getDefiningOp()) {
      if (isa<arith::MaxSIOp, arith::MinSIOp>(op)) {
        row = op->getOperand(0);
        if (!matchPattern(op->getOperand(1), m_Constant()))
          return failure();
        continue;
      }
      if (isa<arith::IndexCastOp>(op)) {
        row = op->getOperand(0);
        continue;
      }
      break;
    }
    if (row != g.getRegion().front().getArgument(0))
      return failure();
    auto resultType = cast<RankedTensorType>(g.getResult(0).getType());
    if (resultType.getElementType() !=
        cast<RankedTensorType>(table.getType()).getElementType())
      return failure();
    rewriter.replaceOpWithNewOp<EmbeddingOp>(g, resultType, table, ids);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Attention
//===----------------------------------------------------------------------===//

struct AttentionMatch {
  Value q, k, v;
  double scale = 1.0;
  bool causal = false;
  std::optional<int64_t> window;
};

/// scale * a, returning a and the scale.
std::optional<std::pair<Value, double>> matchScaled(Value v) {
  auto mul = v.getDefiningOp<arith::MulFOp>();
  if (!mul)
    return std::nullopt;
  if (std::optional<double> c = floatConstant(mul.getRhs()))
    return std::make_pair(mul.getLhs(), *c);
  if (std::optional<double> c = floatConstant(mul.getLhs()))
    return std::make_pair(mul.getRhs(), *c);
  return std::nullopt;
}

/// select(allowed(s, t), v, fill) as the lowering writes the causal mask:
/// t <= s + offset [and s + offset - t < window]; returns v.
std::optional<Value> matchMask(Value v, AttentionMatch &m) {
  auto sel = v.getDefiningOp<arith::SelectOp>();
  if (!sel)
    return v;
  Value cond = sel.getCondition();
  if (auto andOp = cond.getDefiningOp<arith::AndIOp>()) {
    auto lt = andOp.getRhs().getDefiningOp<arith::CmpIOp>();
    IntegerAttr w;
    if (!lt || lt.getPredicate() != arith::CmpIPredicate::ult ||
        !matchPattern(lt.getRhs(), m_Constant(&w)))
      return std::nullopt;
    m.window = w.getInt();
    cond = andOp.getLhs();
  }
  auto le = cond.getDefiningOp<arith::CmpIOp>();
  if (!le || le.getPredicate() != arith::CmpIPredicate::ule)
    return std::nullopt;
  auto t = le.getLhs().getDefiningOp<linalg::IndexOp>();
  if (!t || t.getDim() != 2)
    return std::nullopt;
  // s + (T - S), or just s once the offset folded to zero.
  Value pos = le.getRhs();
  if (auto add = pos.getDefiningOp<arith::AddIOp>())
    pos = add.getLhs();
  auto s = pos.getDefiningOp<linalg::IndexOp>();
  if (!s || s.getDim() != 1)
    return std::nullopt;
  m.causal = true;
  return sel.getTrueValue();
}

linalg::GenericOp producer(Value v) { return v.getDefiningOp<linalg::GenericOp>(); }

std::optional<AttentionMatch> matchAttention(linalg::GenericOp y) {
  MLIRContext *ctx = y.getContext();
  auto par = IteratorType::parallel, red = IteratorType::reduction;
  AffineExpr d0 = getAffineDimExpr(0, ctx), d1 = getAffineDimExpr(1, ctx),
             d2 = getAffineDimExpr(2, ctx), d3 = getAffineDimExpr(3, ctx);
  AffineMap id3 = AffineMap::getMultiDimIdentityMap(3, ctx);
  AffineMap hs = mapOf(ctx, 3, {d0, d1});
  // y = o / l
  if (y.getNumDpsInputs() != 2 || !hasIterators(y, {par, par, par}) ||
      !hasMaps(y, {id3, mapOf(ctx, 3, {d1, d0}), id3}))
    return std::nullopt;
  Block &yb = y.getRegion().front();
  auto div = yielded(y).getDefiningOp<arith::DivFOp>();
  if (!div || div.getLhs() != yb.getArgument(0) ||
      div.getRhs() != yb.getArgument(1))
    return std::nullopt;
  linalg::GenericOp o = producer(y.getInputs()[0]),
                    l = producer(y.getInputs()[1]);
  if (!o || !l || o.getNumDpsInputs() != 2 || l.getNumDpsInputs() != 1)
    return std::nullopt;
  // o = sum_t e * v, l = sum_t e
  Value e = o.getInputs()[0], v = o.getInputs()[1];
  if (l.getInputs()[0] != e || !hasIterators(o, {par, par, par, red}) ||
      !isMulAcc(o) || !isZeroFill(o.getOutputs()[0]) ||
      !hasIterators(l, {par, par, red}) || !hasMaps(l, {id3, hs}) ||
      !isZeroFill(l.getOutputs()[0]) ||
      !isCommutative<arith::AddFOp>(yielded(l), l.getRegion().front().getArgument(0),
                                    l.getRegion().front().getArgument(1)))
    return std::nullopt;
  linalg::GenericOp eg = producer(e);
  if (!eg || eg.getNumDpsInputs() != 2 || !hasIterators(eg, {par, par, par}) ||
      !hasMaps(eg, {id3, hs, id3}))
    return std::nullopt;
  linalg::GenericOp scores = producer(eg.getInputs()[0]),
                    mx = producer(eg.getInputs()[1]);
  if (!scores || !mx || mx.getNumDpsInputs() != 1 ||
      mx.getInputs()[0] != eg.getInputs()[0] ||
      !hasIterators(mx, {par, par, red}) || !hasMaps(mx, {id3, hs}) ||
      scores.getNumDpsInputs() != 2 || !hasIterators(scores, {par, par, par, red}) ||
      !isMulAcc(scores) || !isZeroFill(scores.getOutputs()[0]))
    return std::nullopt;

  AttentionMatch m;
  m.q = scores.getInputs()[0];
  m.k = scores.getInputs()[1];
  m.v = v;
  auto qt = dyn_cast<RankedTensorType>(m.q.getType());
  auto kt = dyn_cast<RankedTensorType>(m.k.getType());
  auto vt = dyn_cast<RankedTensorType>(m.v.getType());
  if (!qt || !kt || !vt || qt.getRank() != 3 || kt.getRank() != 3 ||
      vt.getRank() != 3 || qt.isDynamicDim(1) || kt.isDynamicDim(1) ||
      kt.getDimSize(1) == 0 || qt.getDimSize(1) % kt.getDimSize(1))
    return std::nullopt;
  int64_t group = qt.getDimSize(1) / kt.getDimSize(1);
  if (!hasMaps(scores, {mapOf(ctx, 4, {d1, d0, d3}),
                        mapOf(ctx, 4, {d2, d0.floorDiv(group), d3}),
                        mapOf(ctx, 4, {d0, d1, d2})}) ||
      !hasMaps(o, {mapOf(ctx, 4, {d1, d0, d3}),
                   mapOf(ctx, 4, {d3, d1.floorDiv(group), d2}),
                   mapOf(ctx, 4, {d0, d1, d2})}))
    return std::nullopt;

  // e = mask(exp(scale * scores - m)); m = max(mask(scale * scores)).
  Block &eb = eg.getRegion().front();
  AttentionMatch em = m;
  std::optional<Value> ev = matchMask(yielded(eg), em);
  if (!ev)
    return std::nullopt;
  auto ex = ev->getDefiningOp<math::ExpOp>();
  auto sub = ex ? ex.getOperand().getDefiningOp<arith::SubFOp>() : nullptr;
  if (!sub || sub.getRhs() != eb.getArgument(1))
    return std::nullopt;
  std::optional<std::pair<Value, double>> es = matchScaled(sub.getLhs());
  if (!es || es->first != eb.getArgument(0))
    return std::nullopt;
  Block &mb = mx.getRegion().front();
  auto maxOp = yielded(mx).getDefiningOp<arith::MaximumFOp>();
  if (!maxOp || maxOp.getLhs() != mb.getArgument(1))
    return std::nullopt;
  AttentionMatch mm = m;
  std::optional<Value> mv = matchMask(maxOp.getRhs(), mm);
  if (!mv)
    return std::nullopt;
  std::optional<std::pair<Value, double>> ms = matchScaled(*mv);
  if (!ms || ms->first != mb.getArgument(0) || ms->second != es->second ||
      mm.causal != em.causal || mm.window != em.window)
    return std::nullopt;
  m.scale = es->second;
  m.causal = em.causal;
  m.window = em.window;
  return m;
}

struct RaiseAttention : OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(linalg::GenericOp g,
                                PatternRewriter &rewriter) const override {
    std::optional<AttentionMatch> m = matchAttention(g);
    if (!m)
      return failure();
    auto type = cast<RankedTensorType>(g.getResult(0).getType());
    if (type.getElementType() != getElementTypeOrSelf(m->q.getType()))
      return failure();
    rewriter.replaceOpWithNewOp<AttentionOp>(
        g, type, m->q, m->k, m->v, rewriter.getF64FloatAttr(m->scale),
        m->causal ? rewriter.getUnitAttr() : UnitAttr(),
        m->window ? rewriter.getI64IntegerAttr(*m->window) : IntegerAttr());
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Attention as exporters write it
//
// torch-mlir (eager attention of a transformers model) computes, with the
// heads folded into the batch of batch_matmul:
//   scores = Q K^T                      Q [H, S, d], K^T [H, d, T]
//   x = scale * scores + mask           mask = select(t <= s [, s - t < W], 0, -big)
//   p = exp(x - max_t x) / sum_t exp(x - max_t x)
//   out = p V                           V [H, T, e], out [H, S, e]
// and, once rotq-raise-model has fused the element-wise chains, the mask
// sits in the softmax bodies as compares of linalg.index. K and V reach the
// batch_matmuls through head splits, transposes and the GQA repeat; a
// LayoutTrace checks element by element which projection head each batch
// entry reads.
//===----------------------------------------------------------------------===//

bool isBatchMatmul(Operation *op) {
  auto bmm = dyn_cast_or_null<linalg::BatchMatmulOp>(op);
  if (!bmm || !bmm.hasPureTensorSemantics() ||
      !isZeroFill(bmm.getOutputs()[0]))
    return false;
  MLIRContext *ctx = op->getContext();
  AffineExpr b = getAffineDimExpr(0, ctx), m = getAffineDimExpr(1, ctx),
             n = getAffineDimExpr(2, ctx), k = getAffineDimExpr(3, ctx);
  return llvm::equal(bmm.getIndexingMapsArray(),
                     ArrayRef<AffineMap>{mapOf(ctx, 4, {b, m, k}),
                                         mapOf(ctx, 4, {b, k, n}),
                                         mapOf(ctx, 4, {b, m, n})});
}

/// The softmax of torch-mlir's attention once rotq-raise-model has fused its
/// element-wise chains: three generics over the scores [H, S, T],
///   M = max_t x,  L = sum_t exp(x - M),  P = exp(x - M) / L,
/// where x = scale * scores where allowed and <= -1e30 (or -inf) where
/// masked. How x is spelled (inline position compares, a constant mask
/// added or selected, guards) varies, so each body is evaluated on numbers
/// instead of matched: x must be the same function in all three, linear in
/// the score with one scale, and masked exactly on a causal (optionally
/// sliding-window) pattern. Returns the scores; fills m.
std::optional<Value> matchFusedSoftmax(Value p, AttentionMatch &m) {
  MLIRContext *ctx = p.getContext();
  auto par = IteratorType::parallel, red = IteratorType::reduction;
  AffineMap id3 = AffineMap::getMultiDimIdentityMap(3, ctx);
  AffineMap rows = id3.getMajorSubMap(2);
  auto pg = p.getDefiningOp<linalg::GenericOp>();
  if (!pg || pg.getNumDpsInits() != 1 || pg->getNumResults() != 1 ||
      !hasIterators(pg, {par, par, par}) ||
      pg.getIndexingMapsArray().back() != id3)
    return std::nullopt;
  // The inputs by role: scores (a batch matmul, identity map), the two
  // row statistics, and constants.
  std::optional<unsigned> sArg;
  SmallVector<unsigned> rowArgs;
  for (auto [i, in] : llvm::enumerate(pg.getDpsInputs())) {
    AffineMap map = pg.getIndexingMapsArray()[i];
    if (map == id3 && isBatchMatmul(in.getDefiningOp()) && !sArg)
      sArg = i;
    else if (map == rows && in.getDefiningOp<linalg::GenericOp>())
      rowArgs.push_back(i);
  }
  if (!sArg || rowArgs.size() != 2)
    return std::nullopt;
  Value scores = pg.getDpsInputs()[*sArg];
  auto producerOf = [&](unsigned i) {
    return pg.getDpsInputs()[i].getDefiningOp<linalg::GenericOp>();
  };
  auto reads = [](linalg::GenericOp g, Value v) {
    return llvm::is_contained(g.getDpsInputs(), v);
  };
  unsigned mArg = rowArgs[0], lArg = rowArgs[1];
  if (reads(producerOf(mArg), pg.getDpsInputs()[lArg]))
    std::swap(mArg, lArg);
  linalg::GenericOp mg = producerOf(mArg), lg = producerOf(lArg);
  Value mVal = pg.getDpsInputs()[mArg];
  if (!reads(lg, mVal) || cast<OpResult>(mVal).getResultNumber() != 0 ||
      pg.getDpsInputs()[lArg].getDefiningOp<linalg::GenericOp>()->getNumResults() != 1)
    return std::nullopt;
  // M and L: reductions over t of the scores (and constants; L also of M).
  auto argOf = [&](linalg::GenericOp g, Value v,
                   AffineMap map) -> std::optional<unsigned> {
    for (auto [i, in] : llvm::enumerate(g.getDpsInputs()))
      if (in == v && g.getIndexingMapsArray()[i] == map)
        return unsigned(i);
    return std::nullopt;
  };
  std::optional<unsigned> msArg = argOf(mg, scores, id3),
                          lsArg = argOf(lg, scores, id3),
                          lmArg = argOf(lg, mVal, rows);
  if (!hasIterators(mg, {par, par, red}) || !hasIterators(lg, {par, par, red}) ||
      lg.getNumDpsInits() != 1 || !msArg || !lsArg || !lmArg ||
      mg.getIndexingMapsArray()[mg.getNumDpsInputs()] != rows ||
      lg.getIndexingMapsArray()[lg.getNumDpsInputs()] != rows ||
      !isZeroFill(lg.getOutputs()[0]))
    return std::nullopt;

  auto st = cast<RankedTensorType>(scores.getType());
  int64_t heads = st.getDimSize(0);
  if (ShapedType::isDynamic(heads) || heads <= 0 ||
      st.isDynamicDim(1) != st.isDynamicDim(2) ||
      (!st.isDynamicDim(1) && st.getDimSize(1) != st.getDimSize(2)))
    return std::nullopt; // prefill: as many queries as keys
  int64_t n = st.isDynamicDim(1) ? 12 : st.getDimSize(1);
  BodyEval em(mg), el(lg), ep(pg);
  const double kInf = std::numeric_limits<double>::infinity();
  em.set(mg.getNumDpsInputs(), -kInf);
  el.set(*lmArg, 0.0);
  el.set(lg.getNumDpsInputs(), 0.0);
  ep.set(mArg, 0.0);
  ep.set(lArg, 1.0);
  // x at (h, s, t) for score a, from each body; nullopt if they disagree.
  // A masked entry is -inf.
  auto x = [&](int64_t h, int64_t s, int64_t t,
               double a) -> std::optional<double> {
    SmallVector<int64_t> loops = {h, s, t};
    em.set(*msArg, a);
    el.set(*lsArg, a);
    ep.set(*sArg, a);
    std::optional<double> xm = em(loops), el1 = el(loops), ep1 = ep(loops);
    if (!xm || !el1 || !ep1)
      return std::nullopt;
    if (*xm <= -1e30)
      return *el1 == 0.0 && *ep1 == 0.0 ? std::optional(-kInf) : std::nullopt;
    double tol = 1e-5 * (1 + std::fabs(*xm));
    if (!(std::fabs(std::log(*el1) - *xm) <= tol) ||
        !(std::fabs(std::log(*ep1) - *xm) <= tol))
      return std::nullopt;
    return *xm;
  };
  // The scale, from the first query's own key (never masked causally).
  std::optional<double> x0 = x(0, 0, 0, 0.0), x1 = x(0, 0, 0, 1.0);
  if (!x0 || !x1 || *x0 != 0.0 || !std::isfinite(*x1) || *x1 == 0.0)
    return std::nullopt;
  m.scale = *x1;
  auto linear = [&](double v, double a) {
    return std::fabs(v - m.scale * a) <= 1e-5 * (1 + std::fabs(m.scale * a));
  };
  // Which (s, t) are masked, at both ends of the heads; the others must be
  // scale * a.
  std::vector<char> masked(n * n, 0);
  for (int64_t h : {heads - 1, int64_t(0)})
    for (int64_t s = 0; s < n; ++s)
      for (int64_t t = 0; t < n; ++t) {
        std::optional<double> a = x(h, s, t, 0.75), b = x(h, s, t, -2.5);
        if (!a || !b || std::isinf(*a) != std::isinf(*b) ||
            (!std::isinf(*a) && (!linear(*a, 0.75) || !linear(*b, -2.5))))
          return std::nullopt;
        if (h == heads - 1)
          masked[s * n + t] = std::isinf(*a);
        else if (masked[s * n + t] != char(std::isinf(*a)))
          return std::nullopt; // the same mask for every head
      }
  // Causal, the window read off the last row, then the whole pattern
  // compared with the one these parameters give.
  bool causal = llvm::is_contained(masked, char(1));
  std::optional<int64_t> window;
  if (causal) {
    int64_t w = 0;
    for (int64_t t = 0; t < n; ++t)
      w += !masked[(n - 1) * n + t];
    if (w < n)
      window = w;
  }
  for (int64_t s = 0; s < n; ++s)
    for (int64_t t = 0; t < n; ++t) {
      bool allowed = !causal || (t <= s && (!window || s - t < *window));
      if (bool(masked[s * n + t]) == allowed)
        return std::nullopt;
    }
  // A dynamic length: look for a window longer than the grid on the last
  // row of a long sequence.
  if (causal && !window && st.isDynamicDim(1)) {
    int64_t big = 1 << 16, s = big - 1;
    for (int64_t t = s; t >= 0; --t) {
      std::optional<double> a = x(0, s, t, 0.75);
      if (!a)
        return std::nullopt;
      if (std::isinf(*a)) {
        window = s - t;
        break;
      }
    }
  }
  m.causal = causal;
  m.window = window;
  return scores;
}

/// An operand holding, for batch entry h of `heads`, the rows of head
/// h / (heads / groups) of some sequence-major tensor: returns that tensor
/// as [T, groups, d] (building a head split or a transpose), and the
/// number of groups. `transposed`: the operand is [heads, d, T] (K^T)
/// rather than [heads, T, d].
FailureOr<std::pair<Value, int64_t>>
seqMajorHeads(PatternRewriter &rewriter, Location loc, Value operand,
              int64_t heads, bool transposed) {
  layout::Trace t = layout::trace(operand);
  auto bt = dyn_cast<RankedTensorType>(t.base.getType());
  auto ot = cast<RankedTensorType>(operand.getType());
  int64_t d = ot.getDimSize(transposed ? 1 : 2);
  if (!bt || ShapedType::isDynamic(d) || d == 0)
    return failure();
  // The base layouts accepted; a static base may fit more than one, so
  // each candidate is checked element by element.
  enum Kind { HeadsFirst, SeqFirst, Flat };
  auto groupsOf = [&](Kind kind) -> int64_t {
    int64_t g = 0;
    if (kind == HeadsFirst && bt.getRank() == 3 && bt.getDimSize(2) == d)
      g = bt.getDimSize(0); // [G, T, d]
    else if (kind == SeqFirst && bt.getRank() == 3 && bt.getDimSize(2) == d)
      g = bt.getDimSize(1); // [T, G, d]
    else if (kind == Flat && bt.getRank() == 2 && !bt.isDynamicDim(1) &&
             bt.getDimSize(1) % d == 0)
      g = bt.getDimSize(1) / d; // [T, G * d]
    return ShapedType::isDynamic(g) || g <= 0 || heads % g ? 0 : g;
  };
  std::optional<Kind> found;
  int64_t groups = 0;
  for (Kind kind : {SeqFirst, Flat, HeadsFirst}) {
    int64_t g = groupsOf(kind);
    if (!g)
      continue;
    int64_t rep = heads / g;
    auto expected = [&](ArrayRef<int64_t> idx, ArrayRef<int64_t>,
                        ArrayRef<int64_t>) -> SmallVector<int64_t> {
      int64_t h = idx[0], pos = transposed ? idx[2] : idx[1],
              j = transposed ? idx[1] : idx[2], grp = h / rep;
      switch (kind) {
      case HeadsFirst: return {grp, pos, j};
      case SeqFirst: return {pos, grp, j};
      case Flat: return {pos, grp * d + j};
      }
      return {};
    };
    if (layout::verify(t, expected)) {
      found = kind;
      groups = g;
      break;
    }
  }
  if (!found)
    return failure();
  Value base = t.base;
  switch (*found) {
  case SeqFirst:
    return std::make_pair(base, groups);
  case HeadsFirst: {
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rewriter, loc, base);
    std::swap(sizes[0], sizes[1]);
    Value init = tensor::EmptyOp::create(rewriter, loc, sizes, bt.getElementType());
    Value tr = linalg::TransposeOp::create(rewriter, loc, base, init,
                                           ArrayRef<int64_t>{1, 0, 2})
                   ->getResult(0);
    return std::make_pair(tr, groups);
  }
  case Flat: {
    auto type = RankedTensorType::get({bt.getDimSize(0), groups, d},
                                      bt.getElementType());
    SmallVector<OpFoldResult> sizes = {
        tensor::getMixedSizes(rewriter, loc, base)[0],
        rewriter.getIndexAttr(groups), rewriter.getIndexAttr(d)};
    Value split = tensor::ExpandShapeOp::create(
        rewriter, loc, type, base, ArrayRef<ReassociationIndices>{{0}, {1, 2}},
        sizes);
    return std::make_pair(split, groups);
  }
  }
  return failure();
}

struct RaiseExportedAttention : OpRewritePattern<linalg::BatchMatmulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(linalg::BatchMatmulOp pv,
                                PatternRewriter &rewriter) const override {
    if (!isBatchMatmul(pv))
      return failure();
    AttentionMatch m;
    std::optional<Value> scores = matchFusedSoftmax(pv.getInputs()[0], m);
    if (!scores || !isBatchMatmul(scores->getDefiningOp()))
      return failure();
    auto qk = scores->getDefiningOp<linalg::BatchMatmulOp>();
    Value qb = qk.getInputs()[0], kt = qk.getInputs()[1], vb = pv.getInputs()[1];
    auto qt = cast<RankedTensorType>(qb.getType());
    auto outType = cast<RankedTensorType>(pv.getResult(0).getType());
    int64_t heads = qt.getDimSize(0);
    Type et = qt.getElementType();
    if (ShapedType::isDynamic(heads) || heads == 0 ||
        outType.getElementType() != et)
      return rewriter.notifyMatchFailure(pv, "needs static heads, one type");
    Location loc = pv.getLoc();
    auto q = seqMajorHeads(rewriter, loc, qb, heads, /*transposed=*/false);
    auto k = seqMajorHeads(rewriter, loc, kt, heads, /*transposed=*/true);
    auto v = seqMajorHeads(rewriter, loc, vb, heads, /*transposed=*/false);
    if (failed(q) || failed(k) || failed(v) || q->second != heads ||
        k->second != v->second)
      return rewriter.notifyMatchFailure(pv, "q/k/v layouts not recognised");
    int64_t e = outType.getDimSize(2);
    auto attType = RankedTensorType::get({qt.getDimSize(1), heads, e}, et);
    Value att = AttentionOp::create(
        rewriter, loc, attType, q->first, k->first, v->first,
        rewriter.getF64FloatAttr(m.scale),
        m.causal ? rewriter.getUnitAttr() : UnitAttr(),
        m.window ? rewriter.getI64IntegerAttr(*m.window) : IntegerAttr());

    // The heads merged back into [S, H * e] for o_proj: give that value the
    // importer's spelling (a collapse of the attention result).
    Value merged = pv.getResult(0);
    while (merged.hasOneUse()) {
      Operation *user = *merged.getUsers().begin();
      if (layout::copiedFrom(user) != merged)
        break;
      merged = user->getResult(0);
    }
    auto mt = cast<RankedTensorType>(merged.getType());
    layout::Trace back = layout::trace(merged);
    auto mergeMap = [&](ArrayRef<int64_t> idx, ArrayRef<int64_t>,
                        ArrayRef<int64_t>) -> SmallVector<int64_t> {
      return {idx[1] / e, idx[0], idx[1] % e};
    };
    if (merged != pv.getResult(0) && back.base == pv.getResult(0) &&
        mt.getRank() == 2 && mt.getDimSize(1) == heads * e &&
        layout::verify(back, mergeMap)) {
      rewriter.setInsertionPointAfterValue(merged);
      Value collapsed = tensor::CollapseShapeOp::create(
          rewriter, loc, mt, att, ArrayRef<ReassociationIndices>{{0}, {1, 2}});
      rewriter.replaceAllUsesWith(merged, collapsed);
      return success();
    }
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rewriter, loc, att);
    std::swap(sizes[0], sizes[1]);
    Value init = tensor::EmptyOp::create(rewriter, loc, sizes, et);
    Value back2 = linalg::TransposeOp::create(rewriter, loc, att, init,
                                              ArrayRef<int64_t>{1, 0, 2})
                      ->getResult(0);
    rewriter.replaceOp(pv, back2);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// RMSNorm
//===----------------------------------------------------------------------===//

/// Splits a product/quotient tree into numerator and denominator factors.
void collectFactors(Value v, SmallVectorImpl<Value> &num,
                    SmallVectorImpl<Value> &den, bool inverted = false) {
  v = stripCasts(v);
  if (auto mul = v.getDefiningOp<arith::MulFOp>()) {
    collectFactors(mul.getLhs(), num, den, inverted);
    collectFactors(mul.getRhs(), num, den, inverted);
    return;
  }
  if (auto div = v.getDefiningOp<arith::DivFOp>()) {
    collectFactors(div.getLhs(), num, den, inverted);
    collectFactors(div.getRhs(), num, den, !inverted);
    return;
  }
  (inverted ? den : num).push_back(v);
}

/// ss / n + eps (or ss * (1/n) + eps): returns {ss, eps}.
std::optional<std::pair<Value, double>> matchMeanPlusEps(Value v, int64_t n) {
  auto add = stripCasts(v).getDefiningOp<arith::AddFOp>();
  if (!add)
    return std::nullopt;
  for (int i = 0; i < 2; ++i) {
    Value meanV = stripCasts(add->getOperand(i));
    std::optional<double> eps = floatConstant(add->getOperand(1 - i));
    if (!eps || *eps < 0)
      continue;
    if (auto div = meanV.getDefiningOp<arith::DivFOp>()) {
      std::optional<double> c = floatConstant(div.getRhs());
      if (c && *c == double(n))
        return std::make_pair(stripCasts(div.getLhs()), *eps);
    }
    if (auto mul = meanV.getDefiningOp<arith::MulFOp>())
      for (int j = 0; j < 2; ++j) {
        std::optional<double> c = floatConstant(mul->getOperand(j));
        if (c && std::abs(*c * double(n) - 1.0) < 1e-6)
          return std::make_pair(stripCasts(mul->getOperand(1 - j)), *eps);
      }
  }
  return std::nullopt;
}

/// The sum-of-squares reduction over the last dimension of `x`.
bool isSumOfSquares(Value ss, Value x) {
  auto r = ss.getDefiningOp<linalg::GenericOp>();
  if (!r || r.getNumDpsInputs() != 1 || r.getNumDpsInits() != 1 ||
      r.getInputs()[0] != x || !isZeroFill(r.getOutputs()[0]))
    return false;
  unsigned rank = r.getNumLoops();
  SmallVector<IteratorType> its(rank, IteratorType::parallel);
  its.back() = IteratorType::reduction;
  AffineMap id = AffineMap::getMultiDimIdentityMap(rank, r.getContext());
  if (!hasIterators(r, its) || !hasMaps(r, {id, id.getMajorSubMap(rank - 1)}))
    return false;
  Block &b = r.getRegion().front();
  auto add = yielded(r).getDefiningOp<arith::AddFOp>();
  if (!add)
    return false;
  Value acc = b.getArgument(1);
  Value sq = add.getLhs() == acc ? add.getRhs() : add.getLhs();
  if (add.getLhs() != acc && add.getRhs() != acc)
    return false;
  auto mul = sq.getDefiningOp<arith::MulFOp>();
  return mul && stripCasts(mul.getLhs()) == b.getArgument(0) &&
         stripCasts(mul.getRhs()) == b.getArgument(0);
}

struct RaiseRMSNorm : OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(linalg::GenericOp g,
                                PatternRewriter &rewriter) const override {
    if (g.getNumDpsInits() != 1 || g.getNumReductionLoops() != 0 ||
        !g.hasPureTensorSemantics())
      return failure();
    unsigned rank = g.getNumLoops();
    if (rank < 1)
      return failure();
    auto type = cast<RankedTensorType>(g.getResult(0).getType());
    int64_t n = type.getShape().back();
    if (ShapedType::isDynamic(n))
      return failure();
    AffineMap id = AffineMap::getMultiDimIdentityMap(rank, g.getContext());
    AffineMap rows = id.getMajorSubMap(rank - 1), cols = id.getMinorSubMap(1);
    Block &body = g.getRegion().front();
    SmallVector<Value> num, den;
    collectFactors(yielded(g), num, den);

    Value x, ss, gamma;
    std::optional<double> eps;
    auto argInput = [&](Value v) -> OpOperand * {
      auto arg = dyn_cast<BlockArgument>(v);
      if (!arg || arg.getOwner() != &body ||
          arg.getArgNumber() >= g.getNumDpsInputs())
        return nullptr;
      return g.getDpsInputOperand(arg.getArgNumber());
    };
    auto takeRsqrt = [&](Value e) {
      if (eps)
        return false;
      std::optional<std::pair<Value, double>> me = matchMeanPlusEps(e, n);
      OpOperand *in = me ? argInput(me->first) : nullptr;
      if (!in || g.getMatchingIndexingMap(in) != rows)
        return false;
      ss = in->get();
      eps = me->second;
      return true;
    };
    for (Value f : num) {
      if (OpOperand *in = argInput(f)) {
        AffineMap m = g.getMatchingIndexingMap(in);
        if (m == id && !x) {
          x = in->get();
          continue;
        }
        if (m == cols && !gamma) {
          gamma = in->get();
          continue;
        }
        return failure();
      }
      if (auto rs = f.getDefiningOp<math::RsqrtOp>(); rs && takeRsqrt(rs.getOperand()))
        continue;
      if (std::optional<double> c = floatConstant(f); c && *c == 1.0)
        continue;
      return failure();
    }
    for (Value f : den) {
      auto sq = f.getDefiningOp<math::SqrtOp>();
      if (!sq || !takeRsqrt(sq.getOperand()))
        return failure();
    }
    if (!x || !eps || !isSumOfSquares(ss, x) || x.getType() != type ||
        (gamma && getElementTypeOrSelf(gamma.getType()) != type.getElementType()))
      return failure();
    rewriter.replaceOpWithNewOp<RMSNormOp>(g, type, x, gamma,
                                           rewriter.getF64FloatAttr(*eps));
    return success();
  }
};

/// Fuses element-wise producers that read at most one full-rank
/// non-constant tensor: the links of a norm chain, not residual adds or
/// gated activations (which would lose their structure).
bool fuseIntoNormChain(OpOperand *fused) {
  auto producer = fused->get().getDefiningOp<linalg::GenericOp>();
  if (!producer || producer.getNumDpsInits() != 1)
    return false;
  int64_t rank = producer.getNumLoops();
  int full = 0;
  for (Value in : producer.getInputs()) {
    auto t = dyn_cast<RankedTensorType>(in.getType());
    if (t && t.getRank() == rank && !in.getDefiningOp<arith::ConstantOp>())
      ++full;
  }
  return full <= 1;
}

//===----------------------------------------------------------------------===//
// Normalization of other front ends' spellings
//===----------------------------------------------------------------------===//

/// x^2 as x * x: torch-mlir writes `x.pow(2)` as math.fpowi (or powf).
struct SquareFromPow : RewritePattern {
  SquareFromPow(MLIRContext *ctx)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, ctx) {}
  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    if (!isa<math::FPowIOp, math::PowFOp>(op))
      return failure();
    APInt i;
    std::optional<double> f = floatConstant(op->getOperand(1));
    bool two = (f && *f == 2.0) ||
               (matchPattern(op->getOperand(1), m_ConstantInt(&i)) && i == 2);
    if (!two)
      return failure();
    Value x = op->getOperand(0);
    rewriter.replaceOpWithNewOp<arith::MulFOp>(op, x, x);
    return success();
  }
};

struct RaiseModelPass : mlir::rotq::impl::RaiseModelBase<RaiseModelPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    // Exporters keep a batch dimension of 1 and keep-dim reductions
    // ([1, S, 1]); drop unit dimensions first so that one set of matchers
    // serves rotq's own spelling and theirs.
    RewritePatternSet normalize(ctx);
    linalg::ControlDropUnitDims unitDims;
    linalg::populateFoldUnitExtentDimsPatterns(normalize, unitDims);
    linalg::populateFoldUnitExtentDimsCanonicalizationPatterns(normalize,
                                                              unitDims);
    normalize.add<SquareFromPow>(ctx);
    if (failed(applyPatternsGreedily(getOperation(), std::move(normalize))))
      return signalPassFailure();

    RewritePatternSet first(ctx);
    first.add<RaiseLinear>(ctx);
    first.add<RaiseEmbedding, RaiseAttention>(ctx);
    if (failed(applyPatternsGreedily(getOperation(), std::move(first))))
      return signalPassFailure();

    RewritePatternSet norms(ctx);
    linalg::populateElementwiseOpsFusionPatterns(norms, fuseIntoNormChain);
    norms.add<RaiseRMSNorm>(ctx, /*benefit=*/2);
    if (failed(applyPatternsGreedily(getOperation(), std::move(norms))))
      return signalPassFailure();

    // Exporters' attention reads the softmax that the fusion above put into
    // one generic per reduction.
    RewritePatternSet attention(ctx);
    attention.add<RaiseExportedAttention>(ctx);
    if (failed(applyPatternsGreedily(getOperation(), std::move(attention))))
      return signalPassFailure();
  }
};
} // namespace
