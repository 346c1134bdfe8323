//===- ConvertRotqToGPU.cpp - the convert-rotq-to-gpu pass ----------------===//
//
// Replaces rotq.hadamard, dynamic per-row rotq.quantize, and the pair of
// them (fused) by the row kernels of RowKernels.cpp. The rewrite happens on
// tensors: operands become buffers with bufferization.to_buffer, results are
// fresh allocations handed back with bufferization.to_tensor (restrict:
// nothing else aliases them), so one-shot bufferization takes it from there.
// The kernel itself is first a call to a private declaration that carries
// its parameters (`rotq.row_kernel`): buffer deallocation does not accept
// GPU ops, so rotq-gpu-materialize-kernels turns the calls into gpu.launch
// once buffers are placed. Fusion is decided first, over the whole module,
// so that a Hadamard feeding a quantizer is never lowered on its own.
//
//===----------------------------------------------------------------------===//
#include "QMatmulKernel.h"
#include "RowKernels.h"

#include "rotq/Conversion/Passes.h"
#include "rotq/Dialect/Rotq/IR/RotqOps.h"

#include "mlir/IR/PatternMatch.h"

namespace mlir::rotq {
#define GEN_PASS_DEF_CONVERTROTQTOGPU
#include "rotq/Conversion/Passes.h.inc"
} // namespace mlir::rotq

using namespace mlir;
using namespace mlir::rotq;
using gpukernels::kRowKernelAttr;
using gpukernels::RowKernelSpec;

bool mlir::rotq::supportsWgmma(StringRef chip) { return chip == "sm_90a"; }

