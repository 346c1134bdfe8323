//===- Runner.cpp - JIT-run a function of a rotq/tensor module ------------===//
#include "rotq/Runner/Runner.h"
#include "rotq/Materialize/Materialize.h"

#include "rotq/Dialect/Rotq/IR/RotqDialect.h"
#include "rotq/Dialect/Rotq/IR/RotqOps.h"
#include "rotq/Pipelines/Pipelines.h"
#include "rotq/Runtime/CpuUkernels.h"
#include "rotq/Runtime/CudaDriver.h"
#include "rotq/Runtime/GpuRuntime.h"
#include "rotq/Support/Random.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/xxhash.h"

#include <cmath>
#include <list>
#include <mutex>
#include <optional>
#include <cstdlib>
#include <cstring>
#ifdef __GLIBC__
#include <malloc.h>
#endif

using namespace mlir;
using namespace ::rotq;
using namespace ::rotq::run;

/// Frees (pools) a block from the GPU runtime's allocator.
extern "C" void mgpuMemFree(void *ptr, ::rotq::cuda::CUstream stream);

namespace {

llvm::Error err(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

std::string typeStr(Type t) {
  std::string s;
  llvm::raw_string_ostream os(s);
  t.print(os);
  return s;
}

/// Element type name and the npy dtype used to carry it on the host.
llvm::Expected<std::pair<std::string, npy::DType>> hostType(Type t) {
  if (t.isF32()) return std::make_pair(std::string("f32"), npy::DType::F32);
  if (t.isF64()) return std::make_pair(std::string("f64"), npy::DType::F64);
  if (t.isF16()) return std::make_pair(std::string("f16"), npy::DType::F16);
  if (t.isBF16()) return std::make_pair(std::string("bf16"), npy::DType::I16);
  if (t.isInteger(8)) return std::make_pair(std::string("i8"), npy::DType::I8);
  if (t.isInteger(16)) return std::make_pair(std::string("i16"), npy::DType::I16);
  if (t.isInteger(32)) return std::make_pair(std::string("i32"), npy::DType::I32);
  if (t.isInteger(64)) return std::make_pair(std::string("i64"), npy::DType::I64);
  return err("unsupported element type " + typeStr(t) +
             " (supported: f16, bf16, f32, f64, i8, i16, i32, i64)");
}

uint16_t toHalfBits(double v, const llvm::fltSemantics &sem) {
  llvm::APFloat f(v);
  bool lost;
  f.convert(sem, llvm::APFloat::rmNearestTiesToEven, &lost);
  return static_cast<uint16_t>(f.bitcastToAPInt().getZExtValue());
}

double fromHalfBits(uint16_t bits, const llvm::fltSemantics &sem) {
  llvm::APFloat f(sem, llvm::APInt(16, bits));
  bool lost;
  f.convert(llvm::APFloat::IEEEdouble(), llvm::APFloat::rmNearestTiesToEven,
            &lost);
  return f.convertToDouble();
}

/// Stores v as element i of `a` (whose dtype matches `et`).
void storeElement(npy::Array &a, const std::string &et, int64_t i, double v,
                  int64_t iv, bool isFloat) {
  char *p = a.data.data() + i * npy::elementSize(a.dtype);
  if (et == "f32") { float f = isFloat ? float(v) : float(iv); std::memcpy(p, &f, 4); }
  else if (et == "f64") { double d = isFloat ? v : double(iv); std::memcpy(p, &d, 8); }
  else if (et == "f16") { uint16_t h = toHalfBits(isFloat ? v : double(iv), llvm::APFloat::IEEEhalf()); std::memcpy(p, &h, 2); }
  else if (et == "bf16") { uint16_t h = toHalfBits(isFloat ? v : double(iv), llvm::APFloat::BFloat()); std::memcpy(p, &h, 2); }
  else if (et == "i8") { int8_t x = int8_t(iv); std::memcpy(p, &x, 1); }
  else if (et == "i16") { int16_t x = int16_t(iv); std::memcpy(p, &x, 2); }
  else if (et == "i32") { int32_t x = int32_t(iv); std::memcpy(p, &x, 4); }
  else if (et == "i64") { std::memcpy(p, &iv, 8); }
}

int64_t intMin(const std::string &et) {
  int bits = std::stoi(et.substr(1));
  return bits == 64 ? INT64_MIN : -(int64_t(1) << (bits - 1));
}
int64_t intMax(const std::string &et) {
  int bits = std::stoi(et.substr(1));
  return bits == 64 ? INT64_MAX : (int64_t(1) << (bits - 1)) - 1;
}

/// A ranked memref descriptor laid out as the LLVM lowering expects:
/// {allocated, aligned, offset, sizes[rank], strides[rank]}.
std::vector<int64_t> makeDescriptor(void *data, ArrayRef<int64_t> shape) {
  std::vector<int64_t> d(3 + 2 * shape.size());
  d[0] = reinterpret_cast<int64_t>(data);
  d[1] = reinterpret_cast<int64_t>(data);
  d[2] = 0;
  int64_t stride = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    d[3 + i] = shape[i];
    d[3 + shape.size() + i] = stride;
    stride *= shape[i];
  }
  return d;
}

} // namespace

