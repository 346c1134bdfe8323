//===- Materialize.cpp - evaluating weight chains offline -----------------===//
#include "rotq/Materialize/Materialize.h"
#include "WeightEval.h"

#include "rotq/Dialect/Rotq/IR/RotqOps.h"
#include "rotq/Support/FileError.h"
#include "rotq/Support/FloatBits.h"
#include "rotq/Support/Safetensors.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cstring>
#include <optional>

using namespace mlir;
using namespace ::rotq::materialize;
namespace safetensors = ::rotq::safetensors;

/// The process-wide fallback of setDefaultBaseDir.
static std::optional<std::string> &defaultBaseDir() {
  static std::optional<std::string> dir;
  return dir;
}

void ::rotq::materialize::setDefaultBaseDir(const std::string &dir) {
  defaultBaseDir() = dir;
}

auto ::rotq::materialize::directoryOf(const std::string &file) -> std::string {
  if (file.empty() || file == "-")
    return "";
  return std::string(llvm::sys::path::parent_path(file));
}

namespace {
enum class Mode { InMemory, Files };

/// Ops that stay in the IR between a stored tensor and its reader.
bool isView(Operation *op, Mode mode) {
  if (isa<mlir::rotq::UnpackOp, mlir::rotq::DequantizeOp>(op))
    return true;
  return mode == Mode::Files && isa<arith::ExtFOp>(op);
}

/// A stored tensor: a value the rewritten module reads from a file or an
/// inline constant, with the name it gets.
struct Root {
  Value value;
  std::string name;
  bool computed; // evaluated from a chain (not a parameter read as is)
};

struct Plan {
  llvm::DenseSet<Operation *> offline;
  std::vector<Root> roots;
};

/// The module name in an op's location (rotq-import names ops after the
/// checkpoint's modules), or "".
std::string locName(Location loc) {
  if (auto n = dyn_cast<NameLoc>(loc))
    return n.getName().str();
  if (auto f = dyn_cast<FusedLoc>(loc))
    for (Location l : f.getLocations())
      if (std::string s = locName(l); !s.empty())
        return s;
  return "";
}

/// The first parameter `v` is computed from, depth first along operand 0
/// (the data, before scales and matrices); "" when there is none.
std::string firstParam(Value v) {
  SmallVector<Value> work = {v};
  llvm::DenseSet<Value> seen;
  while (!work.empty()) {
    Value w = work.pop_back_val();
    if (!seen.insert(w).second)
      continue;
    if (auto p = w.getDefiningOp<mlir::rotq::ParamOp>())
      return p.getName().str();
    if (Operation *d = w.getDefiningOp())
      for (Value o : llvm::reverse(d->getOperands()))
        work.push_back(o);
  }
  return "";
}

/// A name for the stored tensor `v`, from the op that reads it and how.
std::string nameFor(Value v, Mode mode, const Plan &plan) {
  if (auto p = v.getDefiningOp<mlir::rotq::ParamOp>())
    return p.getName().str();
  // Follow the first use through views to the reader.
  std::string suffix;
  Value cur = v;
  for (int depth = 0; depth < 8; ++depth) {
    if (cur.use_empty())
      break;
    OpOperand &use = *cur.getUses().begin();
    Operation *user = use.getOwner();
    unsigned i = use.getOperandNumber();
    if (auto dq = dyn_cast<mlir::rotq::DequantizeOp>(user)) {
      if (suffix.empty())
        suffix = i == 0 ? ".qweight" : i == 1 ? ".scales" : ".zeros";
      cur = dq.getResult();
      continue;
    }
    if (isView(user, mode) || plan.offline.contains(user)) {
      cur = user->getResult(0);
      continue;
    }
    std::string base = locName(user->getLoc());
    // A protected linear's directions and correction: named after the
    // linear, whose weight the chain may not start from (the directions
    // are a literal).
    if (auto prot = dyn_cast<mlir::rotq::ProtectOp>(user);
        prot && suffix.empty() && (i == 2 || i == 3)) {
      suffix = i == 2 ? ".protected_directions" : ".correction";
      if (base.empty()) {
        Value w;
        Operation *lin = prot.getLinearResult().getDefiningOp();
        if (auto l = dyn_cast_or_null<mlir::rotq::LinearOp>(lin))
          w = l.getWeight();
        else if (auto q = dyn_cast_or_null<mlir::rotq::QMatmulOp>(lin))
          w = q.getRhs();
        llvm::StringRef param;
        std::string first = w ? firstParam(w) : "";
        param = first;
        param.consume_back(".weight");
        if (!param.empty())
          return param.str() + suffix;
      }
    }
    if (suffix.empty()) {
      if (auto qm = dyn_cast<mlir::rotq::QMatmulOp>(user))
        suffix = use.get() == qm.getRhs()        ? ".qweight"
                 : use.get() == qm.getRhsScale() ? ".scales"
                 : use.get() == qm.getBias()     ? ".bias"
                                                 : ".zeros";
      else if (isa<mlir::rotq::LinearOp>(user) && i == 2)
        suffix = ".bias";
      else if (isa<mlir::rotq::LinearOp, mlir::rotq::EmbeddingOp,
                   mlir::rotq::RMSNormOp>(user))
        suffix = ".weight";
      else
        suffix = ".operand" + std::to_string(i);
    }
    if (!base.empty())
      return base + suffix;
    // No named reader (the locations were not kept): the parameter the
    // chain starts from, "x.weight" -> "x.qweight" / "x.scales".
    std::string param = firstParam(v);
    if (param.empty())
      return "tensor" + suffix;
    if (suffix == ".weight" || suffix == ".bias" ||
        llvm::StringRef(suffix).starts_with(".operand"))
      return param;
    llvm::StringRef p(param);
    p.consume_back(".weight");
    return p.str() + suffix;
  }
  std::string param = firstParam(v);
  return param.empty() ? "tensor" + suffix : param + suffix;
}

/// Ops whose whole backward slice is evaluable, and the values to store.
Plan plan(ModuleOp module, Mode mode) {
  Plan p;
  module.walk([&](Operation *op) {
    if (!isEvaluable(op))
      return;
    for (Value o : op->getOperands()) {
      Operation *d = o.getDefiningOp();
      if (!d || !p.offline.contains(d))
        return;
    }
    p.offline.insert(op);
  });
  llvm::SetVector<Value> roots;
  std::function<void(Value)> store = [&](Value v) {
    Operation *d = v.getDefiningOp();
    if (isView(d, mode)) {
      for (Value o : d->getOperands())
        store(o);
      return;
    }
    // Small literal constants stay in the IR as they are.
    if (auto c = dyn_cast<arith::ConstantOp>(d))
      if (mode == Mode::InMemory || !isa<DenseResourceElementsAttr>(c.getValue()))
        return;
    if (isa<tensor::EmptyOp>(d))
      return;
    // With files, a parameter read as is keeps its name; in memory every
    // parameter becomes a constant.
    roots.insert(v);
  };
  module.walk([&](Operation *op) {
    if (p.offline.contains(op))
      return;
    for (Value o : op->getOperands())
      if (Operation *d = o.getDefiningOp(); d && p.offline.contains(d))
        store(o);
  });
  llvm::StringSet<> used;
  for (Value v : roots) {
    std::string name = nameFor(v, mode, p);
    std::string unique = name;
    for (int k = 1; used.contains(unique); ++k)
      unique = name + "." + std::to_string(k);
    used.insert(unique);
    p.roots.push_back({v, unique, !v.getDefiningOp<mlir::rotq::ParamOp>()});
  }
  return p;
}

/// Values of each root's backward slice, for freeing cached intermediates
/// as soon as no later root needs them.
struct Lifetimes {
  std::vector<std::vector<Value>> slices;
  llvm::DenseMap<Value, int> remaining;
};
Lifetimes lifetimes(const Plan &p) {
  Lifetimes l;
  for (const Root &r : p.roots) {
    std::vector<Value> slice;
    llvm::DenseSet<Value> seen;
    SmallVector<Value> work = {r.value};
    while (!work.empty()) {
      Value v = work.pop_back_val();
      if (!seen.insert(v).second)
        continue;
      slice.push_back(v);
      if (Operation *d = v.getDefiningOp()) {
        for (Value res : d->getResults()) // siblings share one evaluation
          if (seen.insert(res).second)
            slice.push_back(res);
        for (Value o : d->getOperands())
          work.push_back(o);
      }
    }
    for (Value v : slice)
      ++l.remaining[v];
    l.slices.push_back(std::move(slice));
  }
  return l;
}

safetensors::DType dtypeOf(Type et) {
  if (et.isF16())
    return safetensors::DType::F16;
  if (et.isBF16())
    return safetensors::DType::BF16;
  if (et.isF64())
    return safetensors::DType::F64;
  if (et.isInteger(8))
    return safetensors::DType::I8;
  return safetensors::DType::F32;
}

/// Progress on stderr: one line rewritten in place.
class Progress {
public:
  Progress(bool enabled, int64_t total, uint64_t totalBytes)
      : enabled(enabled && llvm::errs().is_displayed()), total(total),
        totalBytes(totalBytes), start(std::chrono::steady_clock::now()) {}
  void update(int64_t done, uint64_t bytes, llvm::StringRef name) {
    if (!enabled)
      return;
    double secs = std::chrono::duration<double>(
                      std::chrono::steady_clock::now() - start)
                      .count();
    double rate = secs > 0 ? double(bytes) / secs : 0;
    double eta = rate > 0 ? double(totalBytes - bytes) / rate : 0;
    llvm::errs() << llvm::formatv("\r[{0}/{1}] {2:F1} MB/s, ETA {3:F0} s  {4}",
                                  done, total, rate / 1e6, eta,
                                  name.take_back(48))
                 << "\x1b[K";
  }
  ~Progress() {
    if (enabled)
      llvm::errs() << "\r\x1b[K";
  }

private:
  bool enabled;
  int64_t total;
  uint64_t totalBytes;
  std::chrono::steady_clock::time_point start;
};

/// `t` as the bytes of element type `et` (f64, f32, i8, bf16 or f16).
std::vector<char> bytesOf(Type et, const Tensor &t) {
  size_t n = t.data.size();
  std::vector<char> out;
  auto put = [&](auto v, size_t i) {
    std::memcpy(out.data() + i * sizeof(v), &v, sizeof(v));
  };
  if (et.isF64()) {
    out.resize(n * 8);
    std::memcpy(out.data(), t.data.data(), n * 8);
  } else if (et.isF32()) {
    out.resize(n * 4);
    for (size_t i = 0; i < n; ++i)
      put(float(t.data[i]), i);
  } else if (et.isInteger(8)) {
    out.resize(n);
    for (size_t i = 0; i < n; ++i)
      put(int8_t(t.data[i]), i);
  } else {
    out.resize(n * 2);
    for (size_t i = 0; i < n; ++i)
      put(et.isBF16() ? ::rotq::floatToBF16(float(t.data[i]))
                      : ::rotq::floatToHalf(float(t.data[i])),
          i);
  }
  return out;
}

/// An inline dense_resource constant holding `t` as `type`.
Value inlineConstant(OpBuilder &b, Location loc, RankedTensorType type,
                     const Tensor &t, llvm::StringRef name) {
  Type et = type.getElementType();
  // Aligned to the element size, as the typed constant reads it.
  AsmResourceBlob blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(
      bytesOf(et, t), safetensors::elementSize(dtypeOf(et)));
  auto attr = DenseResourceElementsAttr::get(type, name, std::move(blob));
  return arith::ConstantOp::create(b, loc, type, attr);
}

/// Evaluates every root in order, calling `consume` with its data.
llvm::Error evaluateRoots(
    const Plan &p, ParamFiles &files, const Options &options,
    llvm::function_ref<llvm::Error(const Root &, const Tensor &)> consume) {
  Lifetimes life = lifetimes(p);
  Evaluator eval(files);
  uint64_t totalBytes = 0;
  for (const Root &r : p.roots) {
    auto t = cast<RankedTensorType>(r.value.getType());
    totalBytes += uint64_t(t.getNumElements()) *
                  safetensors::elementSize(dtypeOf(t.getElementType()));
  }
  Progress progress(options.progress, int64_t(p.roots.size()), totalBytes);
  uint64_t done = 0;
  for (size_t i = 0; i < p.roots.size(); ++i) {
    const Root &r = p.roots[i];
    progress.update(int64_t(i), done, r.name);
    llvm::Expected<TensorRef> t = eval.evaluate(r.value);
    if (!t)
      return t.takeError();
    if (llvm::Error err = consume(r, **t))
      return err;
    auto type = cast<RankedTensorType>(r.value.getType());
    done += uint64_t(type.getNumElements()) *
            safetensors::elementSize(dtypeOf(type.getElementType()));
    for (Value v : life.slices[i])
      if (--life.remaining[v] == 0)
        eval.release(v);
  }
  return llvm::Error::success();
}

/// Erases offline ops left without users.
void eraseDead(ModuleOp module, const Plan &p) {
  SmallVector<Operation *> ops;
  module.walk([&](Operation *op) {
    if (p.offline.contains(op))
      ops.push_back(op);
  });
  for (Operation *op : llvm::reverse(ops))
    if (op->use_empty())
      op->erase();
}

/// Where relative parameter files are: the given directory, else that of
/// the file the module was parsed from (its location), else the tool's
/// default (setDefaultBaseDir), else the current directory.
std::string baseDirOf(ModuleOp module, const Options &options) {
  if (!options.baseDir.empty())
    return options.baseDir;
  // The file the tool read beats the module's location, which may name the
  // file the module was printed from (rotq-materialize keeps locations).
  if (defaultBaseDir())
    return *defaultBaseDir();
  if (auto file = dyn_cast<FileLineColLoc>(module.getLoc()))
    return ::rotq::materialize::directoryOf(file.getFilename().str());
  return "";
}

/// CSE first, so that a chain written twice (a tied embedding read by the
/// embedding and the head) is evaluated and stored once.
llvm::Error simplify(ModuleOp module) {
  PassManager pm(module.getContext());
  pm.addPass(createCSEPass());
  if (failed(pm.run(module)))
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "internal error: CSE failed");
  return llvm::Error::success();
}
} // namespace

