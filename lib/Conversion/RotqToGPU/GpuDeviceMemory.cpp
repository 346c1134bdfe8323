//===- GpuDeviceMemory.cpp - buffers the GPU can address ------------------===//
//
// After bufferization the host code allocates with memref.alloc (malloc)
// and reads constants from memref.global (host data): neither is visible to
// a kernel. This pass moves them to GPU memory: plain device memory when
// the host code never touches the data itself (the kernels do all the
// work: copies become gpu.memcpy or linalg.copy, a kernel later), managed
// memory otherwise, which host loops can address too. Kernel bodies are
// left alone. GPU copies and frees use the async forms (gpu-to-llvm lowers
// only those), each fenced by a gpu.wait so the host order is kept.
//
//===----------------------------------------------------------------------===//
#include "rotq/Conversion/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/CallInterfaces.h"

namespace mlir::rotq {
#define GEN_PASS_DEF_ROTQGPUDEVICEMEMORY
#include "rotq/Conversion/Passes.h.inc"
} // namespace mlir::rotq

using namespace mlir;

namespace {

bool inKernel(Operation *op) {
  return op->getParentOfType<gpu::LaunchOp>() != nullptr;
}

/// gpu.wait async; OP async [token]; gpu.wait [result token].
/// Returns the op `build` made.
template <typename Build>
Operation *fenced(OpBuilder &b, Location loc, Build build) {
  Type tok = gpu::AsyncTokenType::get(b.getContext());
  Value t = gpu::WaitOp::create(b, loc, tok, ValueRange{}).getAsyncToken();
  Value done = build(tok, t);
  gpu::WaitOp::create(b, loc, Type(), ValueRange{done});
  return done.getDefiningOp();
}

void freeBuffer(OpBuilder &b, Location loc, Value buf) {
  fenced(b, loc, [&](Type tok, Value t) {
    return gpu::DeallocOp::create(b, loc, tok, ValueRange{t}, buf)
        .getAsyncToken();
  });
}

Operation *copyBuffer(OpBuilder &b, Location loc, Value dst, Value src) {
  return fenced(b, loc, [&](Type tok, Value t) {
    return gpu::MemcpyOp::create(b, loc, tok, ValueRange{t}, dst, src)
        .getAsyncToken();
  });
}

/// gpu-to-llvm lowers managed (host_shared) allocations only in the
/// synchronous form and device ones only in the async form.
Value gpuAlloc(OpBuilder &b, Location loc, MemRefType t, bool managed,
               ValueRange dynamicSizes, ValueRange symbols = {}) {
  if (managed)
    return gpu::AllocOp::create(b, loc, t, Type(), ValueRange{}, dynamicSizes,
                                symbols, b.getUnitAttr())
        .getMemref();
  Value memref;
  fenced(b, loc, [&](Type tok, Value dep) {
    auto a = gpu::AllocOp::create(b, loc, t, tok, ValueRange{dep},
                                  dynamicSizes, symbols, UnitAttr());
    memref = a.getMemref();
    return a.getAsyncToken();
  });
  return memref;
}

/// Whether host code (outside kernels) reads or writes buffer contents.
bool hostTouchesData(func::FuncOp f) {
  WalkResult r = f.walk([](Operation *op) {
    if (inKernel(op))
      return WalkResult::advance();
    if (isa<memref::LoadOp, memref::StoreOp, affine::AffineLoadOp,
            affine::AffineStoreOp>(op) ||
        op->getDialect()->getNamespace() == "vector")
      return WalkResult::interrupt();
    if (auto l = dyn_cast<linalg::LinalgOp>(op);
        l && l.getNumParallelLoops() == 0)
      return WalkResult::interrupt();
    if (isa<CallOpInterface>(op) &&
        llvm::any_of(op->getOperandTypes(),
                     [](Type t) { return isa<BaseMemRefType>(t); }))
      return WalkResult::interrupt();
    return WalkResult::advance();
  });
  return r.wasInterrupted();
}

bool contiguous(Value v) {
  auto t = dyn_cast<MemRefType>(v.getType());
  return t && t.getLayout().isIdentity() && t.getMemorySpace() == nullptr;
}

struct RotqGpuDeviceMemory
    : mlir::rotq::impl::RotqGpuDeviceMemoryBase<RotqGpuDeviceMemory> {
  using RotqGpuDeviceMemoryBase::RotqGpuDeviceMemoryBase;

  void runOnOperation() override {
    if (memory != "auto" && memory != "device" && memory != "managed") {
      getOperation().emitError("rotq-gpu-device-memory: memory must be auto, "
                               "device or managed, got '")
          << memory << "'";
      return signalPassFailure();
    }
    bool managed = memory == "managed" ||
                   (memory == "auto" && hostTouchesData(getOperation()));
    SmallVector<Operation *> work;
    getOperation().walk([&](Operation *op) {
      if (!inKernel(op) &&
          isa<memref::AllocOp, memref::DeallocOp, memref::GetGlobalOp,
              memref::CopyOp>(op))
        work.push_back(op);
    });
    IRRewriter rw(&getContext());
    for (Operation *op : work) {
      Location loc = op->getLoc();
      rw.setInsertionPoint(op);
      if (auto a = dyn_cast<memref::AllocOp>(op)) {
        if (!a.getType().getLayout().isIdentity())
          continue;
        rw.replaceOp(a, gpuAlloc(rw, loc, a.getType(), managed,
                                 a.getDynamicSizes(), a.getSymbolOperands()));
      } else if (auto d = dyn_cast<memref::DeallocOp>(op)) {
        freeBuffer(rw, loc, d.getMemref());
        rw.eraseOp(d);
      } else if (auto g = dyn_cast<memref::GetGlobalOp>(op)) {
        // Constants: a managed copy for this call, freed at the end of the
        // block unless it escapes through a terminator.
        rw.setInsertionPointAfter(g);
        Value copy = gpuAlloc(rw, loc, g.getType(), managed, ValueRange{});
        Operation *memcpy = copyBuffer(rw, loc, copy, g.getResult());
        bool escapes = llvm::any_of(g->getUsers(), [](Operation *u) {
          return u->hasTrait<OpTrait::IsTerminator>();
        });
        rw.replaceAllUsesExcept(g.getResult(), copy, memcpy);
        if (!escapes) {
          rw.setInsertionPoint(g->getBlock()->getTerminator());
          freeBuffer(rw, loc, copy);
        }
      } else if (auto c = dyn_cast<memref::CopyOp>(op)) {
        if (contiguous(c.getSource()) && contiguous(c.getTarget()))
          copyBuffer(rw, loc, c.getTarget(), c.getSource());
        else
          linalg::CopyOp::create(rw, loc, c.getSource(), c.getTarget());
        rw.eraseOp(c);
      }
    }
  }
};

} // namespace
