//===- LinalgToUkernels.cpp - matmuls on buffers to CPU microkernel calls -===//
//
// linalg.matmul (B transposed or not) on f32 or i8 x i8 -> i32 buffers
// becomes a call into librotq_cpu_runtime: a packed, vectorized, threaded
// kernel instead of the scalar loop nest convert-linalg-to-loops would make.
// The call passes MLIR's expanded memref descriptors, so the operands are
// cast to fully dynamic strided layouts and B's view is transposed when the
// matmul reads it as K x N (the kernel takes B as N x K).
//
//===----------------------------------------------------------------------===//
#include "UkernelUtils.h"

#include "rotq/Conversion/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"

namespace mlir::rotq {
#define GEN_PASS_DEF_CONVERTLINALGTOUKERNELS
#include "rotq/Conversion/Passes.h.inc"
} // namespace mlir::rotq

using namespace mlir;

namespace {

/// Which microkernel serves these element types, if any.
StringRef kernelFor(Type a, Type b, Type c) {
  if (a.isF32() && b.isF32() && c.isF32())
    return "rotq_ukernel_matmul_tb_f32";
  if (a.isSignlessInteger(8) && b.isSignlessInteger(8) &&
      c.isSignlessInteger(32))
    return "rotq_ukernel_matmul_tb_i8i8i32";
  return "";
}

struct ConvertLinalgToUkernels
    : mlir::rotq::impl::ConvertLinalgToUkernelsBase<ConvertLinalgToUkernels> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    SmallVector<linalg::MatmulOp> matmuls;
    module.walk([&](linalg::MatmulOp op) { matmuls.push_back(op); });

    AffineExpr m = getAffineDimExpr(0, ctx), n = getAffineDimExpr(1, ctx),
               k = getAffineDimExpr(2, ctx);
    AffineMap mapA = AffineMap::get(3, 0, {m, k}, ctx),
              mapB = AffineMap::get(3, 0, {k, n}, ctx),
              mapBt = AffineMap::get(3, 0, {n, k}, ctx),
              mapC = AffineMap::get(3, 0, {m, n}, ctx);
    OpBuilder b(ctx);
    for (linalg::MatmulOp op : matmuls) {
      if (!op.hasPureBufferSemantics())
        continue;
      // Integer operands are sign-extended by the kernel.
      if (op.getCast() != linalg::TypeFn::cast_signed)
        continue;
      SmallVector<AffineMap> maps = op.getIndexingMapsArray();
      if (maps.size() != 3 || maps[0] != mapA || maps[2] != mapC ||
          (maps[1] != mapB && maps[1] != mapBt))
        continue;
      Value a = op.getDpsInputs()[0], bv = op.getDpsInputs()[1],
            c = op.getDpsInits()[0];
      auto ta = dyn_cast<MemRefType>(a.getType()),
           tb = dyn_cast<MemRefType>(bv.getType()),
           tc = dyn_cast<MemRefType>(c.getType());
      if (!ta || !tb || !tc)
        continue;
      StringRef name = kernelFor(ta.getElementType(), tb.getElementType(),
                                 tc.getElementType());
      if (name.empty())
        continue;

      // The declaration, once per module.
      SmallVector<Type> argTypes = {mlir::rotq::ukernels::anyStrided(ta.getElementType(), 2),
                                    mlir::rotq::ukernels::anyStrided(tb.getElementType(), 2),
                                    mlir::rotq::ukernels::anyStrided(tc.getElementType(), 2)};
      if (!module.lookupSymbol<func::FuncOp>(name)) {
        b.setInsertionPointToStart(module.getBody());
        auto decl = func::FuncOp::create(b, module.getLoc(), name,
                                         b.getFunctionType(argTypes, {}));
        decl.setPrivate();
      }

      b.setInsertionPoint(op);
      Location loc = op.getLoc();
      if (maps[1] == mapB) {
        // K x N read as N x K: a view with the strides swapped.
        AffineMap swap =
            AffineMap::getPermutationMap(ArrayRef<unsigned>{1, 0}, ctx);
        bv = memref::TransposeOp::create(b, loc, bv, AffineMapAttr::get(swap));
      }
      SmallVector<Value> args;
      for (auto [v, t] : llvm::zip(SmallVector<Value>{a, bv, c}, argTypes))
        args.push_back(v.getType() == t
                           ? v
                           : memref::CastOp::create(b, loc, t, v).getResult());
      func::CallOp::create(b, loc, name, TypeRange{}, args);
      op.erase();
    }
  }
};

} // namespace