namespace {
llvm::cl::opt<bool> reuseCodeFlag(
    "rotq-reuse-code",
    llvm::cl::desc("Reuse the compiled code of an identical program (the "
                   "same module once its weights are arguments) within the "
                   "process (default true)"),
    llvm::cl::init(true));

/// What identifies compiled code: a hash of the module as the lowering
/// sees it (weights already bound as arguments, locations left out) and
/// of the options that change the generated code.
struct CodeKey {
  uint64_t low = 0, high = 0;
  bool operator==(const CodeKey &o) const {
    return low == o.low && high == o.high;
  }
};

/// None when the module still reads weights from files (their contents
/// are not in the text).
std::optional<CodeKey> codeKey(ModuleOp module, const std::string &func,
                               const RunOptions &opts) {
  bool readsFiles = false;
  module.walk([&](mlir::rotq::ParamOp) {
    readsFiles = true;
    return WalkResult::interrupt();
  });
  if (readsFiles)
    return std::nullopt;
  std::string text;
  llvm::raw_string_ostream os(text);
  OpPrintingFlags flags;
  flags.enableDebugInfo(false);
  module->print(os, flags);
  os << "\n" << func << ' ' << opts.device << ' ' << opts.optLevel << ' '
     << opts.ukernels << ' ' << opts.outlineOps;
  llvm::XXH128_hash_t h = llvm::xxh3_128bits(llvm::arrayRefFromStringRef(text));
  return CodeKey{h.low64, h.high64};
}

/// The process's compiled programs, most recently used first; a few are
/// kept (a model's code is tens of MB at most, its weights are not here).
class CodeCache {
public:
  std::shared_ptr<ExecutionEngine> find(const CodeKey &key) {
    std::lock_guard<std::mutex> lock(mutex);
    for (auto it = entries.begin(); it != entries.end(); ++it)
      if (it->first == key) {
        entries.splice(entries.begin(), entries, it);
        return entries.front().second;
      }
    return nullptr;
  }
  void insert(const CodeKey &key, std::shared_ptr<ExecutionEngine> engine) {
    std::lock_guard<std::mutex> lock(mutex);
    entries.emplace_front(key, std::move(engine));
    if (entries.size() > kEntries)
      entries.pop_back();
  }
private:
  static constexpr size_t kEntries = 16;
  std::mutex mutex;
  std::list<std::pair<CodeKey, std::shared_ptr<ExecutionEngine>>> entries;
};

CodeCache &codeCache() {
  static CodeCache *cache = new CodeCache(); // outlives static destructors
  return *cache;
}
} // namespace

