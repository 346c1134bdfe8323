//===- Program.cpp - calibration runs of a model, segment by segment ------===//
//
// The calibration program is a clone of the model in which every static
// f32 linear weight is an argument and every linear input an extra result.
// Cut at the first linear of each calibration group, its segments are
// compiled as separate functions; values crossing a cut travel through the
// host (scalars as one-element tensors). Each run of a segment is recorded
// with the generations of the activations it read and the identity of the
// weights it was given, so a collection reruns only what changed.
//
//===----------------------------------------------------------------------===//
#include "rotq/Calibration/Calibration.h"

#include "rotq/Materialize/Materialize.h"
#include "rotq/Runner/Runner.h"
#include "rotq/Support/Npy.h"
#include "rotq/Transforms/ModelUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/Support/Parallel.h"

#include "llvm/ADT/ScopeExit.h"

#include <chrono>
#include <cmath>
#include <cstring>
#include <functional>

using namespace mlir;
using namespace mlir::rotq;
namespace run = ::rotq::run;
namespace npy = ::rotq::npy;

namespace {
/// The name of every segment function (each in its own module).
constexpr const char *kSegmentName = "rotq_calibration_segment";

/// What a weight is made of: its defining ops' names, attributes (uniqued:
/// equal pointers, equal values) and structure, depth first. Two weights
/// with equal fingerprints evaluate to the same data.
using Fingerprint = std::vector<const void *>;

Fingerprint fingerprint(Value root) {
  Fingerprint fp;
  DenseMap<Operation *, uintptr_t> seen;
  auto word = [&](uintptr_t w) { fp.push_back(reinterpret_cast<void *>(w)); };
  std::function<void(Value)> visit = [&](Value v) {
    if (auto arg = dyn_cast<BlockArgument>(v)) {
      word(1);
      fp.push_back(arg.getOwner());
      word(arg.getArgNumber());
      return;
    }
    Operation *d = v.getDefiningOp();
    word(cast<OpResult>(v).getResultNumber());
    if (auto it = seen.find(d); it != seen.end()) {
      word(2);
      word(it->second);
      return;
    }
    seen[d] = seen.size();
    word(3);
    fp.push_back(d->getName().getAsOpaquePointer());
    fp.push_back(d->getAttrDictionary().getAsOpaquePointer());
    for (Type t : d->getResultTypes())
      fp.push_back(t.getAsOpaquePointer());
    word(d->getNumOperands());
    for (Value o : d->getOperands())
      visit(o);
  };
  visit(root);
  return fp;
}

/// The host form of a value crossing a cut: tensors as they are, scalars as
/// one-element tensors (index as i64, i1 as i8); null when unsupported.
Type hostForm(Type t) {
  if (isa<RankedTensorType>(t))
    return t;
  Type e = t;
  if (t.isIndex())
    e = IntegerType::get(t.getContext(), 64);
  else if (t.isInteger(1))
    e = IntegerType::get(t.getContext(), 8);
  else if (!isa<IntegerType, FloatType>(t))
    return {};
  return RankedTensorType::get({1}, e);
}

Value toHost(OpBuilder &b, Location loc, Value v) {
  Type t = v.getType();
  if (isa<RankedTensorType>(t))
    return v;
  auto host = cast<RankedTensorType>(hostForm(t));
  if (t.isIndex())
    v = arith::IndexCastOp::create(b, loc, host.getElementType(), v);
  else if (t.isInteger(1))
    v = arith::ExtUIOp::create(b, loc, host.getElementType(), v);
  return tensor::FromElementsOp::create(b, loc, host, ValueRange{v});
}

Value fromHost(OpBuilder &b, Location loc, Value arg, Type t) {
  if (isa<RankedTensorType>(t))
    return arg;
  Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
  Value v = tensor::ExtractOp::create(b, loc, arg, ValueRange{c0});
  if (t.isIndex())
    return arith::IndexCastOp::create(b, loc, t, v);
  if (t.isInteger(1))
    return arith::TruncIOp::create(b, loc, t, v);
  return v;
}

/// Tokens whose second moments are added together.
constexpr int64_t kHessianBlock = 64;

/// h[j][k] += sum_t x[t][j] x[t][k] for k <= j over the `rows` x `c` block
/// `x`: each h row stays in cache while the block's tokens pass, and rows
/// are shared among threads; every element still sums its tokens in order,
/// so the result is the token-by-token sum's, bit for bit.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx2", "default")))
#endif
void accumulateRows(double *h, const double *x, int64_t rows, int64_t c,
                    int64_t j0, int64_t j1) {
  for (int64_t j = j0; j < j1; ++j) {
    double *hj = &h[j * c];
    for (int64_t t = 0; t < rows; ++t) {
      const double *xt = &x[t * c];
      double rj = xt[j];
      for (int64_t k = 0; k <= j; ++k)
        hj[k] += rj * xt[k];
    }
  }
}

void accumulateLower(double *h, const double *x, int64_t rows, int64_t c) {
  // Chunks of rows of equal work (row j costs j + 1).
  constexpr int64_t kChunks = 16;
  std::vector<int64_t> bounds{0};
  for (int64_t i = 1; i < kChunks; ++i)
    bounds.push_back(
        std::max(bounds.back(), int64_t(double(c) * std::sqrt(double(i) /
                                                              kChunks))));
  bounds.push_back(c);
  llvm::parallelFor(0, kChunks, [&](size_t i) {
    accumulateRows(h, x, rows, c, bounds[i], bounds[i + 1]);
  });
}

/// Adds one sequence's activation `a` ([tokens..., channels], f32) to `s`.
void accumulate(calib::Stats &s, const npy::Array &a, bool hessian,
                bool sampleMean, std::vector<double> &block) {
  const float *x = reinterpret_cast<const float *>(a.data.data());
  int64_t c = s.channels, n = a.numElements() / c;
  for (int64_t t = 0; t < n; ++t)
    for (int64_t j = 0; j < c; ++j) {
      double v = double(x[t * c + j]);
      s.absMax[j] = std::max(s.absMax[j], std::fabs(v));
      s.nonFinite += std::isfinite(v) ? 0 : 1;
    }
  for (int64_t t0 = 0; hessian && t0 < n; t0 += kHessianBlock) {
    int64_t rows = std::min(kHessianBlock, n - t0);
    block.resize(rows * c);
    for (int64_t e = 0; e < rows * c; ++e)
      block[e] = double(x[t0 * c + e]);
    accumulateLower(s.hessian.data(), block.data(), rows, c);
  }
  if (sampleMean) {
    if (s.sampleMean.empty() || n < s.meanRows) {
      s.meanRows = n;
      s.sampleMean.resize(n * c, 0.0);
    }
    for (int64_t t = 0; t < s.meanRows * c; ++t)
      s.sampleMean[t] += double(x[t]);
  }
  s.tokens += n;
}
} // namespace

