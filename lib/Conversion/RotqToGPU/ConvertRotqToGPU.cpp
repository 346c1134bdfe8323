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
  if (!op.isDynamic() || op.getGranularity() != Granularity::Row ||
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

/// A private declaration `@__rotq_row_kernel_N(args)` carrying `spec`.
func::FuncOp declareKernel(RewriterBase &rw, ModuleOp module,
                           TypeRange argTypes, const RowKernelSpec &spec) {
  OpBuilder::InsertionGuard g(rw);
  rw.setInsertionPointToEnd(module.getBody());
  auto f = func::FuncOp::create(rw, module.getLoc(), "__rotq_row_kernel",
                                rw.getFunctionType(argTypes, {}));
  f.setPrivate();
  f->setAttr(kRowKernelAttr, gpukernels::rowKernelAttr(rw.getContext(), spec));
  SymbolTable(module).insert(f);
  return f;
}

/// Replaces `root`'s results (one data result, or codes, scale and zero
/// point) by buffers that the kernel for `spec`, reading `input`, fills.
void replaceWithKernel(RewriterBase &rw, ModuleOp module, Operation *root,
                       Value input, const RowKernelSpec &spec) {
  Location loc = root->getLoc();
  rw.setInsertionPoint(root);
  Value inBuf = toBuffer(rw, loc, input);
  SmallVector<Value> outs;
  for (Value r : root->getResults())
    outs.push_back(allocLike(rw, loc, cast<RankedTensorType>(r.getType()), input));
  SmallVector<Value> constants;
  for (Value c : gpukernels::rowKernelConstants(rw, loc, spec))
    constants.push_back(toBuffer(rw, loc, c));
  SmallVector<Value> args = {rowsOf(rw, loc, inBuf)};
  for (Value o : outs)
    args.push_back(rowsOf(rw, loc, o));
  args.append(constants);
  func::FuncOp f = declareKernel(rw, module, ValueRange(args).getTypes(), spec);
  func::CallOp::create(rw, loc, f, args);
  SmallVector<Value> results;
  for (auto [r, buf] : llvm::zip(root->getResults(), outs))
    results.push_back(bufferization::ToTensorOp::create(
        rw, loc, r.getType(), buf, rw.getUnitAttr(), rw.getUnitAttr()));
  rw.replaceOp(root, results);
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
    SmallVector<HadamardOp> hadamards;
    getOperation()->walk([&](HadamardOp h) { hadamards.push_back(h); });
    for (HadamardOp h : hadamards)
      if (std::optional<RowKernelSpec> s = hadamardSpec(h); s && fits(*s))
        replaceWithKernel(rw, module, h, h.getInput(), *s);
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