namespace rotq::run {

llvm::Error signatureOf(func::FuncOp f, Signature &sig) {
  std::string func = f.getSymName().str();
  sig = Signature();
  for (auto [i, t] : llvm::enumerate(f.getArgumentTypes())) {
    auto rt = dyn_cast<RankedTensorType>(t);
    if (!rt)
      return err("argument " + llvm::Twine(i) + " of @" + func +
                 " has type " + typeStr(t) +
                 "; only ranked tensors are supported");
    if (auto e = hostType(rt.getElementType()); !e)
      return e.takeError();
    sig.args.push_back(rt);
  }
  for (auto [i, t] : llvm::enumerate(f.getResultTypes())) {
    auto rt = dyn_cast<RankedTensorType>(t);
    if (!rt)
      return err("result " + llvm::Twine(i) + " of @" + func +
                 " has type " + typeStr(t) +
                 "; only ranked tensors are supported");
    if (auto e = hostType(rt.getElementType()); !e)
      return e.takeError();
    sig.results.push_back(rt);
  }
  if (sig.results.empty())
    return err("@" + func + " returns nothing");
  return llvm::Error::success();
}

llvm::Expected<OwningOpRef<ModuleOp>>
loadModule(MLIRContext &ctx, const std::string &file,
                const std::string &func, Signature &sig) {
  std::string diagText;
  llvm::raw_string_ostream diagOs(diagText);
  llvm::SourceMgr sm;
  SourceMgrDiagnosticHandler handler(sm, &ctx, diagOs);
  OwningOpRef<ModuleOp> m = parseSourceFile<ModuleOp>(file, sm, &ctx);
  if (!m)
    return err(diagText.empty() ? "cannot parse " + file : diagText);
  if (failed(mlir::verify(*m)))
    return err(diagText);
  auto f = m->lookupSymbol<func::FuncOp>(func);
  if (!f)
    return err(file + ": no function @" + func);
  if (f.isExternal())
    return err(file + ": @" + func + " has no body");
  if (llvm::Error e = signatureOf(f, sig))
    return err(file + ": " + toString(std::move(e)));
  return std::move(m);
}

llvm::Expected<HostTensor> prepareInput(const Signature &sig,
                                             unsigned index,
                                             const npy::Array &a,
                                             const std::string &name) {
  RankedTensorType t = sig.args[index];
  bool ok = a.shape.size() == size_t(t.getRank());
  for (int64_t i = 0; ok && i < t.getRank(); ++i)
    ok = t.isDynamicDim(i) || t.getDimSize(i) == a.shape[i];
  if (!ok) {
    std::string s = "(";
    for (size_t i = 0; i < a.shape.size(); ++i)
      s += (i ? ", " : "") + std::to_string(a.shape[i]);
    return err(name + ": argument " + llvm::Twine(index) + " expects " +
               typeStr(t) + ", but the array has shape " + s + ")");
  }
  auto ht = hostType(t.getElementType());
  if (!ht)
    return ht.takeError();
  HostTensor h;
  h.elementType = ht->first;
  h.array.dtype = ht->second;
  h.array.shape = a.shape;
  int64_t n = a.numElements();
  h.array.data.resize(n * npy::elementSize(h.array.dtype));
  bool toFloat = h.elementType[0] == 'f' || h.elementType == "bf16";
  // Same width and kind (bf16 is carried as i16 bits, and i16 data are
  // values to convert): the bytes as they are.
  if (a.dtype == h.array.dtype && h.elementType != "bf16" &&
      a.data.size() == h.array.data.size()) {
    std::memcpy(h.array.data.data(), a.data.data(), a.data.size());
    return h;
  }
  if (!toFloat && a.isFloat())
    return err(name + ": argument " + llvm::Twine(index) + " is " +
               typeStr(t) + " but the array holds floating-point values");
  for (int64_t i = 0; i < n; ++i) {
    int64_t iv = a.isFloat() ? 0 : a.getInt(i);
    if (!toFloat && (iv < intMin(h.elementType) || iv > intMax(h.elementType)))
      return err(name + ": value " + llvm::Twine(iv) + " at index " +
                 llvm::Twine(i) + " does not fit " + h.elementType);
    storeElement(h.array, h.elementType, i, a.isFloat() ? a.getDouble(i) : 0,
                 iv, a.isFloat());
  }
  return h;
}

llvm::Expected<HostTensor> randomInput(const Signature &sig,
                                            unsigned index, uint64_t seed,
                                            int64_t intMaxV,
                                            int64_t dynamicSize) {
  RankedTensorType t = sig.args[index];
  npy::Array a;
  a.dtype = npy::DType::F64;
  for (int64_t i = 0; i < t.getRank(); ++i) {
    if (t.isDynamicDim(i)) {
      if (dynamicSize <= 0)
        return err("argument " + llvm::Twine(index) + " (" + typeStr(t) +
                   ") has a dynamic dimension; give --dynamic-size N or "
                   "--input");
      a.shape.push_back(dynamicSize);
    } else {
      a.shape.push_back(t.getDimSize(i));
    }
  }
  int64_t n = a.numElements();
  bool isFloat = isa<FloatType>(t.getElementType());
  if (!isFloat)
    a.dtype = npy::DType::I64;
  a.data.resize(n * 8);
  Random rng(seed * 0x2545F4914F6CDD1DULL + index + 1);
  for (int64_t i = 0; i < n; ++i) {
    if (isFloat) {
      double v = rng.normal();
      std::memcpy(a.data.data() + 8 * i, &v, 8);
    } else {
      int64_t v = int64_t(rng.below(uint64_t(std::max<int64_t>(1, intMaxV))));
      std::memcpy(a.data.data() + 8 * i, &v, 8);
    }
  }
  return prepareInput(sig, index, a, "random input");
}

llvm::Error
lower(ModuleOp module, const std::string &func, const RunOptions &opts,
      bool needDevice) {
  MLIRContext *ctx = module.getContext();
  bool onGpu = opts.device == "cuda";
  if (opts.device != "cpu" && !onGpu)
    return err("unknown device '" + opts.device + "' (expected cpu or cuda)");
  mlir::rotq::NVVMTarget target;
  if (onGpu) {
    std::string why;
    if (needDevice && !cudaAvailable(&why))
      return err("cannot run on the GPU: " + why);
    target.chip = !opts.chip.empty() ? opts.chip
                  : needDevice       ? ::rotq::cuda::deviceChip()
                                     : "sm_90a";
    target.format = opts.gpuFormat;
    target.kernels = opts.gpuKernels;
    target.mma = opts.gpuMma;
    // wgmma needs the arch-specific target (sm_90 -> sm_90a).
    if (target.mma == "wgmma" && opts.chip.empty() &&
        !StringRef(target.chip).ends_with("a"))
      target.chip += "a";
    std::string bad;
    if (failed(mlir::rotq::checkNVVMTarget(target, bad)))
      return err(bad);
  }
  auto f = module.lookupSymbol<func::FuncOp>(func);
  if (!f)
    return err("no function @" + func);
  f->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(), UnitAttr::get(ctx));
  // Arguments are the caller's buffers (or mapped checkpoint pages): the
  // program must copy before it writes, never update them in place.
  for (unsigned i = 0; i < f.getNumArguments(); ++i)
    f.setArgAttr(i, "bufferization.writable", BoolAttr::get(ctx, false));
  ::rotq::materialize::Options mopts;
  mopts.baseDir = opts.paramDir;
  if (llvm::Error e = ::rotq::materialize::materializeInMemory(module, mopts))
    return e;

