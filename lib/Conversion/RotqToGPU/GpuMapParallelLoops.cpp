//===- GpuMapParallelLoops.cpp - scf.parallel to blocks x threads ---------===//
//
// convert-parallel-loops-to-gpu needs every scf.parallel to say which
// hardware dimension each of its dimensions runs on. Upstream's
// gpu-map-parallel-loops maps an outermost loop to blocks only (one thread
// per block) unless it is already tiled. Here an outermost loop is
// collapsed to one dimension (so its trip count, not its shape, decides the
// launch) and tiled by the block size: tiles run on block x, elements of a
// tile on thread x with a bounds check; loops nested in it become scf.for
// (convert-parallel-loops-to-gpu gives up on nested parallel loops). Loops
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
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::rotq {
#define GEN_PASS_DEF_ROTQGPUMAPPARALLELLOOPS
#include "rotq/Conversion/Passes.h.inc"
} // namespace mlir::rotq

using namespace mlir;

namespace {

/// Maps a one-dimensional loop to `processor`.
LogicalResult mapTo(scf::ParallelOp op, gpu::Processor processor) {
  MLIRContext *ctx = op.getContext();
  AffineMap id = AffineMap::getMultiDimIdentityMap(1, ctx);
  return gpu::setMappingAttr(
      op, {gpu::ParallelLoopDimMappingAttr::get(ctx, processor, id, id)});
}

/// Rewrites a parallel loop without results as a nest of scf.for.
void toSequentialLoops(RewriterBase &rw, scf::ParallelOp p) {
  rw.setInsertionPoint(p);
  scf::LoopNest nest =
      scf::buildLoopNest(rw, p.getLoc(), p.getLowerBound(), p.getUpperBound(),
                         p.getStep());
  rw.eraseOp(p.getBody()->getTerminator());
  Block *inner = nest.loops.back().getBody();
  SmallVector<Value> ivs;
  for (scf::ForOp f : nest.loops)
    ivs.push_back(f.getInductionVar());
  rw.inlineBlockBefore(p.getBody(), inner->getTerminator(), ivs);
  rw.eraseOp(p);
}

struct RotqGpuMapParallelLoops
    : mlir::rotq::impl::RotqGpuMapParallelLoopsBase<RotqGpuMapParallelLoops> {
  using RotqGpuMapParallelLoopsBase::RotqGpuMapParallelLoopsBase;

  void runOnOperation() override {
    if (blockSize < 1 || blockSize > 1024) {
      getOperation().emitError("rotq-gpu-map-parallel-loops: block-size must "
                               "be in [1, 1024], got ")
          << int64_t(blockSize);
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
      if (failed(mapTo(tiles, gpu::Processor::BlockX)) ||
          failed(mapTo(elements, gpu::Processor::ThreadX)))
        return signalPassFailure();
      // Post-order: innermost loops first.
      SmallVector<scf::ParallelOp> nested;
      elements.getBody()->walk([&](scf::ParallelOp n) { nested.push_back(n); });
      for (scf::ParallelOp n : nested) {
        if (n.getNumResults()) {
          n.emitError("rotq-gpu-map-parallel-loops: a reduction loop nested "
                      "in a parallel loop is not supported");
          return signalPassFailure();
        }
        toSequentialLoops(rw, n);
      }
    }
    // Tiling leaves the tile size as `1 * size`; convert-parallel-loops-to-gpu
    // needs constant launch sizes. Fold arith only: scf's canonicalizations
    // would merge the mapped loops and drop their mapping.
    SmallVector<Operation *> arithOps;
    getOperation().walk([&](Operation *op) {
      if (isa<arith::ArithDialect>(op->getDialect()))
        arithOps.push_back(op);
    });
    (void)applyOpPatternsGreedily(arithOps, FrozenRewritePatternSet());
  }
};

} // namespace