auto ::rotq::materialize::parameterFiles(ModuleOp module,
                                        const Options &options)
    -> std::vector<std::string> {
  ParamFiles files(baseDirOf(module, options));
  std::vector<std::string> out;
  module.walk([&](mlir::rotq::ParamOp op) {
    out.push_back(files.resolve(op.getFile()));
  });
  return out;
}

auto ::rotq::materialize::evaluate(Value v, const Options &options)
    -> llvm::Expected<std::vector<double>> {
  auto module = v.getParentRegion()->getParentOp()->getParentOfType<ModuleOp>();
  if (!module)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "a weight outside any module");
  ParamFiles files(baseDirOf(module, options));
  Evaluator evaluator(files);
  llvm::Expected<TensorRef> t = evaluator.evaluate(v);
  if (!t)
    return t.takeError();
  return (*t)->data;
}

bool ::rotq::materialize::isEvaluableWeight(Value v) {
  llvm::DenseSet<Operation *> seen;
  SmallVector<Value> work = {v};
  while (!work.empty()) {
    Value x = work.pop_back_val();
    auto t = dyn_cast<RankedTensorType>(x.getType());
    Operation *d = x.getDefiningOp();
    if (!t || !t.hasStaticShape() || !d || !isEvaluable(d))
      return false;
    if (seen.insert(d).second)
      llvm::append_range(work, d->getOperands());
  }
  return true;
}