namespace {

bool kernelElementType(Type t) { return t.isF16() || t.isBF16() || t.isF32(); }

std::optional<RowKernelSpec> hadamardSpec(HadamardOp op) {
  auto t = op.getInput().getType();
  if (!kernelElementType(t.getElementType()) || t.isDynamicDim(t.getRank() - 1))
    return std::nullopt;
  RowKernelSpec s;
  s.n = op.getSize();
  s.elementType = t.getElementType();
  s.hadamard = true;
  s.blockSize = op.getEffectiveBlockSize();
  s.transpose = op.getTranspose();
  s.signs = op.getSigns();
  return s;
}

/// Adds rotq.quantize's parameters to `s` if the kernel covers it.
bool addQuantize(QuantizeOp op, RowKernelSpec &s) {
  auto t = op.getInput().getType();
  if (!op.isDynamic() || op.getClipSearchAttr() ||
      op.getGranularity() != Granularity::Row ||
      !kernelElementType(t.getElementType()) ||
      t.isDynamicDim(t.getRank() - 1))
    return false;
  s.quantize = true;
  s.bits = op.getBits();
  s.asymmetric = op.getAsymmetric();
  s.clipRatio = op.getClipRatio().convertToDouble();
  if (!s.hadamard) {
    s.n = t.getShape().back();
    s.elementType = t.getElementType();
  }
  return true;
}

/// [d0, ..., n] buffer -> [d0*...*d_{r-2}, n] (rank 1 -> [1, n]).
Value rowsOf(OpBuilder &b, Location loc, Value buf) {
  auto mt = cast<MemRefType>(buf.getType());
  int64_t r = mt.getRank();
  if (r == 2)
    return buf;
  if (r == 1) {
    auto t = MemRefType::get({1, mt.getDimSize(0)}, mt.getElementType());
    return memref::ExpandShapeOp::create(
        b, loc, t, buf, ArrayRef<ReassociationIndices>{{0, 1}});
  }
  ReassociationIndices lead;
  for (int64_t i = 0; i + 1 < r; ++i)
    lead.push_back(i);
  return memref::CollapseShapeOp::create(
      b, loc, buf, ArrayRef<ReassociationIndices>{lead, {r - 1}});
}

/// A fresh buffer of tensor type `t`, dynamic sizes from `like`'s dims.
Value allocLike(OpBuilder &b, Location loc, RankedTensorType t, Value like) {
  SmallVector<Value> dyn;
  for (int64_t i = 0; i < t.getRank(); ++i)
    if (t.isDynamicDim(i))
      dyn.push_back(tensor::DimOp::create(b, loc, like, i));
  return memref::AllocOp::create(
      b, loc, MemRefType::get(t.getShape(), t.getElementType()), dyn);
}

Value toBuffer(OpBuilder &b, Location loc, Value tensor) {
  auto t = cast<RankedTensorType>(tensor.getType());
  return bufferization::ToBufferOp::create(
      b, loc, MemRefType::get(t.getShape(), t.getElementType()), tensor,
      b.getUnitAttr());
}

/// A call to a private declaration `@name_N(args)` whose attribute `kind`
/// carries the kernel's parameters.
void callKernel(RewriterBase &rw, ModuleOp module, Location loc,
                StringRef name, StringRef kind, DictionaryAttr params,
                ValueRange args) {
  func::FuncOp f;
  {
    OpBuilder::InsertionGuard g(rw);
    rw.setInsertionPointToEnd(module.getBody());
    f = func::FuncOp::create(rw, module.getLoc(), name,
                             rw.getFunctionType(args.getTypes(), {}));
    f.setPrivate();
    f->setAttr(kind, params);
    SymbolTable(module).insert(f);
  }
  func::CallOp::create(rw, loc, f, args);
}

/// rotq.qmatmul without zero points, scales with matching group counts.
std::optional<gpukernels::QMatmulSpec> qmatmulSpec(QMatmulOp op,
                                                   UnpackOp &packedFrom) {
  if (op.getLhsZeroPoint() || op.getRhsZeroPoint())
    return std::nullopt;
  auto lt = op.getLhs().getType(), rt = op.getRhs().getType();
  auto lst = op.getLhsScale().getType(), rst = op.getRhsScale().getType();
  if (lt.getRank() != 2 || rt.getRank() != 2 || lst.getRank() != 2 ||
      rst.getRank() != 2 || lst.getDimSize(1) != rst.getDimSize(1))
    return std::nullopt;
  gpukernels::QMatmulSpec s;
  s.k = ShapedType::isDynamic(lt.getDimSize(1)) ? rt.getDimSize(1)
                                               : lt.getDimSize(1);
  s.groups = lst.getDimSize(1);
  if (ShapedType::isDynamic(s.k) || ShapedType::isDynamic(s.groups))
    return std::nullopt;
  s.lhsScaleBroadcast = lst.getDimSize(0) == 1 && lt.getDimSize(0) != 1;
  s.rhsScaleBroadcast = rst.getDimSize(0) == 1 && rt.getDimSize(0) != 1;
  s.bias = bool(op.getBias());
  packedFrom = op.getRhs().getDefiningOp<UnpackOp>();
  if (packedFrom && packedFrom.getBits() == 4)
    s.rhsBits = 4;
  else
    packedFrom = UnpackOp();
  if (!gpukernels::qmatmulSupported(s))
    return std::nullopt;
  return s;
}

/// The tensor-core kernel for `op`, reading packed weights when they come
/// from a 4-bit rotq.unpack (which goes away once unused).
void replaceQMatmul(RewriterBase &rw, ModuleOp module, QMatmulOp op,
                    const gpukernels::QMatmulSpec &spec, UnpackOp packedFrom) {
  Location loc = op.getLoc();
  rw.setInsertionPoint(op);
  Value rhs = packedFrom ? packedFrom.getPacked() : op.getRhs();
  SmallVector<Value> args = {toBuffer(rw, loc, op.getLhs()),
                             toBuffer(rw, loc, op.getLhsScale()),
                             toBuffer(rw, loc, rhs),
                             toBuffer(rw, loc, op.getRhsScale())};
  if (op.getBias())
    args.push_back(toBuffer(rw, loc, op.getBias()));
  auto resultType = op.getResult().getType();
  SmallVector<Value> dyn;
  if (resultType.isDynamicDim(0))
    dyn.push_back(tensor::DimOp::create(rw, loc, op.getLhs(), 0));
  if (resultType.isDynamicDim(1))
    dyn.push_back(tensor::DimOp::create(rw, loc, op.getRhs(), 0));
  Value out = memref::AllocOp::create(
      rw, loc, MemRefType::get(resultType.getShape(), rw.getF32Type()), dyn);
  args.push_back(out);
  callKernel(rw, module, loc, "__rotq_qmatmul_kernel",
             gpukernels::kQMatmulKernelAttr,
             gpukernels::qmatmulKernelAttr(rw.getContext(), spec), args);
  rw.replaceOp(op, bufferization::ToTensorOp::create(
                       rw, loc, resultType, out, rw.getUnitAttr(),
                       rw.getUnitAttr()).getResult());
  if (packedFrom && packedFrom->use_empty())
    rw.eraseOp(packedFrom);
}

/// Replaces `root`'s results (one data result, or codes, scale and zero
/// point) by buffers that the kernel for `spec`, reading `input`, fills.
void replaceWithKernel(RewriterBase &rw, ModuleOp module, Operation *root,
                       Value input, const RowKernelSpec &spec,
                       ValueRange extra = {}) {
  Location loc = root->getLoc();
  rw.setInsertionPoint(root);
  Value inBuf = toBuffer(rw, loc, input);
  SmallVector<Value> outs;
  for (Value r : root->getResults())
    outs.push_back(allocLike(rw, loc, cast<RankedTensorType>(r.getType()), input));
  SmallVector<Value> constants;
  for (Value c : gpukernels::rowKernelConstants(rw, loc, spec))
    constants.push_back(toBuffer(rw, loc, c));
  for (Value e : extra)
    constants.push_back(toBuffer(rw, loc, e));
  SmallVector<Value> args = {rowsOf(rw, loc, inBuf)};
  for (Value o : outs)
    args.push_back(rowsOf(rw, loc, o));
  args.append(constants);
  callKernel(rw, module, loc, "__rotq_row_kernel", kRowKernelAttr,
             gpukernels::rowKernelAttr(rw.getContext(), spec), args);
  SmallVector<Value> results;
  for (auto [r, buf] : llvm::zip(root->getResults(), outs))
    results.push_back(bufferization::ToTensorOp::create(
        rw, loc, r.getType(), buf, rw.getUnitAttr(), rw.getUnitAttr()));
  rw.replaceOp(root, results);
}

/// DuQuant's online transform ending in `v`: rotq.rotate (one shared
/// [b, b] block), rotq.permute, rotq.rotate, any of them present, each
/// intermediate used once.
struct DuQuantChain {
  Value input;
  RotateOp r1, r2;
  PermuteOp perm;
  SmallVector<Operation *> ops; // last first
};

bool blockRotation(RotateOp r) {
  auto mt = r.getMatrix().getType();
  return r && !r.getTranspose() && mt.getRank() == 2 &&
         kernelElementType(r.getInput().getType().getElementType());
}

std::optional<DuQuantChain> duquantChain(Value v) {
  DuQuantChain c;
  Value cur = v;
  auto once = [](Operation *op, bool last) {
    return last || op->hasOneUse();
  };
  if (auto r = cur.getDefiningOp<RotateOp>(); r && blockRotation(r)) {
    c.r2 = r;
    c.ops.push_back(r);
    cur = r.getInput();
  }
  if (auto p = cur.getDefiningOp<PermuteOp>(); p && once(p, c.ops.empty())) {
    c.perm = p;
    c.ops.push_back(p);
    cur = p.getInput();
  }
  if (auto r = cur.getDefiningOp<RotateOp>();
      r && blockRotation(r) && !c.ops.empty() && once(r, false) &&
      (c.perm || !c.r2)) {
    c.r1 = r;
    c.ops.push_back(r);
    cur = r.getInput();
  }
  if (c.ops.empty())
    return std::nullopt;
  if (c.r2 && !c.r1 && !c.perm)
    std::swap(c.r1, c.r2);
  if (c.r1 && c.r2 &&
      c.r1.getBlockSize() != c.r2.getBlockSize())
    return std::nullopt;
  auto t = cast<RankedTensorType>(cur.getType());
  if (!kernelElementType(t.getElementType()) || t.getRank() < 1 ||
      t.isDynamicDim(t.getRank() - 1))
    return std::nullopt;
  c.input = cur;
  return c;
}

RowKernelSpec duquantSpec(DuQuantChain c) {
  auto t = cast<RankedTensorType>(c.input.getType());
  RowKernelSpec s;
  s.n = t.getShape().back();
  s.elementType = t.getElementType();
  s.rotate1 = bool(c.r1);
  s.rotate2 = bool(c.r2);
  s.rotateBlock = c.r1 ? c.r1.getBlockSize() : c.r2 ? c.r2.getBlockSize() : 0;
  if (c.perm)
    s.permutation = c.perm.getPermutation();
  return s;
}

struct ConvertRotqToGPU
    : mlir::rotq::impl::ConvertRotqToGPUBase<ConvertRotqToGPU> {
  using ConvertRotqToGPUBase::ConvertRotqToGPUBase;

  bool fits(const RowKernelSpec &s) const {
    return gpukernels::rowKernelSharedBytes(s) <=
           gpukernels::maxSharedBytes(chip);
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    IRRewriter rw(&getContext());
    // Fused pairs first, then what is left of each kind.
    SmallVector<QuantizeOp> quantizers;
    getOperation()->walk([&](QuantizeOp q) { quantizers.push_back(q); });
    for (QuantizeOp q : quantizers) {
      auto h = q.getInput().getDefiningOp<HadamardOp>();
      if (!h || !h->hasOneUse())
        continue;
      std::optional<RowKernelSpec> s = hadamardSpec(h);
      if (!s || !addQuantize(q, *s) || !fits(*s))
        continue;
      replaceWithKernel(rw, module, q, h.getInput(), *s);
      rw.eraseOp(h);
    }
    // DuQuant's rotate / permute / rotate chains, with the quantizer that
    // reads them when there is one.
    SmallVector<Operation *> chainEnds;
    getOperation()->walk([&](Operation *op) {
      if (isa<RotateOp, PermuteOp>(op))
        chainEnds.push_back(op);
    });
    // Chains are found before any is rewritten; an op belongs to the chain
    // of the last op it feeds.
    SmallVector<DuQuantChain> chains;
    DenseSet<Operation *> inChain;
    for (Operation *end : llvm::reverse(chainEnds)) {
      if (inChain.contains(end))
        continue;
      std::optional<DuQuantChain> c = duquantChain(end->getResult(0));
      if (!c)
        continue;
      inChain.insert(c->ops.begin(), c->ops.end());
      chains.push_back(std::move(*c));
    }
    for (DuQuantChain *c = chains.begin(); c != chains.end(); ++c) {
      Operation *end = c->ops.front();
      Value v = end->getResult(0);
      RowKernelSpec s = duquantSpec(*c);
      Operation *root = end;
      if (v.hasOneUse())
        if (auto q = dyn_cast<QuantizeOp>(*v.getUsers().begin())) {
          RowKernelSpec sq = s;
          if (addQuantize(q, sq) && fits(sq)) {
            s = sq;
            root = q;
          }
        }
      if (!fits(s))
        continue;
      SmallVector<Value> matrices;
      if (c->r1)
        matrices.push_back(c->r1.getMatrix());
      if (c->r2)
        matrices.push_back(c->r2.getMatrix());
      replaceWithKernel(rw, module, root, c->input, s, matrices);
      for (Operation *op : c->ops)
        if (op != root && op->use_empty())
          rw.eraseOp(op);
    }
    SmallVector<HadamardOp> hadamards;
    getOperation()->walk([&](HadamardOp h) { hadamards.push_back(h); });
    for (HadamardOp h : hadamards)
      if (std::optional<RowKernelSpec> s = hadamardSpec(h); s && fits(*s))
        replaceWithKernel(rw, module, h, h.getInput(), *s);
    // Tensor cores: mma.sync s8 needs sm_80 or newer, wgmma sm_90a.
    unsigned sm = 0;
    StringRef(chip).drop_front(3).take_while(llvm::isDigit).getAsInteger(10, sm);
    if (mma != "mma.sync" && mma != "wgmma") {
      module.emitError("convert-rotq-to-gpu: mma must be mma.sync or wgmma, got '")
          << mma << "'";
      return signalPassFailure();
    }
    bool wgmma = mma == "wgmma";
    if (wgmma && !supportsWgmma(chip)) {
      module.emitError("convert-rotq-to-gpu: mma=wgmma needs an sm_90a-class "
                       "chip, got '")
          << chip << "'";
      return signalPassFailure();
    }
    if (sm >= 80) {
      SmallVector<QMatmulOp> matmuls;
      getOperation()->walk([&](QMatmulOp m) { matmuls.push_back(m); });
      for (QMatmulOp m : matmuls) {
        UnpackOp packedFrom;
        auto s = qmatmulSpec(m, packedFrom);
        if (!s)
          continue;
        // wgmma covers one scale group; others keep mma.sync.
        gpukernels::QMatmulSpec w = *s;
        w.wgmma = wgmma;
        replaceQMatmul(rw, module, m, gpukernels::qmatmulSupported(w) ? w : *s,
                       packedFrom);
      }
    }
    quantizers.clear();
    getOperation()->walk([&](QuantizeOp q) { quantizers.push_back(q); });
    for (QuantizeOp q : quantizers) {
      RowKernelSpec s;
      if (addQuantize(q, s) && fits(s))
        replaceWithKernel(rw, module, q, q.getInput(), s);
    }
  }
};

} // namespace