  std::string diagText;
  llvm::raw_string_ostream diagOs(diagText);
  ScopedDiagnosticHandler handler(ctx, [&](Diagnostic &d) {
    diagOs << d.getLocation() << ": " << d.str() << "\n";
    return success();
  });
  PassManager pm(ctx);
  if (onGpu)
    mlir::rotq::buildLowerToNVVMPipeline(pm, target);
  else
    mlir::rotq::buildLowerToLLVMPipeline(pm, opts.ukernels, opts.outlineOps);
  if (failed(pm.run(module)))
    return err(std::string(onGpu ? "lowering for the GPU (" + target.chip + ")"
                                 : "lowering to LLVM") +
               " failed:\n" + diagText);
  if (opts.dumpLowered)
    module.print(llvm::errs());
  return llvm::Error::success();
}

llvm::Expected<std::unique_ptr<Compiled>>
compile(ModuleOp module, const std::string &func, const Signature &sig,
        const RunOptions &opts) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  configureCodeGeneration();
  bool onGpu = opts.device == "cuda";
  // Weights as run-time arguments: compile time and code size no longer
  // grow with the model.
  std::unique_ptr<::rotq::materialize::BoundParameters> bound;
  Signature full = sig;
  if (opts.runtimeParams && !onGpu) {
    ::rotq::materialize::Options mopts;
    mopts.baseDir = opts.paramDir;
    auto b = ::rotq::materialize::bindParameters(module, func, mopts);
    if (!b)
      return b.takeError();
    bound = std::move(*b);
    auto f = module.lookupSymbol<func::FuncOp>(func);
    if (llvm::Error e = signatureOf(f, full))
      return std::move(e);
  }
  // Calibration statistics left on the ops (of linears not quantized) are
  // read by the quantization passes only; the program does not depend on
  // them.
  module.walk([](Operation *op) {
    SmallVector<StringAttr> stale;
    for (NamedAttribute a : op->getDiscardableAttrs())
      if (a.getName().strref().starts_with("rotq.calibration."))
        stale.push_back(a.getName());
    for (StringAttr name : stale)
      op->removeDiscardableAttr(name);
  });
  // Programs that differ only in their weights (rotation draws, RTN and
  // GPTQ of one configuration, the identical layers of a calibration
  // program) share one compilation.
  std::optional<CodeKey> key;
  if (opts.reuseCode && reuseCodeFlag && !onGpu && !opts.dumpLowered)
    key = codeKey(module, func, opts);
  if (key)
    if (std::shared_ptr<ExecutionEngine> engine = codeCache().find(*key))
      return std::unique_ptr<Compiled>(
          new Compiled(std::move(engine), func, full, onGpu, std::move(bound),
                       /*reusedCode=*/true));
  if (llvm::Error e = lower(module, func, opts, /*needDevice=*/true))
    return std::move(e);

  ExecutionEngineOptions eo;
  // ExecutionEngineOptions::transformer is a function_ref: keep the callee.
  std::function<llvm::Error(llvm::Module *)> transformer =
      makeOptimizingTransformer(opts.optLevel, 0, nullptr);
  eo.transformer = transformer;
  // memref.copy of non-contiguous buffers calls into the C runner utils.
  std::string utils = ROTQ_MLIR_LIB_DIR "/libmlir_c_runner_utils.so";
  SmallVector<StringRef> libs;
  if (llvm::sys::fs::exists(utils))
    libs.push_back(utils);
  eo.sharedLibPaths = libs;
  auto engine = ExecutionEngine::create(module, eo);
  if (!engine)
    return err("JIT compilation failed: " + toString(engine.takeError()));
  // The CPU microkernels come from the runtime library this process links.
  (*engine)->registerSymbols([](llvm::orc::MangleAndInterner interner) {
    llvm::orc::SymbolMap symbols;
    auto add = [&](const char *name, void *fn) {
      symbols[interner(name)] = {llvm::orc::ExecutorAddr::fromPtr(fn),
                                 llvm::JITSymbolFlags::Exported};
    };
    add("rotq_ukernel_matmul_tb_f32", (void *)&rotq_ukernel_matmul_tb_f32);
    add("rotq_ukernel_matmul_tb_i8i8i32",
        (void *)&rotq_ukernel_matmul_tb_i8i8i32);
    add("rotq_ukernel_attention_f32", (void *)&rotq_ukernel_attention_f32);
    return symbols;
  });
  // Global constructors load the GPU modules: run them now, so that a
  // failure to load shows up before the first call.
  (*engine)->initialize();
  if (onGpu) {
    std::string loadError = ::rotq::cuda::takeRuntimeError();
    if (!loadError.empty())
      return err("loading the GPU kernels failed: " + loadError);
  }
  std::shared_ptr<ExecutionEngine> shared = std::move(*engine);
  if (key)
    codeCache().insert(*key, shared);
  return std::unique_ptr<Compiled>(
      new Compiled(std::move(shared), func, full, onGpu, std::move(bound)));
}