BoundParameters::BoundParameters() = default;
BoundParameters::~BoundParameters() = default;

uint64_t BoundParameters::ownedBytes() const {
  uint64_t n = 0;
  for (const std::vector<char> &o : owned)
    n += o.size();
  return n;
}

auto ::rotq::materialize::bindParameters(ModuleOp module,
                                         llvm::StringRef funcName,
                                         const Options &options,
                                         bool checkpointOnly)
    -> llvm::Expected<std::unique_ptr<BoundParameters>> {
  auto f = module.lookupSymbol<func::FuncOp>(funcName);
  if (!f || f.isExternal())
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "no function @" + funcName + " with a body");
  if (llvm::Error err = simplify(module))
    return std::move(err);
  std::unique_ptr<BoundParameters> bound(new BoundParameters());
  bound->files = std::make_unique<ParamFiles>(baseDirOf(module, options));
  // A function that others call keeps its signature.
  if (!SymbolTable::symbolKnownUseEmpty(f, module))
    return std::move(bound);
  Plan p = plan(module, Mode::Files);
  // Other functions' weights are left to materializeInMemory.
  llvm::erase_if(p.roots, [&](const Root &r) {
    return Value(r.value).getParentRegion()->getParentOfType<func::FuncOp>() !=
               f ||
           (checkpointOnly && r.computed);
  });
  if (p.roots.empty())
    return std::move(bound);

  // Chains (and resource constants) are evaluated once into owned buffers;
  // plain parameters are read where the file is mapped.
  Plan computed;
  computed.offline = p.offline;
  for (const Root &r : p.roots)
    if (r.computed)
      computed.roots.push_back(r);
  llvm::DenseMap<Value, size_t> ownedOf;
  llvm::Error err = evaluateRoots(
      computed, *bound->files, options,
      [&](const Root &r, const Tensor &t) -> llvm::Error {
        auto type = cast<RankedTensorType>(r.value.getType());
        ownedOf[r.value] = bound->owned.size();
        bound->owned.push_back(bytesOf(type.getElementType(), t));
        return llvm::Error::success();
      });
  if (err)
    return std::move(err);
  std::vector<const void *> data;
  std::vector<std::pair<std::string, std::string>> sources;
  for (const Root &r : p.roots) {
    auto type = cast<RankedTensorType>(r.value.getType());
    if (r.computed) {
      data.push_back(nullptr); // set below: `owned` may still grow
      sources.emplace_back();
      continue;
    }
    auto param = r.value.getDefiningOp<mlir::rotq::ParamOp>();
    sources.emplace_back(bound->files->resolve(param.getFile()),
                         param.getName().str());
    llvm::Expected<const safetensors::TensorInfo *> info =
        bound->files->find(param);
    if (!info)
      return info.takeError();
    size_t esize = safetensors::elementSize((*info)->dtype);
    if (reinterpret_cast<uintptr_t>((*info)->data) % esize == 0) {
      data.push_back((*info)->data);
      continue;
    }
    // safetensors does not promise aligned offsets: copy this one.
    ownedOf[r.value] = bound->owned.size();
    bound->owned.emplace_back((*info)->data,
                              (*info)->data + type.getNumElements() * esize);
    data.push_back(nullptr);
  }

  for (auto [r, d, src] : llvm::zip_equal(p.roots, data, sources)) {
    auto type = cast<RankedTensorType>(r.value.getType());
    unsigned index = f.getNumArguments();
    // insertArgument keeps the argument attributes and the type in step.
    if (failed(f.insertArgument(index, type, {}, r.value.getLoc())))
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "cannot add an argument to @" + funcName);
    Value(r.value).replaceAllUsesWith(f.getArgument(index));
    const void *ptr = d ? d : bound->owned[ownedOf[r.value]].data();
    bound->bound.push_back(
        {ptr,
         std::vector<int64_t>(type.getShape().begin(), type.getShape().end()),
         src.first, src.second});
  }
  eraseDead(module, p);
  return std::move(bound);
}

