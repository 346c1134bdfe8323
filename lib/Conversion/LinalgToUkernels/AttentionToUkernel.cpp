//===- AttentionToUkernel.cpp - f32 rotq.attention to a CPU kernel call ---===//
//
// The linalg lowering of rotq.attention materialises H x S x T scores and
// walks them six times with scalar loops; the runtime's kernel does one
// vectorized pass per query row. Tensor level, like convert-rotq-to-gpu:
// operands through bufferization.to_buffer, the result a fresh buffer
// returned with to_tensor (restrict), so bufferization sees no aliasing.
//
//===----------------------------------------------------------------------===//
#include "UkernelUtils.h"

#include "rotq/Conversion/Passes.h"
#include "rotq/Dialect/Rotq/IR/RotqOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"

namespace mlir::rotq {
#define GEN_PASS_DEF_CONVERTATTENTIONTOUKERNEL
#include "rotq/Conversion/Passes.h.inc"
} // namespace mlir::rotq

using namespace mlir;

namespace {

constexpr StringLiteral kKernel = "rotq_ukernel_attention_f32";

struct ConvertAttentionToUkernel
    : mlir::rotq::impl::ConvertAttentionToUkernelBase<
          ConvertAttentionToUkernel> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    SmallVector<rotq::AttentionOp> ops;
    module.walk([&](rotq::AttentionOp op) {
      auto f32 = [](Value v) {
        return cast<ShapedType>(v.getType()).getElementType().isF32();
      };
      if (f32(op.getQuery()) && f32(op.getKey()) && f32(op.getValue()) &&
          f32(op.getResult()))
        ops.push_back(op);
    });
    if (ops.empty())
      return;

    OpBuilder b(ctx);
    Type f32 = b.getF32Type(), i64 = b.getI64Type();
    MemRefType any = mlir::rotq::ukernels::anyStrided(f32, 3);
    if (!module.lookupSymbol<func::FuncOp>(kKernel)) {
      b.setInsertionPointToStart(module.getBody());
      auto decl = func::FuncOp::create(
          b, module.getLoc(), kKernel,
          b.getFunctionType({any, any, any, any, f32, i64, i64}, {}));
      decl.setPrivate();
    }
    for (rotq::AttentionOp op : ops) {
      Location loc = op.getLoc();
      b.setInsertionPoint(op);
      auto bufferOf = [&](Value t) -> Value {
        auto tt = cast<RankedTensorType>(t.getType());
        Value buf = bufferization::ToBufferOp::create(
            b, loc, MemRefType::get(tt.getShape(), f32), t,
            /*read_only=*/b.getUnitAttr());
        return memref::CastOp::create(b, loc, any, buf);
      };
      auto resultType = cast<RankedTensorType>(op.getResult().getType());
      SmallVector<Value> dyn;
      for (int64_t i = 0; i < resultType.getRank(); ++i)
        if (resultType.isDynamicDim(i))
          // S comes from the query, H from the query, E from the value.
          dyn.push_back(tensor::DimOp::create(
              b, loc, i == 2 ? op.getValue() : op.getQuery(), i));
      Value out = memref::AllocOp::create(
          b, loc, MemRefType::get(resultType.getShape(), f32), dyn);
      Value scale = arith::ConstantOp::create(
          b, loc, b.getF32FloatAttr(float(op.getScale().convertToDouble())));
      Value causal = arith::ConstantOp::create(
          b, loc, b.getI64IntegerAttr(op.getCausal() ? 1 : 0));
      Value window = arith::ConstantOp::create(
          b, loc, b.getI64IntegerAttr(int64_t(op.getWindow().value_or(0))));
      func::CallOp::create(b, loc, kKernel, TypeRange{},
                           ValueRange{bufferOf(op.getQuery()),
                                      bufferOf(op.getKey()),
                                      bufferOf(op.getValue()),
                                      memref::CastOp::create(b, loc, any, out),
                                      scale, causal, window});
      Value result = bufferization::ToTensorOp::create(
          b, loc, resultType, out, /*restrict=*/b.getUnitAttr(),
          /*writable=*/b.getUnitAttr());
      op.getResult().replaceAllUsesWith(result);
      op.erase();
    }
  }
};

} // namespace