struct calib::Program::Impl {
  struct Segment {
    OwningOpRef<ModuleOp> module;
    std::unique_ptr<run::Compiled> compiled;
    run::Signature sig;
    /// Values of the clone the segment reads, in argument order: the
    /// tokens, weights (arguments of the clone) and earlier outputs.
    SmallVector<Value> inputs;
    /// Values it defines that later segments or the statistics read.
    SmallVector<Value> outputs;
    bool ran = false;
    /// At the last run: each input's generation, each weight's fingerprint.
    std::vector<uint64_t> consumed;
    std::vector<Fingerprint> prints;
  };
  struct ValueInfo {
    int64_t producer = -1;
    uint64_t generation = 0;
    /// The last segment reading the value (-1: only the statistics).
    int64_t lastReader = -1;
  };

  func::FuncOp func;
  OwningOpRef<ModuleOp> clone;
  func::FuncOp cf;
  /// Linears of `func` whose weight is argument 1 + i of the clone.
  SmallVector<LinearOp> weightArgs;
  /// Input of a linear of `func` -> its f32 value in the clone.
  DenseMap<Value, Value> statsOf;
  /// Linear of `func` -> the segment holding it (linears that feed no
  /// statistic, like the LM head, are not compiled).
  DenseMap<Operation *, int64_t> segmentOf;
  std::vector<Segment> segments;
  DenseMap<Value, ValueInfo> info;
  uint64_t clock = 0;
  int64_t runs = 0;
  double compileSeconds = 0, runSeconds = 0;
  /// The sequences the cache holds activations of, and the cache.
  std::vector<std::vector<int64_t>> tokens;
  std::vector<DenseMap<Value, run::HostTensor>> cache;

