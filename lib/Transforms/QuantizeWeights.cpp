//===- QuantizeWeights.cpp - the rotq-quantize-weights pass ---------------===//
//
// RTN weight quantization as IR on the weight value: rotq.quantize (with
// the clip search as its clip_search attribute), rotq.pack / rotq.unpack for
// 4- and 2-bit codes, rotq.dequantize feeding the linear. The pass reads no
// weight data: rotq-materialize (or the tools, before running) evaluates
// the quantizer with the rules of Support/Quantizer, in float64.
//
//===----------------------------------------------------------------------===//
#include "rotq/Transforms/ModelUtils.h"
#include "rotq/Transforms/QuantUtils.h"

#include "rotq/Dialect/Rotq/IR/RotqOps.h"
#include "rotq/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

#include <cmath>
#include <cstdio>

namespace mlir::rotq {
#define GEN_PASS_DEF_QUANTIZEWEIGHTS
#include "rotq/Transforms/Passes.h.inc"
} // namespace mlir::rotq

using namespace mlir;
using namespace mlir::rotq;

namespace {
constexpr const char *kOutputMetric = "rotq.calibration.output_metric";

/// `v` with `digits` significant digits, as %g prints it.
std::string shortNumber(double v, int digits = 6) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*g", digits, v);
  return buf;
}

/// What protect-directions adds to one linear.
struct Protection {
  std::vector<float> directions; // [K, in], orthonormal rows
  ElementsAttr searchMetric;     // the metric without the protected part
  std::string summary;           // for the report
  double floatBytes = 0, quantizedBytes = 0;
};

