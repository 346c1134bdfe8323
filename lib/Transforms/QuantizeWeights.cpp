//===- QuantizeWeights.cpp - the rotq-quantize-weights pass ---------------===//
//
// Offline RTN quantization of constant linear weights (Support/Quantizer),
// with the result either kept as codes + scales that the IR dequantizes
// (real) or folded back to floats (fake). The two give bit-identical
// weights: the fake values are float32 scale * (q - zp), which is what
// rotq.dequantize computes.
//
//===----------------------------------------------------------------------===//
#include "ModelUtils.h"

#include "rotq/Dialect/Rotq/IR/RotqOps.h"
#include "rotq/Support/Quantizer.h"
#include "rotq/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <cmath>

namespace mlir::rotq {
#define GEN_PASS_DEF_QUANTIZEWEIGHTS
#include "rotq/Transforms/Passes.h.inc"
} // namespace mlir::rotq

using namespace mlir;
using namespace mlir::rotq;
namespace quant = ::rotq::quant;

namespace {
template <typename T>
Value blobConstant(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                   Type et, ArrayRef<T> data, StringRef name) {
  auto type = RankedTensorType::get(shape, et);
  auto attr = DenseResourceElementsAttr::get(
      type, name, HeapAsmResourceBlob::allocateAndCopyInferAlign(data));
  return arith::ConstantOp::create(b, loc, type, attr);
}

struct QuantizeWeightsPass
    : mlir::rotq::impl::QuantizeWeightsBase<QuantizeWeightsPass> {
  using QuantizeWeightsBase::QuantizeWeightsBase;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (bits < 2 || bits > 8) {
      func.emitError("bits must be in 2..8, got ") << bits.getValue();
      return signalPassFailure();
    }
    if (mode != "real" && mode != "fake") {
      func.emitError("mode must be real or fake, got '") << mode.getValue() << "'";
      return signalPassFailure();
    }
    quant::Params params{int(bits.getValue()), !asymmetric,
                         groupSize.getValue(), 1.0};
    WalkResult r = func.walk([&](LinearOp lin) -> WalkResult {
      if (skipLmHead && llvm::any_of(lin->getUsers(), [](Operation *u) {
            return isa<func::ReturnOp>(u);
          }))
        return WalkResult::advance();
      FailureOr<std::vector<double>> w = model::readConstant(lin.getWeight());
      if (failed(w))
        return WalkResult::advance(); // already quantized, or not constant
      auto wt = lin.getWeight().getType();
      int64_t rows = wt.getDimSize(0), cols = wt.getDimSize(1);
      if (groupSize < 0 || (groupSize > 0 && cols % groupSize)) {
        lin.emitError("group-size ")
            << groupSize.getValue() << " does not divide the " << cols
            << " input channels of " << model::describe(lin);
        return WalkResult::interrupt();
      }
      std::vector<double> clip;
      if (clipSearch)
        clip = quant::searchClip(*w, rows, cols, params);
      quant::Quantized q = quant::quantize(*w, rows, cols, params, clip);
      std::vector<float> deq = quant::dequantize(q);
      if (report) {
        double err = 0, ref = 0;
        for (size_t i = 0; i < deq.size(); ++i) {
          err += (deq[i] - (*w)[i]) * (deq[i] - (*w)[i]);
          ref += (*w)[i] * (*w)[i];
        }
        lin.emitRemark() << bits.getValue() << "-bit weights, relative error "
                         << std::sqrt(err / std::max(ref, 1e-300));
      }
      if (mode == "fake") {
        model::setConstant(lin.getWeightMutable(),
                           std::vector<double>(deq.begin(), deq.end()), ".wq");
        return WalkResult::advance();
      }

      OpBuilder b(lin);
      Location loc = lin.getLoc();
      std::string name = model::nameOf(lin);
      if (name.empty())
        name = "rotq.weight";
      Type i8 = b.getI8Type();
      Value codes;
      if ((bits == 4 || bits == 2) && cols % (8 / bits) == 0) {
        std::vector<int8_t> packed = quant::pack(q.codes, rows, cols, bits);
        Value p = blobConstant<int8_t>(b, loc, {rows, cols / (8 / bits)}, i8,
                                       packed, name + ".qweight");
        codes = UnpackOp::create(b, loc, RankedTensorType::get({rows, cols}, i8),
                                 p, b.getI64IntegerAttr(bits));
      } else {
        codes = blobConstant<int8_t>(b, loc, {rows, cols}, i8, q.codes,
                                     name + ".qweight");
      }
      Value scales = blobConstant<float>(b, loc, {rows, q.groups},
                                         b.getF32Type(), q.scales,
                                         name + ".scales");
      Value zp;
      if (asymmetric)
        zp = blobConstant<int8_t>(b, loc, {rows, q.groups}, i8, q.zeroPoints,
                                  name + ".zeros");
      Value deqW = DequantizeOp::create(b, loc, wt, codes, scales, zp);
      Operation *old = lin.getWeight().getDefiningOp();
      lin.getWeightMutable().set(deqW);
      if (old && old->use_empty())
        old->erase();
      return WalkResult::advance();
    });
    if (r.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace
