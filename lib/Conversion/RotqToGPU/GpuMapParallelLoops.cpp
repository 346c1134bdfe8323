//===- GpuMapParallelLoops.cpp - scf.parallel to blocks x threads ---------===//
//
// convert-parallel-loops-to-gpu needs every scf.parallel to say which
// hardware dimension each of its dimensions runs on. Upstream's
// gpu-map-parallel-loops maps an outermost loop to blocks only (one thread
// per block) unless it is already tiled. Here an outermost loop is
// collapsed to one dimension (so its trip count, not its shape, decides the
// launch) and tiled by the block size: tiles run on block x, elements of a
// tile on thread x with a bounds check, nested loops sequentially. Loops
// with reductions stay on the host, which is correct (host code reads
// managed memory) if slow; linalg's lowering puts reductions in scf.for
// inside parallel loops, so models have none.
//
//===----------------------------------------------------------------------===//
#include "rotq/Conversion/Passes.h"

#include "mlir/Dialect/GPU/Transforms/ParallelLoopMapper.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::rotq {
#define GEN_PASS_DEF_ROTQGPUMAPPARALLELLOOPS
#include "rotq/Conversion/Passes.h.inc"
} // namespace mlir::rotq

using namespace mlir;

namespace {

LogicalResult mapAll(scf::ParallelOp op, gpu::Processor first) {
  MLIRContext *ctx = op.getContext();
  AffineMap id = AffineMap::getMultiDimIdentityMap(1, ctx);
  SmallVector<gpu::ParallelLoopDimMappingAttr> m;
  for (unsigned i = 0; i < op.getNumLoops(); ++i)
    m.push_back(gpu::ParallelLoopDimMappingAttr::get(
        ctx, i == 0 ? first : gpu::Processor::Sequential, id, id));
  return gpu::setMappingAttr(op, m);
}

struct RotqGpuMapParallelLoops
    : mlir::rotq::impl::RotqGpuMapParallelLoopsBase<RotqGpuMapParallelLoops> {
  using RotqGpuMapParallelLoopsBase::RotqGpuMapParallelLoopsBase;

  void runOnOperation() override {
    if (blockSize < 1 || blockSize > 1024) {
      getOperation().emitError("rotq-gpu-map-parallel-loops: block-size must "
                               "be in [1, 1024], got ")
          << blockSize;
      return signalPassFailure();
    }
    SmallVector<scf::ParallelOp> outermost;
    getOperation().walk([&](scf::ParallelOp op) {
      if (!op->getParentOfType<scf::ParallelOp>() &&
          !op->getParentOfType<gpu::LaunchOp>() && op.getNumResults() == 0 &&
          !op->hasAttr(gpu::getMappingAttrName()))
        outermost.push_back(op);
    });
    IRRewriter rw(&getContext());
    for (scf::ParallelOp op : outermost) {
      Operation *next = op->getNextNode();
      if (op.getNumLoops() > 1 || !isConstantIntValue(op.getLowerBound()[0], 0) ||
          !isConstantIntValue(op.getStep()[0], 1)) {
        std::vector<unsigned> all;
        for (unsigned i = 0; i < op.getNumLoops(); ++i)
          all.push_back(i);
        mlir::collapseParallelLoops(rw, op, {all});
        op = cast<scf::ParallelOp>(next->getPrevNode());
      }
      auto [tiles, elements] =
          scf::tileParallelLoop(op, {blockSize}, /*noMinMaxBounds=*/true);
      if (failed(mapAll(tiles, gpu::Processor::BlockX)) ||
          failed(mapAll(elements, gpu::Processor::ThreadX)))
        return signalPassFailure();
      bool ok = true;
      elements.getBody()->walk([&](scf::ParallelOp nested) {
        ok &= succeeded(mapAll(nested, gpu::Processor::Sequential));
      });
      if (!ok)
        return signalPassFailure();
    }
  }
};

} // namespace
