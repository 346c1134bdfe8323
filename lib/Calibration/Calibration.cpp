//===- Calibration.cpp - activation statistics from CPU runs --------------===//
#include "rotq/Calibration/Calibration.h"

#include "rotq/Materialize/Materialize.h"
#include "rotq/Runner/Runner.h"
#include "rotq/Transforms/ModelUtils.h"
#include "rotq/Support/Npy.h"
#include "rotq/Support/Random.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/Support/Parallel.h"

#include <cmath>
#include <cstring>

using namespace mlir;
using namespace mlir::rotq;
namespace run = ::rotq::run;
namespace npy = ::rotq::npy;

FailureOr<std::vector<std::vector<int64_t>>>
calib::loadTokens(func::FuncOp func, const Options &o) {
  auto args = func.getArgumentTypes();
  auto t = args.size() == 1 ? dyn_cast<RankedTensorType>(args[0]) : nullptr;
  if (!t || t.getRank() != 1 || !t.getElementType().isInteger()) {
    func.emitError("calibration runs @")
        << func.getSymName()
        << " on token ids: it must take one 1-D integer tensor";
    return failure();
  }
  std::vector<std::vector<int64_t>> seqs;
  if (!o.file.empty()) {
    auto read = npy::readTokenSequences(o.file);
    if (!read) {
      func.emitError("calibration tokens: ") << toString(read.takeError());
      return failure();
    }
    seqs = std::move(*read);
    int64_t vocab = 0;
    func.walk([&](EmbeddingOp e) {
      if (!vocab)
        vocab = e.getTable().getType().getDimSize(0);
    });
    if (llvm::Error e = npy::checkTokenRange(
            seqs, ShapedType::isDynamic(vocab) ? 0 : vocab, o.file)) {
      func.emitError("calibration tokens: ") << toString(std::move(e));
      return failure();
    }
  } else {
    int64_t vocab = 0;
    func.walk([&](EmbeddingOp e) {
      if (!vocab)
        vocab = e.getTable().getType().getDimSize(0);
    });
    if (vocab <= 0) {
      func.emitError("calibration needs token ids: no rotq.embedding gives the "
                     "vocabulary size; pass a calibration file");
      return failure();
    }
    if (o.samples <= 0 || o.length <= 0) {
      func.emitError("calibration needs at least one sequence of at least one "
                     "token");
      return failure();
    }
    // Statistics are gathered over every token: bound the request before
    // allocating it.
    constexpr int64_t kMaxTokens = int64_t(1) << 24;
    int64_t total;
    if (__builtin_mul_overflow(o.samples, o.length, &total) ||
        total > kMaxTokens) {
      func.emitError("calibration-samples x calibration-length must be at "
                     "most ")
          << kMaxTokens << " tokens";
      return failure();
    }
    ::rotq::Random rng(o.seed);
    auto bos = func->getAttrOfType<IntegerAttr>("rotq.bos_token_id");
    for (int64_t s = 0; s < o.samples; ++s) {
      std::vector<int64_t> seq(o.length);
      for (int64_t &v : seq)
        v = int64_t(rng.below(uint64_t(vocab)));
      if (o.bos && bos && bos.getInt() >= 0 && bos.getInt() < vocab)
        seq[0] = bos.getInt();
      seqs.push_back(std::move(seq));
    }
  }
  return seqs;
}

FailureOr<::rotq::quant::OutputMetric>
calib::outputMetric(LinearOp lin, const Stats &s, int64_t rank) {
  if (s.nonFinite)
    return lin.emitError("calibration: the input of ")
           << model::describe(lin) << " has " << s.nonFinite
           << " NaN or infinite values; no output-error metric";
  std::vector<double> h = s.hessian;
  for (double &v : h)
    v /= double(std::max<int64_t>(s.tokens, 1));
  return ::rotq::quant::OutputMetric::fromSecondMoments(h, s.channels, rank);
}

FailureOr<std::vector<std::shared_ptr<const calib::Stats>>>
calib::collect(func::FuncOp func, ArrayRef<LinearOp> linears,
               const std::vector<std::vector<int64_t>> &tokens, bool hessian,
               bool sampleMean) {
  auto program = Program::build(func);
  if (failed(program))
    return failure();
  return (*program)->collect(linears, tokens, hessian, sampleMean);
}

std::vector<std::vector<LinearOp>> calib::sequentialGroups(func::FuncOp func) {
  // depth(v) = number of linears on the longest def chain ending at v.
  DenseMap<Operation *, int64_t> depth;
  std::vector<std::vector<LinearOp>> groups;
  func.walk([&](Operation *op) {
    int64_t d = 0;
    for (Value v : op->getOperands())
      if (Operation *def = v.getDefiningOp())
        d = std::max(d, depth.lookup(def));
    if (auto lin = dyn_cast<LinearOp>(op)) {
      int64_t in = 0;
      if (Operation *def = lin.getInput().getDefiningOp())
        in = depth.lookup(def);
      if (groups.size() <= size_t(in))
        groups.resize(in + 1);
      groups[in].push_back(lin);
      d = std::max(d, in + 1);
    }
    depth[op] = d;
  });
  llvm::erase_if(groups, [](auto &g) { return g.empty(); });
  return groups;
}
