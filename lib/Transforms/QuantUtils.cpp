//===- QuantUtils.cpp - writing quantized weights into the IR -------------===//
#include "rotq/Transforms/QuantUtils.h"
#include "rotq/Transforms/ModelUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <cmath>
#include <cstdio>

using namespace mlir;
using namespace mlir::rotq;
namespace quant = ::rotq::quant;

template <typename T>
Value quantutil::blobConstant(OpBuilder &b, Location loc,
                              ArrayRef<int64_t> shape, Type et,
                              ArrayRef<T> data, StringRef name) {
  auto type = RankedTensorType::get(shape, et);
  auto attr = DenseResourceElementsAttr::get(
      type, name, HeapAsmResourceBlob::allocateAndCopyInferAlign(data));
  return arith::ConstantOp::create(b, loc, type, attr);
}
template Value quantutil::blobConstant<int8_t>(OpBuilder &, Location,
                                               ArrayRef<int64_t>, Type,
                                               ArrayRef<int8_t>, StringRef);
template Value quantutil::blobConstant<float>(OpBuilder &, Location,
                                              ArrayRef<int64_t>, Type,
                                              ArrayRef<float>, StringRef);

namespace {
/// `v` with `digits` significant digits, as %g prints it.
std::string shortNumber(double v, int digits = 3) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*g", digits, v);
  return buf;
}
} // namespace

std::string quantutil::protectionSummary(const quant::OutputMetric &m,
                                         int64_t k, double extraBytes,
                                         double quantizedBytes) {
  int64_t cols = m.cols;
  // trace(M): the diagonal's part and every direction's.
  double total = 0, energy = 0;
  for (double d : m.diag)
    total += d;
  for (double v : m.dirs)
    total += v * v;
  std::string where;
  for (int64_t d = 0; d < k; ++d) {
    const double *v = m.dirs.data() + d * cols;
    double norm = 0;
    int64_t top = 0;
    for (int64_t j = 0; j < cols; ++j) {
      norm += v[j] * v[j];
      if (std::abs(v[j]) > std::abs(v[top]))
        top = j;
    }
    energy += norm;
    // Where the direction sits: its largest coordinate and that
    // coordinate's share of it (near 1 for a massive channel).
    where += (d ? ", " : "") + std::to_string(top) + " (" +
             shortNumber(v[top] * v[top] / std::max(norm, 1e-300), 2) + ")";
  }
  return std::to_string(k) + " protected input direction" +
         (k == 1 ? "" : "s") + " holding " +
         shortNumber(100 * energy / std::max(total, 1e-300)) +
         " % of the input energy (largest channel and its share: " + where +
         "), " + shortNumber(extraBytes / 1024) + " kB in float, " +
         shortNumber(100 * extraBytes / quantizedBytes) +
         " % of the quantized weight";
}

std::string quantutil::protectionTotals(int64_t linears, double floatBytes,
                                        double quantizedBytes, int bits) {
  return "protected directions: " + std::to_string(linears) +
         (linears == 1 ? " linear, " : " linears, ") +
         shortNumber(floatBytes / 1048576) + " MB in float, " +
         shortNumber(100 * floatBytes / quantizedBytes) + " % of their " +
         std::to_string(bits) + "-bit codes";
}

std::pair<double, double> quantutil::protectionBytes(LinearOp lin, int64_t k,
                                                     int bits) {
  int64_t out = lin.getWeight().getType().getDimSize(0);
  int64_t cols = lin.getWeight().getType().getDimSize(1);
  unsigned bytes =
      lin.getInput().getType().getElementType().getIntOrFloatBitWidth() / 8;
  return {double(k) * double(cols + out) * bytes,
          double(out) * double(cols) * bits / 8};
}

ProtectOp quantutil::addProtection(OpBuilder &b, LinearOp lin,
                                   Value directions, Value correction) {
  Location loc = lin.getLoc();
  Type et = lin.getInput().getType().getElementType();
  auto dt = cast<RankedTensorType>(directions.getType());
  if (dt.getElementType() != et)
    directions =
        arith::TruncFOp::create(b, loc, dt.clone(et), directions);
  OpBuilder::InsertionGuard g(b);
  b.setInsertionPointAfter(lin);
  auto prot = ProtectOp::create(b, loc, lin.getType(), lin.getResult(),
                                lin.getInput(), directions, correction);
  lin.getResult().replaceAllUsesExcept(prot, prot);
  return prot;
}

LogicalResult quantutil::checkOptions(Operation *op, int64_t bits,
                                      std::optional<StringRef> mode,
                                      std::optional<double> clipRatio) {
  if (bits < 2 || bits > 8)
    return op->emitError("bits must be in 2..8, got ") << bits;
  if (mode && *mode != "real" && *mode != "fake")
    return op->emitError("mode must be real or fake, got '") << *mode << "'";
  if (clipRatio && !(*clipRatio > 0 && *clipRatio <= 1))
    return op->emitError("clip-ratio must be in (0, 1], got ") << *clipRatio;
  return success();
}

LogicalResult quantutil::checkGroupSize(LinearOp lin, int64_t groupSize) {
  int64_t cols = lin.getWeight().getType().getDimSize(1);
  if (groupSize < 0 || (groupSize > 0 && cols % groupSize))
    return lin.emitError("group-size ")
           << groupSize << " does not divide the " << cols
           << " input channels of " << model::describe(lin);
  return success();
}

