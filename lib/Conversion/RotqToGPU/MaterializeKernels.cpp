//===- MaterializeKernels.cpp - kernel placeholder calls to gpu.launch ----===//
//
// convert-rotq-to-gpu leaves each kernel as a call to a declaration that
// carries the kernel's parameters, because buffer deallocation cannot look
// through GPU ops. Once buffers are final, each call becomes the kernel's
// gpu.launch on the same buffers.
//
//===----------------------------------------------------------------------===//
#include "QMatmulKernel.h"
#include "RowKernels.h"

#include "rotq/Conversion/Passes.h"

#include "mlir/IR/PatternMatch.h"

namespace mlir::rotq {
#define GEN_PASS_DEF_ROTQGPUMATERIALIZEKERNELS
#include "rotq/Conversion/Passes.h.inc"
} // namespace mlir::rotq

using namespace mlir;
using namespace mlir::rotq::gpukernels;

namespace {
struct RotqGpuMaterializeKernels
    : mlir::rotq::impl::RotqGpuMaterializeKernelsBase<
          RotqGpuMaterializeKernels> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    SmallVector<func::CallOp> calls;
    module.walk([&](func::CallOp c) {
      if (auto f = symbols.lookup<func::FuncOp>(c.getCallee()))
        if (f->hasAttr(kRowKernelAttr) || f->hasAttr(kQMatmulKernelAttr))
          calls.push_back(c);
    });
    IRRewriter rw(&getContext());
    for (func::CallOp c : calls) {
      auto f = symbols.lookup<func::FuncOp>(c.getCallee());
      SmallVector<Value> args(c.getOperands());
      rw.setInsertionPoint(c);
      if (auto q = f->getAttrOfType<DictionaryAttr>(kQMatmulKernelAttr)) {
        FailureOr<QMatmulSpec> spec = qmatmulSpecFrom(q);
        if (failed(spec) || args.size() != (spec->bias ? 6u : 5u)) {
          c.emitError("malformed rotq.qmatmul_kernel call");
          return signalPassFailure();
        }
        emitQMatmulKernel(rw, c.getLoc(), *spec, args[0], args[1], args[2],
                          args[3], spec->bias ? args[4] : Value(), args.back());
        rw.eraseOp(c);
        continue;
      }
      auto attr = f->getAttrOfType<DictionaryAttr>(kRowKernelAttr);
      auto in = dyn_cast<MemRefType>(c.getOperand(0).getType());
      FailureOr<RowKernelSpec> spec = failure();
      if (attr && in)
        spec = rowKernelSpecFrom(attr, in);
      if (failed(spec)) {
        c.emitError("malformed rotq.row_kernel call");
        return signalPassFailure();
      }
      unsigned outs = 1 + (spec->quantize ? (spec->asymmetric ? 2 : 1) : 0);
      emitRowKernel(rw, c.getLoc(), *spec, args[0], args[1],
                    outs > 1 ? args[2] : Value(), outs > 2 ? args[3] : Value(),
                    ArrayRef<Value>(args).drop_front(1 + outs));
      rw.eraseOp(c);
    }
    for (auto f : llvm::make_early_inc_range(module.getOps<func::FuncOp>()))
      if ((f->hasAttr(kRowKernelAttr) || f->hasAttr(kQMatmulKernelAttr)) &&
          f.symbolKnownUseEmpty(module))
        rw.eraseOp(f);
  }
};
} // namespace
