//===- DeallocateEarly.cpp - free buffers after their last use ------------===//
//
// The ownership-based deallocation pipeline frees a function's buffers at
// the end of the block that owns them: a lowered model then holds every
// intermediate activation of every layer until it returns. This pass moves
// each such memref.dealloc to just after the last operation of the block
// that reads the buffer or anything that may alias it.
//
//===----------------------------------------------------------------------===//
#include "rotq/Conversion/Passes.h"

#include "UkernelUtils.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace mlir::rotq {
#define GEN_PASS_DEF_ROTQDEALLOCATEEARLY
#include "rotq/Conversion/Passes.h.inc"
} // namespace mlir::rotq

using namespace mlir;

namespace {

struct DeallocateEarly
    : mlir::rotq::impl::RotqDeallocateEarlyBase<DeallocateEarly> {
  void runOnOperation() override {
    getOperation().walk([&](func::FuncOp f) {
      for (Block &block : f.getBody())
        runOnBlock(block);
    });
  }

  void runOnBlock(Block &block) {
    DenseMap<Operation *, int64_t> position;
    for (auto [i, op] : llvm::enumerate(block))
      position[&op] = int64_t(i);
    SmallVector<memref::DeallocOp> deallocs;
    for (Operation &op : block)
      if (auto d = dyn_cast<memref::DeallocOp>(op))
        deallocs.push_back(d);

    for (memref::DeallocOp d : deallocs) {
      // The allocation the freed value views.
      Value root = mlir::rotq::ukernels::viewRoot(d.getMemref());
      Operation *alloc = root.getDefiningOp();
      if (!alloc || !isa<memref::AllocOp>(alloc) || alloc->getBlock() != &block)
        continue;
      // Conservatively, every memref an op makes from an alias may alias
      // too (views, casts, region results).
      SetVector<Value> aliases;
      aliases.insert(root);
      Operation *last = alloc;
      bool escapes = false;
      for (size_t i = 0; i < aliases.size(); ++i)
        for (OpOperand &use : aliases[i].getUses()) {
          Operation *top = block.findAncestorOpInBlock(*use.getOwner());
          if (!top) {
            escapes = true;
            continue;
          }
          if (top == d.getOperation())
            continue;
          if (top->hasTrait<OpTrait::IsTerminator>() ||
              isa<memref::DeallocOp>(top))
            escapes = true;
          if (position[top] > position[last])
            last = top;
          // A raw address taken from a buffer reads it later, too.
          bool address = isa<memref::ExtractAlignedPointerAsIndexOp>(top);
          for (Value r : top->getResults())
            if (address || isa<BaseMemRefType, LLVM::LLVMPointerType>(r.getType()))
              aliases.insert(r);
        }
      if (escapes || position[last] >= position[d])
        continue;
      d->moveAfter(last);
      // Positions only serve comparisons between operations that did not
      // move; the dealloc is not looked at again.
    }
  }
};

} // namespace