auto ::rotq::materialize::materializeInMemory(ModuleOp module,
                                                   const Options &options,
                                                   Summary *summary) -> llvm::Error {
  if (llvm::Error err = simplify(module))
    return err;
  Plan p = plan(module, Mode::InMemory);
  if (p.roots.empty())
    return llvm::Error::success();
  ParamFiles files(baseDirOf(module, options));
  Summary s;
  llvm::Error err = evaluateRoots(
      p, files, options, [&](const Root &r, const Tensor &t) -> llvm::Error {
        OpBuilder b(r.value.getContext());
        b.setInsertionPointAfterValue(r.value);
        auto type = cast<RankedTensorType>(r.value.getType());
        Value c = inlineConstant(b, r.value.getLoc(), type, t, r.name);
        Value(r.value).replaceAllUsesExcept(c, c.getDefiningOp());
        ++s.tensors;
        s.evaluated += r.computed;
        return llvm::Error::success();
      });
  if (err)
    return err;
  eraseDead(module, p);
  if (summary)
    *summary = s;
  return llvm::Error::success();
}

auto ::rotq::materialize::materializeToDirectory(
    ModuleOp module, const std::string &outDir, const std::string &fileName,
    const Options &options, Summary *summary) -> llvm::Error {
  if (llvm::Error err = simplify(module))
    return err;
  Plan p = plan(module, Mode::Files);
  ParamFiles files(baseDirOf(module, options));
  // Every file the module reads is an input the output must not replace.
  std::vector<std::string> inputs = parameterFiles(module, options);
  if (std::error_code ec = llvm::sys::fs::create_directories(outDir))
    return ::rotq::fileError(outDir, "cannot create directory: " + ec.message());
  llvm::SmallString<256> path(outDir);
  llvm::sys::path::append(path, fileName);
  std::vector<safetensors::TensorSpec> specs;
  for (const Root &r : p.roots) {
    auto t = cast<RankedTensorType>(r.value.getType());
    specs.push_back({r.name, dtypeOf(t.getElementType()),
                     std::vector<int64_t>(t.getShape().begin(),
                                          t.getShape().end())});
  }
  llvm::Expected<std::unique_ptr<safetensors::StreamWriter>> writer =
      safetensors::StreamWriter::create(std::string(path), std::move(specs),
                                        inputs);
  if (!writer)
    return writer.takeError();
  Summary s;
  std::vector<Value> replacements;
  llvm::Error err = evaluateRoots(
      p, files, options, [&](const Root &r, const Tensor &t) -> llvm::Error {
        if (llvm::Error e = (*writer)->append(t.data.data(),
                                              int64_t(t.data.size())))
          return e;
        ++s.tensors;
        s.evaluated += r.computed;
        return llvm::Error::success();
      });
  if (err)
    return err;
  if (llvm::Error e = (*writer)->finish())
    return e;
  s.bytes = (*writer)->bytesWritten();
  // Only now that the file is in place does the module read it.
  for (const Root &r : p.roots) {
    OpBuilder b(r.value.getContext());
    b.setInsertionPointAfterValue(r.value);
    auto type = cast<RankedTensorType>(r.value.getType());
    Value param = mlir::rotq::ParamOp::create(
        b, r.value.getLoc(), type, b.getStringAttr(r.name),
        b.getStringAttr(fileName));
    Value(r.value).replaceAllUsesWith(param);
  }
  eraseDead(module, p);
  if (summary)
    *summary = s;
  return llvm::Error::success();
}