void configureCodeGeneration() {
  static bool once = [] {
    // A 135M-parameter model's rotq-run on 256 tokens: 28.6 s -> 7.7 s,
    // bit-identical logits.
    auto &opts = llvm::cl::getRegisteredOptions();
    auto it = opts.find("combiner-store-merging");
    if (it != opts.end() && it->second->getNumOccurrences() == 0)
      (void)it->second->addOccurrence(0, it->first, "false");
    return true;
  }();
  (void)once;
}

bool cudaAvailable(std::string *why) {
  return ::rotq::cuda::load(why) != nullptr;
}

Compiled::Compiled(std::shared_ptr<mlir::ExecutionEngine> engine,
                   std::string func, Signature sig, bool onGpu,
                   std::unique_ptr<::rotq::materialize::BoundParameters> bound,
                   bool reusedCode)
    : engine(std::move(engine)), func(std::move(func)), sig(std::move(sig)),
      onGpu(onGpu), bound(std::move(bound)), reused(reusedCode) {
#ifdef __GLIBC__
  // Lowered code mallocs and frees its buffers on every call. glibc serves
  // large blocks with fresh mmaps, which the kernel zeroes page by page on
  // each call (a fifth of a 128-token forward); kept in the heap, they are
  // reused warm.
  // (32 MiB is the largest threshold glibc accepts on 64-bit hosts;
  // failures only leave glibc's defaults.)
  static bool once = [] {
    bool ok = mallopt(M_MMAP_THRESHOLD, 32 << 20) == 1;
    return mallopt(M_TRIM_THRESHOLD, 1 << 30) == 1 && ok;
  }();
  (void)once;
#endif
}
Compiled::~Compiled() = default;

