//===- RotateAttentionOutput.cpp - the rotq-rotate-attention-output pass --===//
//
// v_proj -> split heads -> attention -> merge heads -> o_proj. Attention
// output head h is a convex combination of value rows of head h / G, so
// rotating each value head by M_hd (fused: W_v -> (I (x) M_hd)^T W_v)
// rotates each output head by M_hd. An online M_nh across the head axis
// then gives a (M_nh (x) M_hd), which o_proj undoes with
// W_o -> W_o (M_nh (x) M_hd). The two rewrites only make sense together,
// so a block is rewritten only when the whole chain is found.
//
//===----------------------------------------------------------------------===//
#include "rotq/Transforms/ModelUtils.h"

#include "rotq/Dialect/Rotq/IR/RotqOps.h"
#include "rotq/Transforms/Passes.h"
#include "rotq/Support/Hadamard.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"

namespace mlir::rotq {
#define GEN_PASS_DEF_ROTATEATTENTIONOUTPUT
#include "rotq/Transforms/Passes.h.inc"
} // namespace mlir::rotq

using namespace mlir;
using namespace mlir::rotq;

namespace {
/// [S, a, b] -> [S, b, a].
Value swapLast(OpBuilder &b, Location loc, Value x) {
  auto t = cast<RankedTensorType>(x.getType());
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, x);
  std::swap(sizes[1], sizes[2]);
  Value init = tensor::EmptyOp::create(b, loc, sizes, t.getElementType());
  return linalg::TransposeOp::create(b, loc, x, init,
                                     ArrayRef<int64_t>{0, 2, 1})
      ->getResult(0);
}

struct RotateAttentionOutputPass
    : mlir::rotq::impl::RotateAttentionOutputBase<RotateAttentionOutputPass> {
  using RotateAttentionOutputBase::RotateAttentionOutputBase;

  void runOnOperation() override {
    if (model::warnIfNoneRaised<AttentionOp>(getOperation(), getArgument(),
                                             "attention outputs"))
      return;
    getOperation().walk([&](AttentionOp att) {
      auto skip = [&](const Twine &why) {
        att.emitWarning("attention output not rotated: ") << why;
      };
      std::string why;
      FailureOr<model::ValueChain> chain = model::valueChainOf(att, why);
      if (failed(chain))
        return skip(why);
      LinearOp vproj = chain->vproj, oproj = chain->oproj;
      auto merge = oproj.getInput().getDefiningOp<tensor::CollapseShapeOp>();
      int64_t hd = chain->headDim, kv = chain->kvHeads, heads = chain->heads;
      for (int64_t n : {heads, hd})
        if (std::string why = ::rotq::hadamard::unsupportedReason(n);
            !why.empty())
          return skip(why);
      // v_proj output side: (I_kv (x) M_hd)^T W_v, and the bias b (I (x) M).
      auto perHead = [&](OpBuilder &b, Location loc, Value x) -> Value {
        return model::hadamardOf(b, loc, x, {}, hd);
      };
      {
        OpBuilder b(vproj);
        vproj.getWeightMutable().set(
            model::alongFirstDim(b, vproj.getLoc(), vproj.getWeight(), perHead));
        if (Value bias = vproj.getBias())
          vproj.getBiasMutable()[0].set(perHead(b, vproj.getLoc(), bias));
      }
      // o_proj input side: W_o (M_nh (x) M_hd).
      {
        OpBuilder b(oproj);
        Location loc = oproj.getLoc();
        // The two factors of one rotation, in f64 between them, so the
        // weight is rounded once.
        oproj.getWeightMutable().set(model::inFloat64(
            b, loc, oproj.getWeight(),
            [&](OpBuilder &nb, Location l, Value w) {
              return model::alongOuterFactor(
                  nb, l, perHead(nb, l, w), heads, hd,
                  [](OpBuilder &b2, Location l2, Value x) {
                    return model::hadamardOf(b2, l2, x);
                  });
            }));
      }

      // Online: M_nh along the head axis.
      OpBuilder b(merge);
      Location loc = att.getLoc();
      Value swapped = swapLast(b, loc, att.getResult());
      Value mixed = HadamardOp::create(b, loc, swapped, DenseI8ArrayAttr(),
                                       IntegerAttr(), UnitAttr());
      Value back = swapLast(b, loc, mixed);
      merge.getSrcMutable().set(back);
      if (report) {
        vproj.emitRemark() << "fused head-wise Hadamard (I_" << kv
                           << " (x) H_" << hd << ") into the output side";
        att.emitRemark() << "online Hadamard across " << heads
                         << " heads: " << model::hadamardNote(heads);
        oproj.emitRemark() << "fused H_" << heads << " (x) H_" << hd
                           << " into the input side";
      }
    });
  }
};
} // namespace