struct QuantizeWeightsPass
    : mlir::rotq::impl::QuantizeWeightsBase<QuantizeWeightsPass> {
  using QuantizeWeightsBase::QuantizeWeightsBase;

  /// The `protect` leading directions of lin's metric M = diag(D) + V^T V
  /// (rows of V are sqrt(energy) * unit eigenvector): the unit vectors,
  /// and the metric the clip search sees once the error along them is
  /// corrected exactly, D and the remaining rows of V.
  std::optional<Protection> protection(LinearOp lin, ElementsAttr metric) {
    auto t = cast<ShapedType>(metric.getType());
    int64_t rank = t.getDimSize(0) - 1, cols = t.getDimSize(1);
    if (rank < protect) {
      lin.emitError() << "protect-directions=" << protect.getValue() << ": the "
                      << kOutputMetric << " of " << model::describe(lin)
                      << " holds " << rank
                      << " directions (run rotq-calibrate with metric-rank >= "
                      << protect.getValue()
                      << ", or protect fewer; protect-directions=0 turns "
                         "protection off)";
      return std::nullopt;
    }
    std::optional<std::vector<double>> rows = readF64Elements(metric);
    if (!rows) {
      lin.emitError() << "cannot read the " << kOutputMetric << " of "
                      << model::describe(lin);
      return std::nullopt;
    }
    Protection p;
    int64_t k = protect;
    auto m = ::rotq::quant::OutputMetric::fromRows(rows->data(), rank, cols);
    p.searchMetric = model::dataAttr<double>(
        RankedTensorType::get({1 + rank - k, cols},
                              Float64Type::get(lin.getContext())),
        m.withoutLeading(k).toRows(), "rotq.protected_metric");
    std::vector<double> units = m.unitDirections(k);
    p.directions.assign(units.begin(), units.end());
    std::tie(p.floatBytes, p.quantizedBytes) =
        quantutil::protectionBytes(lin, k, bits);
    p.summary = quantutil::protectionSummary(m, k, p.floatBytes,
                                             p.quantizedBytes);
    return p;
  }

  /// lin's users read rotq.protect(lin, x, P, C) with C the error of `wq`
  /// along P, computed offline.
  void protectLinear(OpBuilder &b, LinearOp lin, Value w, Value wq,
                     const Protection &p) {
    Location loc = lin.getLoc();
    int64_t cols = lin.getWeight().getType().getDimSize(1);
    int64_t out = lin.getWeight().getType().getDimSize(0);
    int64_t k = protect;
    Type et = lin.getInput().getType().getElementType();
    Value dirs = quantutil::blobConstant<float>(
        b, loc, {k, cols}, b.getF32Type(), p.directions,
        "rotq.protected_directions");
    Value c = ErrorProjectionOp::create(
        b, loc, RankedTensorType::get({out, k}, et), w, wq, dirs);
    quantutil::addProtection(b, lin, dirs, c);
  }

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (failed(quantutil::checkOptions(func, bits, StringRef(mode))) ||
        failed(quantutil::checkRaised(func, getArgument())))
      return signalPassFailure();
    if (objective != "weight" && objective != "output") {
      func.emitError("objective must be weight or output, got '")
          << objective << "'";
      return signalPassFailure();
    }
    bool output = objective == "output";
    if (output && !clipSearch) {
      func.emitError("objective=output chooses clip ratios: it needs "
                     "clip-search=true");
      return signalPassFailure();
    }
    if (rounding != "nearest" && rounding != "output") {
      func.emitError("rounding must be nearest or output, got '")
          << rounding << "'";
      return signalPassFailure();
    }
    if (rounding == "output" && !output) {
      func.emitError("rounding=output descends on the output error: it "
                     "needs objective=output");
      return signalPassFailure();
    }
    if (protect < 0) {
      func.emitError("protect-directions must be >= 0, got ")
          << protect.getValue();
      return signalPassFailure();
    }
    if (protect > 0 && !output) {
      func.emitError("protect-directions takes the leading directions of "
                     "the output metric: it needs objective=output");
      return signalPassFailure();
    }
    if (clipSearch && !(clipMin > 0 && clipMin <= 1)) {
      func.emitError("clip-min must be in (0, 1], got ") << clipMin.getValue();
      return signalPassFailure();
    }
    int64_t protectedLinears = 0;
    double floatBytes = 0, quantizedBytes = 0;
    WalkResult r = func.walk([&](LinearOp lin) -> WalkResult {
      if (skipLmHead && quantutil::isLmHead(lin))
        return WalkResult::advance();
      if (lin.getWeight().getDefiningOp<DequantizeOp>())
        return WalkResult::advance(); // already quantized
      if (failed(quantutil::checkGroupSize(lin, groupSize)))
        return WalkResult::interrupt();
      ElementsAttr metric;
      if (output) {
        metric = lin->getAttrOfType<ElementsAttr>(kOutputMetric);
        if (!metric)
          return lin.emitError("objective=output: ")
                 << model::describe(lin) << " has no " << kOutputMetric
                 << " (run rotq-calibrate with metric-rank first)";
        auto t = cast<ShapedType>(metric.getType());
        int64_t cols = lin.getWeight().getType().getDimSize(1);
        if (!t.getElementType().isF64() || t.getRank() != 2 ||
            t.getDimSize(0) < 1 || t.getDimSize(1) != cols)
          return lin.emitError() << kOutputMetric << " of "
                                 << model::describe(lin) << " must be f64 [1 + r, "
                                 << cols << "], found " << t;
      }
      OpBuilder b(lin);
      Value w = lin.getWeight();
      std::optional<Protection> prot;
      if (protect > 0) {
        prot = protection(lin, metric);
        if (!prot)
          return WalkResult::interrupt();
        metric = prot->searchMetric;
      }
      Value wq = quantutil::quantizeWeight(
          b, lin.getLoc(), w, bits, asymmetric, groupSize,
          clipSearch ? std::optional<double>(clipMin) : std::nullopt,
          /*pack=*/mode == "real", metric, rounding == "output");
      lin.getWeightMutable().set(wq);
      if (prot) {
        protectLinear(b, lin, w, wq, *prot);
        ++protectedLinears;
        floatBytes += prot->floatBytes;
        quantizedBytes += prot->quantizedBytes;
      }
      if (report) {
        auto d = lin.emitRemark();
        d << bits.getValue() << "-bit weights ("
          << (groupSize > 0 ? "per group of " + std::to_string(groupSize)
                            : std::string("per channel"));
        if (clipSearch)
          d << ", clip search down to " << shortNumber(clipMin) << " for the "
            << (output ? "smallest output error, metric rank " +
                             std::to_string(cast<ShapedType>(metric.getType())
                                                .getDimSize(0) -
                                            1)
                       : std::string("smallest weight error"));
        if (rounding == "output")
          d << ", output-aware rounding";
        if (prot)
          d << ", " << prot->summary;
        d << ")";
      }
      return WalkResult::advance();
    });
    if (r.wasInterrupted())
      return signalPassFailure();
    // What the corrections add to the model, for its size report.
    if (report && protectedLinears > 0)
      func.emitRemark() << quantutil::protectionTotals(
          protectedLinears, floatBytes, quantizedBytes, bits);
  }
};
} // namespace