  LogicalResult prepare(ArrayRef<std::vector<LinearOp>> groups);
  /// Cuts [0, ops.size()) at `cuts` and compiles the segments; false (and
  /// nothing compiled) when a value crossing a cut has no host form.
  FailureOr<bool> split(ArrayRef<Operation *> ops, ArrayRef<int64_t> cuts);
  void reset() {
    for (Segment &s : segments)
      s.ran = false;
    for (auto &c : cache)
      c.clear();
  }
};

calib::Program::Program() : impl(std::make_unique<Impl>()) {}
calib::Program::~Program() = default;

size_t calib::Program::numSegments() const {
  return llvm::count_if(impl->segments,
                        [](const Impl::Segment &s) { return bool(s.compiled); });
}
size_t calib::Program::numReusedSegments() const {
  return llvm::count_if(impl->segments, [](const Impl::Segment &s) {
    return s.compiled && s.compiled->reusedCode();
  });
}
int64_t calib::Program::segmentRuns() const { return impl->runs; }
double calib::Program::compileSeconds() const { return impl->compileSeconds; }
double calib::Program::runSeconds() const { return impl->runSeconds; }

namespace {
double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                       start)
      .count();
}
} // namespace

FailureOr<std::unique_ptr<calib::Program>>
calib::Program::build(func::FuncOp func,
                      ArrayRef<std::vector<LinearOp>> groups) {
  std::unique_ptr<Program> p(new Program());
  p->impl->func = func;
  if (failed(p->impl->prepare(groups)))
    return failure();
  return p;
}

LogicalResult
calib::Program::Impl::prepare(ArrayRef<std::vector<LinearOp>> groups) {
  auto module = func->getParentOfType<ModuleOp>();
  IRMapping map;
  clone = OwningOpRef<ModuleOp>(cast<ModuleOp>(module->clone(map)));
  cf = cast<func::FuncOp>(map.lookup(func.getOperation()));
  if (!cf.getBody().hasOneBlock()) {
    func.emitError("calibration: @")
        << func.getSymName() << " must have a single block";
    return failure();
  }
  Block &body = cf.getBody().front();
  auto ret = cast<func::ReturnOp>(body.getTerminator());

  // Every linear's input is returned as f32 (converted where it is made,
  // so that the conversion lies in the input's segment).
  SmallVector<Value> stats;
  func.walk([&](LinearOp lin) {
    if (statsOf.count(lin.getInput()))
      return;
    Value c = map.lookup(lin.getInput());
    auto t = cast<RankedTensorType>(c.getType());
    if (!t.getElementType().isF32()) {
      OpBuilder b(c.getContext());
      b.setInsertionPointAfterValue(c);
      c = arith::ExtFOp::create(b, c.getLoc(), t.clone(b.getF32Type()), c);
    }
    statsOf[lin.getInput()] = c;
    stats.push_back(c);
  });
  OpBuilder b(ret);
  func::ReturnOp::create(b, ret.getLoc(), stats);
  ret.erase();

  // Every static f32 weight becomes an argument: the weights change
  // between collections (GPTQ), the compiled program does not.
  bool added = true;
  DenseMap<Operation *, Operation *> original;
  func.walk([&](LinearOp lin) {
    auto clin = cast<LinearOp>(map.lookup(lin.getOperation()));
    original[clin] = lin;
    auto wt = lin.getWeight().getType();
    // Weights the evaluator can compute (not ones made from activations).
    if (!added || !wt.getElementType().isF32() ||
        !::rotq::materialize::isEvaluableWeight(lin.getWeight()))
      return;
    unsigned index = cf.getNumArguments();
    if (failed(cf.insertArgument(index, wt, {}, clin.getLoc()))) {
      added = false;
      return;
    }
    clin.getWeightMutable().assign(cf.getArgument(index));
    weightArgs.push_back(lin);
  });
  if (!added) {
    func.emitError("calibration: cannot pass the weights as arguments");
    return failure();
  }
  // What feeds no statistic (the weight chains the arguments replace, the
  // LM head): not compiled.
  SmallVector<Operation *> all;
  for (Operation &op : body)
    all.push_back(&op);
  for (Operation *op : llvm::reverse(all))
    if (isOpTriviallyDead(op))
      op->erase();

  SmallVector<Operation *> ops;
  DenseMap<Operation *, int64_t> position;
  for (Operation &op : body.without_terminator()) {
    position[&op] = int64_t(ops.size());
    ops.push_back(&op);
  }
  // The linears still here (the erased ones are never dereferenced).
  DenseMap<Operation *, int64_t> linearAt;
  for (Operation *op : ops)
    op->walk([&](LinearOp clin) {
      if (auto it = original.find(clin); it != original.end())
        linearAt[it->second] = position[op];
    });

  SmallVector<int64_t> cuts;
  for (const std::vector<LinearOp> &g : groups) {
    int64_t first = int64_t(ops.size());
    for (LinearOp lin : g)
      if (auto it = linearAt.find(lin); it != linearAt.end())
        first = std::min(first, it->second);
    if (first > 0 && first < int64_t(ops.size()))
      cuts.push_back(first);
  }
  llvm::sort(cuts);
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());

  auto split1 = split(ops, cuts);
  if (failed(split1))
    return failure();
  // A value without a host form crosses a cut: one segment.
  if (!*split1) {
    segments.clear();
    info.clear();
    auto whole = split(ops, {});
    if (failed(whole))
      return failure();
    if (!*whole) {
      func.emitError("calibration: the tokens or a linear input of @")
          << func.getSymName() << " has an element type the runner cannot "
          << "carry";
      return failure();
    }
  }
  for (auto [lin, at] : linearAt)
    segmentOf[lin] = *split1 ? llvm::upper_bound(cuts, at) - cuts.begin() : 0;
  return success();
}