llvm::Expected<std::vector<std::vector<int64_t>>>
Compiled::invoke(ArrayRef<void *> data,
                 ArrayRef<std::vector<int64_t>> shapes) {
  if (data.size() != sig.args.size() || shapes.size() != data.size())
    return err("@" + func + " takes " + llvm::Twine(sig.args.size()) +
               " arguments, " + llvm::Twine(data.size()) + " given");
  // Argument descriptors, then a buffer for the result descriptors (a struct
  // of descriptors when there are several results).
  std::vector<std::vector<int64_t>> argDescs;
  for (auto [p, shape] : llvm::zip(data, shapes))
    argDescs.push_back(makeDescriptor(p, shape));
  std::vector<size_t> resultOffsets;
  size_t resultWords = 0;
  for (RankedTensorType t : sig.results) {
    resultOffsets.push_back(resultWords);
    resultWords += 3 + 2 * t.getRank();
  }
  std::vector<int64_t> resultBuf(resultWords, 0);
  void *resultPtr = resultBuf.data();
  std::vector<void *> argPtrs;
  std::vector<void *> descPtrs;
  for (auto &d : argDescs)
    descPtrs.push_back(d.data());
  argPtrs.push_back(&resultPtr);
  for (auto &p : descPtrs)
    argPtrs.push_back(&p);
  if (llvm::Error e = engine->invokePacked("_mlir_ciface_" + func, argPtrs))
    return err("running @" + func + " failed: " + toString(std::move(e)));
  if (onGpu) {
    std::string gpuError = ::rotq::cuda::takeRuntimeError();
    if (!gpuError.empty())
      return err("running @" + func + " on the GPU failed: " + gpuError);
  }
  std::vector<std::vector<int64_t>> results;
  for (auto [i, t] : llvm::enumerate(sig.results))
    results.emplace_back(resultBuf.begin() + resultOffsets[i],
                         resultBuf.begin() + resultOffsets[i] + 3 +
                             2 * t.getRank());
  return results;
}

