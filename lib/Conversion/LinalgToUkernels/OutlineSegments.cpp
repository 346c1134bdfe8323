//===- OutlineSegments.cpp - split long functions for the LLVM backend ----===//
//
// Cuts a function's single block into consecutive segments and moves each
// into a private noinline function, so that LLVM optimizes and generates
// code for many small functions instead of one huge one.
//
//===----------------------------------------------------------------------===//
#include "rotq/Conversion/Passes.h"

#include "UkernelUtils.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace mlir::rotq {
#define GEN_PASS_DEF_ROTQOUTLINESEGMENTS
#include "rotq/Conversion/Passes.h.inc"
} // namespace mlir::rotq

using namespace mlir;

namespace {

/// Buffers on the stack of the function that defines them.
bool isStackBuffer(Value v) {
  return isa_and_present<memref::AllocaOp, LLVM::AllocaOp>(
      mlir::rotq::ukernels::viewRoot(v).getDefiningOp());
}

struct Segmenter {
  Block &block;
  /// Top-level operations in order (without the terminator).
  SmallVector<Operation *> ops;
  DenseMap<Operation *, int64_t> index;

  /// Constants belong to no segment (position -1, as if first): they stay
  /// in the function, and segments clone the ones they read.
  explicit Segmenter(Block &block) : block(block) {
    for (Operation &op : block.without_terminator()) {
      if (op.hasTrait<OpTrait::ConstantLike>()) {
        index[&op] = -1;
        continue;
      }
      index[&op] = int64_t(ops.size());
      ops.push_back(&op);
    }
  }

  /// Index of the top-level operation that holds `op` (the terminator:
  /// ops.size()).
  int64_t position(Operation *op) {
    Operation *top = block.findAncestorOpInBlock(*op);
    auto it = index.find(top);
    return it == index.end() ? int64_t(ops.size()) : it->second;
  }

  /// Where `v` is defined: -1 for a block argument of the function.
  int64_t definedAt(Value v) {
    if (auto arg = dyn_cast<BlockArgument>(v)) {
      if (arg.getOwner() == &block)
        return -1;
      return position(arg.getOwner()->getParentOp());
    }
    return position(v.getDefiningOp());
  }

  /// Values defined in [begin, end) that are read at or after `end`.
  SmallVector<Value> liveOut(int64_t begin, int64_t end) {
    SmallVector<Value> out;
    for (int64_t i = begin; i < end; ++i)
      for (Value r : ops[i]->getResults())
        if (llvm::any_of(r.getUsers(),
                         [&](Operation *u) { return position(u) >= end; }))
          out.push_back(r);
    return out;
  }

  /// Values defined before `begin` that [begin, end) reads.
  SmallVector<Value> liveIn(int64_t begin, int64_t end) {
    SetVector<Value> in;
    for (int64_t i = begin; i < end; ++i)
      ops[i]->walk([&](Operation *op) {
        for (Value v : op->getOperands())
          if (definedAt(v) < begin)
            in.insert(v);
      });
    return in.takeVector();
  }
};

struct OutlineSegments
    : mlir::rotq::impl::RotqOutlineSegmentsBase<OutlineSegments> {
  using RotqOutlineSegmentsBase::RotqOutlineSegmentsBase;

  void runOnOperation() override {
    if (maxOps < 0) {
      getOperation().emitError("rotq-outline-segments: max-ops must be >= 0");
      return signalPassFailure();
    }
    if (maxOps == 0)
      return;
    SymbolTable symbols(getOperation());
    SmallVector<func::FuncOp> funcs(getOperation().getOps<func::FuncOp>());
    for (func::FuncOp f : funcs)
      if (!f.isExternal() && f.getBody().hasOneBlock())
        outline(f, symbols);
  }

  void outline(func::FuncOp f, SymbolTable &symbols) {
    Block &block = f.getBody().front();
    Segmenter seg(block);
    // Sizes counting nested operations.
    SmallVector<int64_t> size;
    int64_t total = 0;
    for (Operation *op : seg.ops) {
      int64_t n = 0;
      op->walk([&](Operation *) { ++n; });
      size.push_back(n);
      total += n;
    }
    if (total <= 2 * maxOps)
      return;

    // Cut points: after about maxOps operations, where no stack buffer
    // would leave its segment.
    SmallVector<std::pair<int64_t, int64_t>> segments;
    int64_t begin = 0, count = 0;
    for (int64_t i = 0; i < int64_t(seg.ops.size()); ++i) {
      count += size[i];
      int64_t end = i + 1;
      if (count < maxOps || end == int64_t(seg.ops.size()))
        continue;
      if (llvm::any_of(seg.liveOut(begin, end), isStackBuffer))
        continue;
      segments.push_back({begin, end});
      begin = end;
      count = 0;
    }
    // The tail stays in the function itself.
    if (segments.size() < 2)
      return;

    OpBuilder b(f.getContext());
    int64_t part = 0;
    for (auto [begin, end] : segments) {
      // Live sets over the block as it is now: earlier segments are calls
      // standing at their first position (seg.index).
      SmallVector<Value> outs = seg.liveOut(begin, end);
      SmallVector<Value> ins;
      SmallVector<Value> constants;
      for (Value v : seg.liveIn(begin, end)) {
        if (v.getDefiningOp() &&
            v.getDefiningOp()->hasTrait<OpTrait::ConstantLike>())
          constants.push_back(v);
        else
          ins.push_back(v);
      }

      b.setInsertionPoint(f);
      auto type = b.getFunctionType(ValueRange(ins).getTypes(),
                                    ValueRange(outs).getTypes());
      auto callee = func::FuncOp::create(
          b, seg.ops[begin]->getLoc(),
          (f.getSymName() + "_part" + Twine(part++)).str(), type);
      callee.setPrivate();
      // LLVM would inline a function called once straight back.
      callee->setAttr("passthrough",
                      b.getArrayAttr({b.getStringAttr("noinline")}));
      symbols.insert(callee);
      Block *body = callee.addEntryBlock();

      // The call takes the segment's place.
      b.setInsertionPoint(seg.ops[begin]);
      auto call = func::CallOp::create(b, seg.ops[begin]->getLoc(), callee,
                                       ins);
      // Later segments read its results as defined where it stands.
      seg.index[call] = begin;

      for (int64_t i = begin; i < end; ++i)
        seg.ops[i]->moveBefore(body, body->end());
      auto inside = [&](OpOperand &use) {
        return callee->isProperAncestor(use.getOwner());
      };
      b.setInsertionPointToStart(body);
      for (Value c : constants)
        c.replaceUsesWithIf(b.clone(*c.getDefiningOp())->getResult(0), inside);
      for (auto [v, arg] : llvm::zip_equal(ins, body->getArguments()))
        v.replaceUsesWithIf(arg, inside);
      b.setInsertionPointToEnd(body);
      func::ReturnOp::create(b, call.getLoc(), outs);
      for (auto [v, r] : llvm::zip_equal(outs, call.getResults()))
        v.replaceUsesWithIf(r, [&](OpOperand &use) { return !inside(use); });
    }
    // Constants only the segments read (each has its own copy).
    for (Operation &op : llvm::make_early_inc_range(block))
      if (op.hasTrait<OpTrait::ConstantLike>() && op.use_empty())
        op.erase();
  }
};

} // namespace