FailureOr<bool> calib::Program::Impl::split(ArrayRef<Operation *> ops,
                                            ArrayRef<int64_t> cuts) {
  Block &body = cf.getBody().front();
  int64_t n = int64_t(ops.size());
  DenseMap<Operation *, int64_t> position;
  for (auto [i, op] : llvm::enumerate(ops))
    position[op] = int64_t(i);
  auto positionOf = [&](Operation *op) {
    Operation *top = body.findAncestorOpInBlock(*op);
    auto it = position.find(top);
    return it == position.end() ? n : it->second;
  };
  auto definedAt = [&](Value v) -> int64_t {
    if (auto arg = dyn_cast<BlockArgument>(v))
      return arg.getOwner() == &body ? -1
                                     : positionOf(arg.getOwner()->getParentOp());
    return positionOf(v.getDefiningOp());
  };
  // Values every segment computes for itself rather than receive: constants,
  // parameters and weight chains (the compiler binds or folds them), and
  // sizes and empty tensors computed from the function's arguments alone,
  // so that the segments of identical layers are identical programs (they
  // share their code, see run::compile) rather than each receiving the one
  // empty tensor that the first layer made.
  DenseMap<Value, bool> cloneableCache;
  auto isArgument = [&](Value v) {
    auto arg = dyn_cast<BlockArgument>(v);
    return arg && arg.getOwner() == &body;
  };
  std::function<bool(Value)> cloneable = [&](Value v) -> bool {
    auto it = cloneableCache.find(v);
    if (it != cloneableCache.end())
      return it->second;
    Operation *d = v.getDefiningOp();
    bool c = false;
    if (d && ((d->getNumOperands() == 0 && d->getNumRegions() == 0 &&
               isMemoryEffectFree(d)) ||
              ::rotq::materialize::isEvaluableWeight(v)))
      c = true;
    else if (d && d->getNumRegions() == 0 && isMemoryEffectFree(d) &&
             (isa<tensor::EmptyOp>(d) ||
              llvm::all_of(d->getResultTypes(),
                           [](Type t) { return t.isIntOrIndexOrFloat(); })))
      c = llvm::all_of(d->getOperands(), [&](Value o) {
        return isArgument(o) || cloneable(o);
      });
    cloneableCache[v] = c;
    return c;
  };
  // The function arguments a cloneable value is computed from.
  std::function<void(Value, SetVector<Value> &)> leaves =
      [&](Value v, SetVector<Value> &out) {
        if (isArgument(v)) {
          out.insert(v);
          return;
        }
        if (::rotq::materialize::isEvaluableWeight(v))
          return;
        for (Value o : v.getDefiningOp()->getOperands())
          leaves(o, out);
      };

  SmallVector<int64_t> bounds{0};
  llvm::append_range(bounds, cuts);
  bounds.push_back(n);
  MLIRContext *ctx = cf.getContext();
  for (size_t s = 0; s + 1 < bounds.size(); ++s) {
    int64_t begin = bounds[s], end = bounds[s + 1];
    Segment seg;
    SetVector<Value> in;
    for (int64_t i = begin; i < end; ++i)
      ops[i]->walk([&](Operation *op) {
        for (Value v : op->getOperands())
          if (definedAt(v) < begin)
            cloneable(v) ? leaves(v, in) : (void)in.insert(v);
      });
    for (int64_t i = begin; i < end; ++i)
      for (Value r : ops[i]->getResults())
        if (!cloneable(r) && llvm::any_of(r.getUsers(), [&](Operation *u) {
              return positionOf(u) >= end;
            }))
          seg.outputs.push_back(r);
    seg.inputs = in.takeVector();
    for (Value v : seg.inputs) {
      if (isa<BlockArgument>(v))
        continue;
      ValueInfo &vi = info[v];
      vi.lastReader = std::max(vi.lastReader, int64_t(s));
    }
    for (Value v : seg.outputs)
      info[v].producer = int64_t(s);
    if (seg.outputs.empty()) {
      segments.push_back(std::move(seg));
      continue;
    }

    SmallVector<Type> argTypes, resultTypes;
    for (Value v : seg.inputs)
      argTypes.push_back(hostForm(v.getType()));
    for (Value v : seg.outputs)
      resultTypes.push_back(hostForm(v.getType()));
    if (llvm::is_contained(argTypes, Type()) ||
        llvm::is_contained(resultTypes, Type()))
      return false;

    // The segment's module: the model's attributes and location (relative
    // parameter files are found from it), its other symbols, the segment.
    Location loc = ops[begin]->getLoc();
    seg.module = OwningOpRef<ModuleOp>(ModuleOp::create(clone->getLoc()));
    (*seg.module)->setAttrs(clone->getOperation()->getAttrDictionary());
    OpBuilder mb = OpBuilder::atBlockEnd(seg.module->getBody());
    for (Operation &op : clone->getBody()->getOperations())
      if (&op != cf.getOperation())
        mb.clone(op);
    auto f = func::FuncOp::create(mb, loc, kSegmentName,
                                  FunctionType::get(ctx, argTypes, resultTypes));
    Block *entry = f.addEntryBlock();
    OpBuilder b = OpBuilder::atBlockEnd(entry);
    IRMapping m;
    for (auto [i, v] : llvm::enumerate(seg.inputs))
      m.map(v, fromHost(b, v.getLoc(), entry->getArgument(i), v.getType()));
    std::function<void(Value)> bring = [&](Value v) {
      if (m.contains(v))
        return;
      Operation *d = v.getDefiningOp();
      for (Value o : d->getOperands())
        bring(o);
      b.clone(*d, m);
    };
    // Cloneable values are made where they are first read, wherever they
    // were defined, so that identical layers give identical segments.
    auto topLevelCloneable = [&](Value v) {
      return v.getParentBlock() == &body && !isArgument(v) && cloneable(v);
    };
    for (int64_t i = begin; i < end; ++i) {
      if (ops[i]->getNumResults() &&
          llvm::all_of(ops[i]->getResults(), topLevelCloneable))
        continue;
      ops[i]->walk([&](Operation *op) {
        for (Value v : op->getOperands())
          if ((definedAt(v) < begin || topLevelCloneable(v)) &&
              !m.contains(v))
            bring(v);
      });
      b.clone(*ops[i], m);
    }
    SmallVector<Value> results;
    for (Value v : seg.outputs)
      results.push_back(toHost(b, v.getLoc(), m.lookup(v)));
    func::ReturnOp::create(b, loc, results);
    if (llvm::Error e = run::signatureOf(f, seg.sig)) {
      llvm::consumeError(std::move(e));
      return false;
    }
    segments.push_back(std::move(seg));
  }
  auto start = std::chrono::steady_clock::now();
  llvm::scope_exit timed(
      [&] { compileSeconds += secondsSince(start); });
  for (Segment &seg : segments) {
    if (!seg.module)
      continue;
    auto compiled =
        run::compile(*seg.module, kSegmentName, seg.sig, run::RunOptions());
    if (!compiled) {
      func.emitError("calibration: ") << toString(compiled.takeError());
      return failure();
    }
    seg.compiled = std::move(*compiled);
  }
  return true;
}