llvm::Expected<std::vector<HostTensor>>
Compiled::run(const std::vector<HostTensor> &inputs) {
  // invoke() checks the argument count.
  std::vector<void *> args;
  std::vector<std::vector<int64_t>> shapes;
  // On the GPU, arguments are copied to managed memory (kernels and host
  // code both read it) and freed after the run.
  std::vector<::rotq::cuda::CUdeviceptr> gpuArgs;
  const ::rotq::cuda::Driver *cu = nullptr;
  auto freeGpuArgs = [&] {
    for (auto p : gpuArgs)
      cu->cuMemFree(p);
  };
  if (onGpu) {
    std::string why;
    cu = ::rotq::cuda::load(&why);
    if (!cu)
      return err("cannot run on the GPU: " + why);
  }
  for (const HostTensor &h : inputs) {
    void *data = const_cast<char *>(h.array.data.data());
    if (onGpu) {
      ::rotq::cuda::CUdeviceptr p = 0;
      size_t bytes = std::max<size_t>(h.array.data.size(), 1);
      if (auto r = cu->cuMemAllocManaged(&p, bytes,
                                         ::rotq::cuda::CU_MEM_ATTACH_GLOBAL)) {
        freeGpuArgs();
        return err("cannot allocate " + llvm::Twine(bytes) +
                   " bytes of managed memory: " + ::rotq::cuda::errorString(r));
      }
      gpuArgs.push_back(p);
      std::memcpy(reinterpret_cast<void *>(p), data, h.array.data.size());
      data = reinterpret_cast<void *>(p);
    }
    args.push_back(data);
    shapes.push_back(h.array.shape);
  }
  // Weights bound at compile time follow the caller's arguments (read
  // only by the program: the const_cast never leads to a write).
  if (bound)
    for (const auto &a : bound->args()) {
      args.push_back(const_cast<void *>(a.data));
      shapes.push_back(a.shape);
    }
  auto descs = invoke(args, shapes);
  if (!descs) {
    if (onGpu)
      freeGpuArgs();
    return descs.takeError();
  }

  std::vector<HostTensor> results;
  std::vector<void *> gpuResults;
  for (auto [i, t] : llvm::enumerate(sig.results)) {
    const int64_t *d = (*descs)[i].data();
    int64_t rank = t.getRank();
    auto ht = hostType(t.getElementType());
    HostTensor h;
    h.elementType = ht->first;
    h.array.dtype = ht->second;
    for (int64_t r = 0; r < rank; ++r)
      h.array.shape.push_back(d[3 + r]);
    int64_t n = h.array.numElements();
    size_t es = npy::elementSize(h.array.dtype);
    h.array.data.resize(n * es);
    const char *base = reinterpret_cast<const char *>(d[1]) + d[2] * es;
    // GPU results may be in device memory: copy the span they cover first.
    std::vector<char> staged;
    uint64_t span = 0;
    ::rotq::cuda::memrefSpan(rank, d, es, span);
    if (onGpu && span) {
      staged.resize(span);
      if (auto r = cu->cuMemcpyAsync(
              reinterpret_cast<::rotq::cuda::CUdeviceptr>(staged.data()),
              reinterpret_cast<::rotq::cuda::CUdeviceptr>(base), staged.size(),
              nullptr);
          r || (r = cu->cuCtxSynchronize())) {
        freeGpuArgs();
        return err("cannot read result " + llvm::Twine(i) + " from the GPU: " +
                   ::rotq::cuda::errorString(r));
      }
      base = staged.data();
    }
    if (onGpu) {
      void *alloc = reinterpret_cast<void *>(d[0]);
      bool isArg = llvm::is_contained(
          gpuArgs, reinterpret_cast<::rotq::cuda::CUdeviceptr>(alloc));
      if (!isArg && !llvm::is_contained(gpuResults, alloc))
        gpuResults.push_back(alloc);
    }
    // Copy element by element through the strides.
    std::vector<int64_t> idx(rank, 0);
    for (int64_t e = 0; e < n; ++e) {
      int64_t off = 0;
      for (int64_t r = 0; r < rank; ++r)
        off += idx[r] * d[3 + rank + r];
      std::memcpy(h.array.data.data() + e * es, base + off * es, es);
      for (int64_t r = rank; r-- > 0;) {
        if (++idx[r] < h.array.shape[r])
          break;
        idx[r] = 0;
      }
    }
    results.push_back(std::move(h));
  }
  // Results are the caller's: back to the runtime's pool (GPU) or the heap
  // (CPU: the lowered code mallocs them; several results may share one
  // block, and none is an argument, which the program never returns
  // without a copy).
  for (void *p : gpuResults)
    mgpuMemFree(p, nullptr);
  if (!onGpu) {
    std::vector<void *> freed;
    for (const std::vector<int64_t> &d : *descs) {
      void *alloc = reinterpret_cast<void *>(d[0]);
      if (!alloc || llvm::is_contained(freed, alloc) ||
          llvm::is_contained(args, alloc))
        continue;
      freed.push_back(alloc);
      std::free(alloc);
    }
  }
  // Results are read; they may alias arguments, so arguments go last.
  if (onGpu)
    freeGpuArgs();
  return results;
}