LogicalResult quantutil::checkRaised(Operation *root, StringRef pass) {
  bool anyLinear = false;
  root->walk([&](LinearOp) { anyLinear = true; });
  SmallVector<Operation *> unraised = model::unraisedContractions(root);
  if (!anyLinear && !unraised.empty())
    return root->emitError()
           << pass << ": no rotq.linear to quantize, but " << unraised.size()
           << " matmul(s) with constant weights: run --rotq-raise-model "
              "first, or report the form it does not recognise";
  for (Operation *op : unraised)
    op->emitWarning() << pass
                      << ": left in float, rotq-raise-model did not "
                         "recognise this matmul as a linear";
  if (!anyLinear)
    root->emitWarning() << pass << ": no linear layers, nothing to quantize";
  return success();
}

bool quantutil::isLmHead(LinearOp lin) {
  // Exporters reshape the logits before returning them (torch-mlir adds the
  // batch dimension back with tensor.expand_shape): follow ops that only
  // change the shape or the element type.
  SmallVector<Value> work = {lin.getResult()};
  llvm::SmallPtrSet<Operation *, 8> seen;
  while (!work.empty()) {
    Value v = work.pop_back_val();
    for (Operation *u : v.getUsers()) {
      if (isa<func::ReturnOp>(u))
        return true;
      if (!seen.insert(u).second)
        continue;
      if (isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp, tensor::CastOp,
              tensor::ReshapeOp, arith::ExtFOp, arith::TruncFOp>(u))
        work.push_back(u->getResult(0));
      else if (auto g = dyn_cast<linalg::GenericOp>(u);
               g && model::isElementwiseCast(g))
        work.push_back(g.getResult(0));
    }
  }
  return false;
}

void quantutil::replaceWeight(LinearOp lin, const quant::Quantized &q,
                              int bits, bool fake) {
  if (fake) {
    std::vector<float> deq = quant::dequantize(q);
    model::setConstant(lin.getWeightMutable(),
                       std::vector<double>(deq.begin(), deq.end()), ".wq");
    return;
  }
  OpBuilder b(lin);
  Location loc = lin.getLoc();
  auto wt = lin.getWeight().getType();
  int64_t rows = q.rows, cols = q.cols;
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
  Value scales = blobConstant<float>(b, loc, {rows, q.groups}, b.getF32Type(),
                                     q.scales, name + ".scales");
  Value zp;
  if (!q.zeroPoints.empty())
    zp = blobConstant<int8_t>(b, loc, {rows, q.groups}, i8, q.zeroPoints,
                              name + ".zeros");
  Value deqW = DequantizeOp::create(b, loc, wt, codes, scales, zp);
  Operation *old = lin.getWeight().getDefiningOp();
  lin.getWeightMutable().set(deqW);
  if (old && old->use_empty())
    old->erase();
}

Value quantutil::quantizeWeight(OpBuilder &b, Location loc, Value w,
                                int64_t bits, bool asymmetric,
                                int64_t groupSize,
                                std::optional<double> clipSearch, bool pack,
                                ElementsAttr clipMetric, bool metricRounding) {
  Codes c = quantizeDynamic(b, loc, w, bits, asymmetric, groupSize, 1.0,
                            clipSearch, clipMetric, metricRounding);
  auto wt = cast<RankedTensorType>(w.getType());
  int64_t cols = wt.getShape().back();
  Value codes = c.codes;
  if (pack && (bits == 4 || bits == 2) && cols % (8 / bits) == 0) {
    SmallVector<int64_t> packed(wt.getShape());
    packed.back() = cols / (8 / bits);
    Type i8 = b.getI8Type();
    Value p = PackOp::create(b, loc, RankedTensorType::get(packed, i8), codes,
                             b.getI64IntegerAttr(bits));
    codes = UnpackOp::create(b, loc, wt.clone(i8), p,
                             b.getI64IntegerAttr(bits));
  }
  return DequantizeOp::create(b, loc, wt, codes, c.scale, c.zeroPoint);
}

quantutil::Codes quantutil::quantizeDynamic(OpBuilder &b, Location loc,
                                            Value x, int64_t bits,
                                            bool asymmetric, int64_t groupSize,
                                            double clipRatio,
                                            std::optional<double> clipSearch,
                                            ElementsAttr clipMetric,
                                            bool metricRounding) {
  auto t = cast<RankedTensorType>(x.getType());
  SmallVector<int64_t> scaleShape(t.getShape());
  scaleShape.back() = groupSize > 0 ? t.getShape().back() / groupSize : 1;
  auto scaleType = RankedTensorType::get(scaleShape, b.getF32Type());
  auto codeType = t.clone(b.getI8Type());
  Type zpType = asymmetric ? scaleType.clone(b.getI8Type()) : Type();
  auto q = QuantizeOp::create(
      b, loc, codeType, scaleType, zpType, x, Value(), Value(),
      b.getI64IntegerAttr(bits),
      GranularityAttr::get(b.getContext(), groupSize > 0 ? Granularity::Group
                                                         : Granularity::Row),
      groupSize > 0 ? b.getI64IntegerAttr(groupSize) : IntegerAttr(),
      asymmetric ? b.getUnitAttr() : UnitAttr(), b.getF64FloatAttr(clipRatio),
      clipSearch ? b.getF64FloatAttr(*clipSearch) : FloatAttr(), clipMetric,
      metricRounding ? b.getUnitAttr() : UnitAttr());
  return {q.getCodes(), q.getOutScale(), q.getOutZeroPoint()};
}

Value quantutil::fakeQuantize(OpBuilder &b, Location loc, Value x,
                              int64_t bits, bool asymmetric, int64_t groupSize,
                              double clipRatio) {
  Codes c = quantizeDynamic(b, loc, x, bits, asymmetric, groupSize, clipRatio);
  return DequantizeOp::create(b, loc, x.getType(), c.codes, c.scale,
                              c.zeroPoint);
}
