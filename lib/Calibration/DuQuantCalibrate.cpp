//===- DuQuantCalibrate.cpp - the rotq-duquant-calibrate pass -------------===//
//
// One calibration run of the model gives, per linear input, the maxima
// (for the smoothing) and the activation averaged over the sequences (on
// which the rotations and the permutation are fitted, as the reference
// fits them). Smoothing is a known diagonal, so the smoothed activation is
// X / L without a second run; the transforms of other groups are exact and
// do not change this one's float input.
//
//===----------------------------------------------------------------------===//
#include "rotq/Calibration/Calibration.h"
#include "rotq/Transforms/ModelUtils.h"
#include "rotq/Transforms/QuantUtils.h"

#include "rotq/Calibration/Passes.h"
#include "rotq/Dialect/Rotq/IR/RotqOps.h"
#include "rotq/Materialize/Materialize.h"
#include "rotq/Support/DuQuant.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>

namespace mlir::rotq {
#define GEN_PASS_DEF_DUQUANTCALIBRATE
#include "rotq/Calibration/Passes.h.inc"
} // namespace mlir::rotq

using namespace mlir;
using namespace mlir::rotq;
namespace duquant = ::rotq::duquant;

namespace {
std::string fmt(double v) { return llvm::formatv("{0}", llvm::format("%.4g", v)).str(); }

struct DuQuantCalibratePass
    : mlir::rotq::impl::DuQuantCalibrateBase<DuQuantCalibratePass> {
  using DuQuantCalibrateBase::DuQuantCalibrateBase;

  void runOnOperation() override {
    ModuleOp m = getOperation();
    if (permutation != "zigzag" && permutation != "none") {
      m.emitError("rotq-duquant-calibrate: permutation must be zigzag or "
                  "none, got '")
          << permutation << "'";
      return signalPassFailure();
    }
    if (!(alpha >= 0 && alpha <= 1) || blockSize < 1 || steps < 0) {
      m.emitError("rotq-duquant-calibrate: alpha must be in [0, 1], "
                  "block-size positive and steps non-negative");
      return signalPassFailure();
    }
    if (failed(quantutil::checkRaised(m, getArgument())))
      return signalPassFailure();
    for (auto func : m.getOps<func::FuncOp>())
      if (failed(runOnFunction(func)))
        return signalPassFailure();
  }

  LogicalResult runOnFunction(func::FuncOp func) {
    // Groups: the linears reading one value, in program order.
    SmallVector<Value> inputs;
    DenseMap<Value, SmallVector<LinearOp>> readers;
    func.walk([&](LinearOp lin) {
      if (skipLmHead && quantutil::isLmHead(lin))
        return;
      auto [it, fresh] = readers.try_emplace(lin.getInput());
      if (fresh)
        inputs.push_back(lin.getInput());
      it->second.push_back(lin);
    });
    if (inputs.empty())
      return success();
    SmallVector<LinearOp> firsts;
    for (Value v : inputs)
      firsts.push_back(readers[v].front());
    calib::Options o{calibration, calibrationSamples, calibrationLength, seed,
                     calibrationBos};
    auto tokens = calib::loadTokens(func, o);
    if (failed(tokens))
      return failure();
    auto stats = calib::collect(func, firsts, *tokens, /*hessian=*/false,
                                /*sampleMean=*/true);
    if (failed(stats))
      return failure();
    for (auto [g, v] : llvm::enumerate(inputs))
      if (failed(calibrateGroup(readers[v], *(*stats)[g], g)))
        return failure();
    return success();
  }

  LogicalResult calibrateGroup(ArrayRef<LinearOp> group,
                               const calib::Stats &s, uint64_t index) {
    LinearOp first = group.front();
    int64_t c = s.channels;
    if (c <= 0)
      return first.emitError("rotq-duquant-calibrate: the input of ")
             << model::describe(first) << " has no channels";
    if (s.nonFinite > 0)
      return first.emitError("rotq-duquant-calibrate: the input of ")
             << model::describe(first) << " has " << s.nonFinite
             << " NaN or infinite values on the calibration tokens";
    Builder b(&getContext());
    std::string name = model::describe(first);
    std::string note;
    llvm::raw_string_ostream os(note);
    os << "duquant:";
    for (LinearOp lin : group)
      os << " " << model::describe(lin);

    // Smoothing.
    std::vector<double> smooth(c, 1.0);
    if (alpha > 0) {
      std::vector<double> wmax(c, 0.0);
      for (LinearOp lin : group) {
        ::rotq::materialize::Options mo;
        mo.progress = false;
        auto w = ::rotq::materialize::evaluate(lin.getWeight(), mo);
        if (!w)
          return lin.emitError("rotq-duquant-calibrate: the weight of ")
                 << model::describe(lin) << ": " << toString(w.takeError());
        for (size_t i = 0; i < w->size(); ++i)
          wmax[i % c] = std::max(wmax[i % c], std::abs((*w)[i]));
      }
      std::vector<double> amax = s.absMax;
      // o_proj under grouped heads: one factor per value channel, so that
      // it can be fused into v_proj's rows.
      std::string why;
      auto chain = model::valueChainInto(first, why);
      if (group.size() == 1 && succeeded(chain) &&
          chain->kvHeads < chain->heads &&
          chain->heads * chain->headDim == c) {
        int64_t per = chain->heads / chain->kvHeads, hd = chain->headDim;
        for (std::vector<double> *v : {&amax, &wmax})
          for (int64_t g = 0; g < chain->kvHeads; ++g)
            for (int64_t j = 0; j < hd; ++j) {
              double mx = 0;
              for (int64_t h = g * per; h < (g + 1) * per; ++h)
                mx = std::max(mx, (*v)[h * hd + j]);
              for (int64_t h = g * per; h < (g + 1) * per; ++h)
                (*v)[h * hd + j] = mx;
            }
        os << "; smoothing shared by the " << per
           << " query heads of each value head";
      }
      smooth = duquant::smoothingFactors(amax, wmax, alpha);
      auto [lo, hi] = std::minmax_element(smooth.begin(), smooth.end());
      os << "; smoothing in [" << fmt(*lo) << ", " << fmt(*hi) << "]";
      ElementsAttr attr =
          model::dataAttr<double>(RankedTensorType::get({c}, b.getF64Type()),
                                  smooth,
                                  "duquant_smooth_" + std::to_string(index));
      for (LinearOp lin : group)
        lin->setAttr("rotq.duquant.smooth", attr);
    }

    std::string why;
    int64_t blk = duquant::chooseBlockSize(c, blockSize, &why);
    if (blk == 0) {
      first.emitWarning("rotq-duquant-calibrate: input of ")
          << name << " not rotated: " << why;
      return success();
    }
    os << "; " << (why.empty() ? "block " + std::to_string(blk) : why);
    std::vector<double> x = s.sampleMean;
    for (size_t i = 0; i < x.size(); ++i)
      x[i] /= smooth[i % c];

    auto fit = [&](const char *what, uint64_t stage) -> std::vector<double> {
      std::vector<double> base =
          duquant::baseRotation(blk, rotationSeed * 1000003 + 2 * index + stage);
      duquant::Greedy g = duquant::greedyRotation(x, blk, base, steps);
      os << "; " << what << ": " << g.kept << " of " << steps
         << " steps, peak " << fmt(g.peaks.front()) << " -> "
         << fmt(g.peaks[g.kept]);
      if (g.kept == 0)
        return {};
      x = duquant::applyBlockRotation(x, c, g.rotation, blk);
      return std::move(g.rotation);
    };
    auto attach = [&](StringRef key, const std::vector<double> &r,
                      uint64_t stage) {
      if (r.empty())
        return;
      ElementsAttr attr = model::dataAttr<double>(
          RankedTensorType::get({blk, blk}, b.getF64Type()), r,
          "duquant_r" + std::to_string(stage) + "_" + std::to_string(index));
      for (LinearOp lin : group)
        lin->setAttr(key, attr);
    };
    attach("rotq.duquant.rotation1", fit("rotation 1", 1), 1);

    if (permutation == "zigzag" && c / blk > 1) {
      std::vector<int64_t> perm =
          duquant::zigzagPermutation(duquant::columnAbsMax(x, c), blk);
      double before = duquant::blockMeanVariance(duquant::columnAbsMean(x, c), blk);
      std::vector<double> y(x.size());
      for (size_t r = 0; r < x.size(); r += c)
        for (int64_t j = 0; j < c; ++j)
          y[r + j] = x[r + perm[j]];
      x = std::move(y);
      double after = duquant::blockMeanVariance(duquant::columnAbsMean(x, c), blk);
      os << "; zigzag: between-block variance of mean |x| " << fmt(before)
         << " -> " << fmt(after);
      for (LinearOp lin : group)
        lin->setAttr("rotq.duquant.permutation", b.getDenseI64ArrayAttr(perm));
    }
    if (secondRotation)
      attach("rotq.duquant.rotation2", fit("rotation 2", 2), 2);
    if (report)
      emitRemark(first.getLoc()) << note;
    return success();
  }
};
} // namespace