llvm::Expected<std::vector<HostTensor>>
runFunction(ModuleOp module, const std::string &func, const Signature &sig,
            const std::vector<HostTensor> &inputs, const RunOptions &opts) {
  auto compiled = compile(module, func, sig, opts);
  if (!compiled)
    return compiled.takeError();
  return (*compiled)->run(inputs);
}

void printTensor(llvm::raw_ostream &os, const HostTensor &t) {
  const npy::Array &a = t.array;
  int64_t n = a.numElements();
  int64_t rank = a.shape.size();
  int64_t inner = rank ? a.shape.back() : 1;
  auto value = [&](int64_t i) -> std::string {
    std::string s;
    llvm::raw_string_ostream vs(s);
    if (t.elementType == "bf16") {
      uint16_t b;
      std::memcpy(&b, a.data.data() + 2 * i, 2);
      vs << llvm::format("%.6g", fromHalfBits(b, llvm::APFloat::BFloat()));
    } else if (a.isFloat()) {
      vs << llvm::format("%.6g", a.getDouble(i));
    } else {
      vs << a.getInt(i);
    }
    return s;
  };
  if (rank == 0) {
    os << value(0) << "\n";
    return;
  }
  for (int64_t i = 0; i < n; ++i) {
    if (i % std::max<int64_t>(inner, 1) == 0)
      os << "[";
    os << value(i);
    if ((i + 1) % inner == 0)
      os << "]\n";
    else
      os << ", ";
  }
}

} // namespace rotq::run

void ::rotq::run::registerDialects(mlir::DialectRegistry &registry) {
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::registerBuiltinDialectTranslation(registry);
  mlir::registerLLVMDialectTranslation(registry);
  // gpu.binary / launch_func and the NVVM target, for --device=cuda.
  mlir::registerAllToLLVMIRTranslations(registry);
  mlir::registerAllGPUToLLVMIRTranslations(registry);
  registry.insert<mlir::rotq::RotqDialect>();
}