FailureOr<std::vector<std::shared_ptr<const calib::Stats>>>
calib::Program::collect(ArrayRef<LinearOp> linears,
                        const std::vector<std::vector<int64_t>> &tokens,
                        bool hessian, bool sampleMean) {
  Impl &I = *impl;
  if (tokens != I.tokens) {
    I.tokens = tokens;
    I.cache.clear();
    I.cache.resize(tokens.size());
    I.reset();
  }
  // A failed collection leaves nothing half-updated behind.
  auto fail = [&] {
    I.reset();
    return failure();
  };

  SmallVector<Value> values; // inputs of `linears` in `func`
  SmallVector<Value> cloned; // the same in the clone
  for (LinearOp lin : linears) {
    if (llvm::is_contained(values, lin.getInput()))
      continue;
    Value c = I.statsOf.lookup(lin.getInput());
    if (!c) {
      I.func.emitError("calibration: a linear outside the calibrated function");
      return fail();
    }
    auto it = I.info.find(c);
    if (it == I.info.end() || it->second.producer < 0) {
      lin.emitError("calibration: the input of ")
          << model::describe(lin) << " is not computed by the model";
      return fail();
    }
    values.push_back(lin.getInput());
    cloned.push_back(c);
  }
  std::vector<Stats> stats(values.size());
  for (auto [i, v] : llvm::enumerate(values)) {
    int64_t c = cast<RankedTensorType>(v.getType()).getShape().back();
    if (ShapedType::isDynamic(c)) {
      I.func.emitError("calibration: an activation has a dynamic channel count");
      return fail();
    }
    stats[i].channels = c;
    stats[i].absMax.assign(c, 0.0);
    if (hessian)
      stats[i].hessian.assign(c * c, 0.0);
  }

  // Which segments are stale (weights changed, inputs recomputed, never
  // run), and which must run now: the producers of the statistics, and
  // theirs in turn where an input is stale or no longer cached.
  size_t nseg = I.segments.size();
  std::vector<Fingerprint> prints(I.weightArgs.size());
  for (auto [i, lin] : llvm::enumerate(I.weightArgs))
    prints[i] = fingerprint(lin.getWeight());
  auto weightIndex = [&](Value v) -> int64_t {
    auto arg = dyn_cast<BlockArgument>(v);
    return arg && arg.getOwner()->getParentOp() == I.cf.getOperation()
               ? int64_t(arg.getArgNumber()) - 1
               : -2; // -1: the tokens
  };
  auto isCached = [&](Value v) {
    return !I.cache.empty() && I.cache.front().count(v);
  };
  std::vector<char> stale(nseg, 0), needed(nseg, 0);
  for (size_t s = 0; s < nseg; ++s) {
    Impl::Segment &seg = I.segments[s];
    if (!seg.compiled)
      continue;
    bool d = !seg.ran;
    for (auto [k, v] : llvm::enumerate(seg.inputs)) {
      if (d)
        break;
      int64_t w = weightIndex(v);
      if (w >= 0)
        d = seg.prints[k] != prints[w];
      else if (w == -2) {
        const Impl::ValueInfo &vi = I.info[v];
        d = stale[vi.producer] || vi.generation != seg.consumed[k];
      }
    }
    stale[s] = d;
  }
  std::function<void(int64_t)> need = [&](int64_t s) {
    if (needed[s])
      return;
    needed[s] = 1;
    for (Value v : I.segments[s].inputs)
      if (weightIndex(v) == -2) {
        int64_t p = I.info[v].producer;
        if (stale[p] || !isCached(v))
          need(p);
      }
  };
  int64_t firstHolder = int64_t(nseg);
  for (LinearOp lin : linears)
    if (auto it = I.segmentOf.find(lin); it != I.segmentOf.end())
      firstHolder = std::min(firstHolder, it->second);
  for (Value c : cloned) {
    int64_t p = I.info[c].producer;
    if (stale[p] || !isCached(c))
      need(p);
  }

  // The weights of the segments that run, evaluated once for all sequences.
  DenseMap<int64_t, npy::Array> weights;
  for (size_t s = 0; s < nseg; ++s) {
    if (!needed[s])
      continue;
    for (Value v : I.segments[s].inputs) {
      int64_t w = weightIndex(v);
      if (w < 0 || weights.count(w))
        continue;
      LinearOp lin = I.weightArgs[w];
      ::rotq::materialize::Options mo;
      mo.progress = false;
      auto data = ::rotq::materialize::evaluate(lin.getWeight(), mo);
      if (!data) {
        lin.emitError("calibration: the weight of ")
            << model::describe(lin) << ": " << toString(data.takeError());
        return fail();
      }
      npy::Array a;
      a.dtype = npy::DType::F32;
      for (int64_t d : lin.getWeight().getType().getShape())
        a.shape.push_back(d);
      a.data.resize(data->size() * sizeof(float));
      float *dst = reinterpret_cast<float *>(a.data.data());
      for (size_t e = 0; e < data->size(); ++e)
        dst[e] = float((*data)[e]);
      weights[w] = std::move(a);
    }
  }

  std::vector<double> block;
  for (auto [q, seq] : llvm::enumerate(tokens)) {
    DenseMap<Value, run::HostTensor> &cache = I.cache[q];
    for (size_t s = 0; s < nseg; ++s) {
      if (!needed[s])
        continue;
      Impl::Segment &seg = I.segments[s];
      std::vector<run::HostTensor> inputs;
      for (auto [k, v] : llvm::enumerate(seg.inputs)) {
        int64_t w = weightIndex(v);
        if (w == -2) {
          auto it = cache.find(v);
          if (it == cache.end()) {
            I.func.emitError("calibration: internal error: an activation "
                             "is neither cached nor recomputed");
            return fail();
          }
          inputs.push_back(it->second);
          continue;
        }
        auto h = w == -1 ? run::prepareInput(seg.sig, k, npy::fromInt64(seq),
                                             "calibration tokens")
                         : run::prepareInput(seg.sig, k, weights[w],
                                             "a calibration weight");
        if (!h) {
          I.func.emitError("calibration: ") << toString(h.takeError());
          return fail();
        }
        inputs.push_back(std::move(*h));
      }
      auto start = std::chrono::steady_clock::now();
      auto results = seg.compiled->run(inputs);
      I.runSeconds += secondsSince(start);
      if (!results) {
        I.func.emitError("calibration: ") << toString(results.takeError());
        return fail();
      }
      ++I.runs;
      for (auto [v, r] : llvm::zip_equal(seg.outputs, *results))
        cache[v] = std::move(r);
    }
    for (auto [i, s] : llvm::enumerate(stats))
      accumulate(s, cache.find(cloned[i])->second.array, hessian, sampleMean,
                 block);
    // Kept: what the segments from the first one holding `linears` on read.
    SmallVector<Value> drop;
    for (auto &[v, h] : cache)
      if (I.info[v].lastReader < firstHolder)
        drop.push_back(v);
    for (Value v : drop)
      cache.erase(v);
  }

  // The runs' record: recomputed outputs of stale segments are new
  // generations (a fresh segment recomputes the same values).
  for (size_t s = 0; s < nseg; ++s) {
    if (!needed[s])
      continue;
    Impl::Segment &seg = I.segments[s];
    if (stale[s]) {
      ++I.clock;
      for (Value v : seg.outputs)
        I.info[v].generation = I.clock;
    }
    seg.consumed.assign(seg.inputs.size(), 0);
    seg.prints.assign(seg.inputs.size(), {});
    for (auto [k, v] : llvm::enumerate(seg.inputs)) {
      int64_t w = weightIndex(v);
      if (w >= 0)
        seg.prints[k] = prints[w];
      else if (w == -2)
        seg.consumed[k] = I.info[v].generation;
    }
    seg.ran = true;
  }

  if (sampleMean)
    for (Stats &s : stats)
      for (double &v : s.sampleMean)
        v /= double(tokens.size());
  std::vector<std::shared_ptr<const Stats>> shared;
  for (Stats &s : stats) {
    if (hessian)
      for (int64_t j = 0; j < s.channels; ++j)
        for (int64_t k = 0; k < j; ++k)
          s.hessian[k * s.channels + j] = s.hessian[j * s.channels + k];
    shared.push_back(std::make_shared<const Stats>(std::move(s)));
  }
  std::vector<std::shared_ptr<const Stats>> out;
  for (LinearOp lin : linears)
    out.push_back(shared[llvm::find(values, lin.getInput()) - values.begin()]);
  return out;
}
