//===- RotqModule.cpp - Python bindings of rotq (nanobind) -----------------===//
//
// The extension module `rotq._rotq`: the C++ libraries themselves, not the
// tools. A Module owns its MLIR context and module; pass pipelines run on
// it in place and hand back their diagnostics (the passes' report remarks)
// as Python objects; compiling JIT-lowers a copy for the CPU (or a GPU) and
// runs it on NumPy arrays (or anything with DLPack on the host, e.g. CPU
// torch tensors). The metrics and the outlier statistics are the very
// functions rotq-eval and rotq-outliers call, so results agree to the bit.
//
// rotq's libraries are built without exceptions: nothing may unwind through
// them, so Python callbacks called from inside a pass run catch everything
// and the error is raised once the run is over.
//
//===----------------------------------------------------------------------===//
#include "rotq/Calibration/Passes.h"
#include "rotq/Conversion/Passes.h"
#include "rotq/Export/Export.h"
#include "rotq/Import/GgufImport.h"
#include "rotq/Import/ModelImporter.h"
#include "rotq/Dialect/Rotq/IR/RotqOps.h"
#include "rotq/Materialize/Materialize.h"
#include "rotq/Pipelines/Pipelines.h"
#include "rotq/Runner/Evaluate.h"
#include "rotq/Runner/Outliers.h"
#include "rotq/Runner/Runner.h"
#include "rotq/Support/ModelSynthesis.h"
#include "rotq/Support/Npy.h"
#include "rotq/Support/OutputFile.h"
#include "rotq/Support/Tokenizer.h"
#include "rotq/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassInstrumentation.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"

#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/filesystem.h>
#include <nanobind/stl/function.h>
#include <nanobind/stl/map.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/shared_ptr.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>
#include <nanobind/stl/vector.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>

namespace nb = nanobind;
using namespace nb::literals;

namespace {

/// Raised for every error rotq reports (as rotq.RotqError).
struct RotqError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

[[noreturn]] void raise(llvm::Error e) {
  throw RotqError(llvm::toString(std::move(e)));
}
template <typename T> T unwrap(llvm::Expected<T> v) {
  if (!v)
    raise(v.takeError());
  return std::move(*v);
}
void check(llvm::Error e) {
  if (e)
    raise(std::move(e));
}
/// Runs `f` with the GIL released (long C++ work; other Python threads go
/// on).
template <typename F> auto withoutGil(F &&f) {
  nb::gil_scoped_release release;
  return f();
}

mlir::DialectRegistry &registry() {
  static mlir::DialectRegistry *r = [] {
    auto *reg = new mlir::DialectRegistry();
    rotq::run::registerDialects(*reg);
    return reg;
  }();
  return *r;
}

//===----------------------------------------------------------------------===//
// NumPy <-> npy::Array
//===----------------------------------------------------------------------===//

using AnyArray = nb::ndarray<nb::device::cpu, nb::c_contig, nb::ro>;

/// The element types an array may have: rotq's .npy types and their DLPack
/// codes (one table for both directions).
struct DTypePair {
  rotq::npy::DType npy;
  nb::dlpack::dtype_code code;
  uint8_t bits;
};
constexpr DTypePair dtypes[] = {
    {rotq::npy::DType::F16, nb::dlpack::dtype_code::Float, 16},
    {rotq::npy::DType::F32, nb::dlpack::dtype_code::Float, 32},
    {rotq::npy::DType::F64, nb::dlpack::dtype_code::Float, 64},
    {rotq::npy::DType::I8, nb::dlpack::dtype_code::Int, 8},
    {rotq::npy::DType::I16, nb::dlpack::dtype_code::Int, 16},
    {rotq::npy::DType::I32, nb::dlpack::dtype_code::Int, 32},
    {rotq::npy::DType::I64, nb::dlpack::dtype_code::Int, 64},
    {rotq::npy::DType::U8, nb::dlpack::dtype_code::UInt, 8},
    {rotq::npy::DType::Bool, nb::dlpack::dtype_code::Bool, 8},
};

rotq::npy::DType dtypeOf(nb::dlpack::dtype t) {
  for (const DTypePair &d : dtypes)
    if (t.lanes == 1 && t.code == uint8_t(d.code) && t.bits == d.bits)
      return d.npy;
  throw RotqError("unsupported array element type (code " +
                  std::to_string(t.code) + ", " + std::to_string(t.bits) +
                  " bits): use float16/32/64, int8/16/32/64, uint8 or bool");
}

nb::dlpack::dtype dlpackOf(rotq::npy::DType t) {
  for (const DTypePair &d : dtypes)
    if (d.npy == t)
      return nb::dlpack::dtype{uint8_t(d.code), d.bits, 1};
  throw RotqError("no DLPack type for this array");
}

rotq::npy::Array toNpy(const AnyArray &a) {
  rotq::npy::Array out;
  out.dtype = dtypeOf(a.dtype());
  for (size_t i = 0; i < a.ndim(); ++i)
    out.shape.push_back(int64_t(a.shape(i)));
  const char *p = static_cast<const char *>(a.data());
  out.data.assign(p, p + a.nbytes());
  return out;
}

/// A NumPy array that owns the data of `a`.
nb::object toNumpy(rotq::npy::Array a) {
  auto *data = new std::vector<char>(std::move(a.data));
  nb::capsule owner(data, [](void *p) noexcept {
    delete static_cast<std::vector<char> *>(p);
  });
  std::vector<size_t> shape(a.shape.begin(), a.shape.end());
  return nb::cast(nb::ndarray<nb::numpy>(data->data(), shape.size(),
                                         shape.data(), owner, nullptr,
                                         dlpackOf(a.dtype)));
}

std::vector<int64_t> toIds(const AnyArray &a, const char *what) {
  rotq::npy::Array n = toNpy(a);
  if (n.isFloat() || n.dtype == rotq::npy::DType::Bool)
    throw RotqError(std::string(what) + " must be integer token ids");
  std::vector<int64_t> ids(n.numElements());
  for (size_t i = 0; i < ids.size(); ++i)
    ids[i] = n.getInt(i);
  return ids;
}

//===----------------------------------------------------------------------===//
// Diagnostics
//===----------------------------------------------------------------------===//

struct Diagnostic {
  std::string severity, location, message;
  std::vector<std::string> notes;
};

const char *severityName(mlir::DiagnosticSeverity s) {
  switch (s) {
  case mlir::DiagnosticSeverity::Error:
    return "error";
  case mlir::DiagnosticSeverity::Warning:
    return "warning";
  case mlir::DiagnosticSeverity::Remark:
    return "remark";
  case mlir::DiagnosticSeverity::Note:
    return "note";
  }
  return "note";
}

std::string locationText(mlir::Location loc) {
  if (auto n = llvm::dyn_cast<mlir::NameLoc>(loc))
    return n.getName().str();
  std::string s;
  llvm::raw_string_ostream os(s);
  loc.print(os);
  return s;
}

/// Collects the diagnostics of the context while alive (thread-safe: passes
/// may run on several threads).
class Collector {
public:
  explicit Collector(mlir::MLIRContext &ctx)
      : handler(&ctx, [this](mlir::Diagnostic &d) {
          Diagnostic out{severityName(d.getSeverity()),
                         locationText(d.getLocation()), d.str(), {}};
          for (mlir::Diagnostic &n : d.getNotes())
            out.notes.push_back(n.str());
          std::lock_guard<std::mutex> lock(mutex);
          diags.push_back(std::move(out));
          return mlir::success();
        }) {}
  std::vector<Diagnostic> take() { return std::move(diags); }
  /// The errors, one per line, for an exception's message.
  std::string errors() const {
    std::string s;
    for (const Diagnostic &d : diags)
      if (d.severity == "error") {
        s += "\n" + d.location + ": " + d.message;
        for (const std::string &n : d.notes)
          s += "\n  note: " + n;
      }
    return s;
  }

private:
  std::mutex mutex;
  std::vector<Diagnostic> diags;
  mlir::ScopedDiagnosticHandler handler;
};

//===----------------------------------------------------------------------===//
// Module
//===----------------------------------------------------------------------===//

using ProgressFn = std::function<void(std::string, std::string)>;

/// Reports each pass that ran (its argument and the op it ran on).
class ProgressInstrumentation : public mlir::PassInstrumentation {
public:
  ProgressInstrumentation(ProgressFn fn, std::string *error)
      : fn(std::move(fn)), error(error) {}
  void runAfterPass(mlir::Pass *pass, mlir::Operation *op) override {
    report(pass, op);
  }
  void runAfterPassFailed(mlir::Pass *pass, mlir::Operation *op) override {
    report(pass, op);
  }

private:
  void report(mlir::Pass *pass, mlir::Operation *op) {
    // Pass managers that only nest others (no argument) are not progress.
    if (pass->getArgument().empty())
      return;
    // The GIL serializes the callbacks of passes running on several
    // threads (a second lock taken under it could deadlock).
    nb::gil_scoped_acquire gil;
    if (!error->empty())
      return;
    try {
      fn(pass->getArgument().str(), op->getName().getStringRef().str());
    } catch (const std::exception &e) {
      *error = e.what();
    }
  }
  ProgressFn fn;
  std::string *error;
};

class Compiled;

class Module {
public:
  Module(std::shared_ptr<mlir::MLIRContext> ctx,
         mlir::OwningOpRef<mlir::ModuleOp> module, std::string baseDir,
         std::string source)
      : ctx(std::move(ctx)), module(std::move(module)),
        baseDir(std::move(baseDir)), source(std::move(source)) {}

  static std::shared_ptr<mlir::MLIRContext> newContext() {
    return std::make_shared<mlir::MLIRContext>(registry());
  }

  /// Parses and verifies a module; the parser's diagnostics become the
  /// error. `source` names the buffer (a file path or "<string>").
  static std::shared_ptr<Module>
  parseBuffer(std::unique_ptr<llvm::MemoryBuffer> buffer, std::string baseDir,
              std::string source) {
    auto ctx = newContext();
    std::string diagText;
    llvm::raw_string_ostream os(diagText);
    llvm::SourceMgr sm;
    sm.AddNewSourceBuffer(std::move(buffer), llvm::SMLoc());
    mlir::SourceMgrDiagnosticHandler handler(sm, ctx.get(), os);
    mlir::OwningOpRef<mlir::ModuleOp> m;
    {
      nb::gil_scoped_release release;
      m = mlir::parseSourceFile<mlir::ModuleOp>(sm,
                                                mlir::ParserConfig(ctx.get()));
      if (m && failed(mlir::verify(*m)))
        m = {};
    }
    if (!m)
      throw RotqError(diagText.empty() ? "cannot parse " + source : diagText);
    return std::make_shared<Module>(ctx, std::move(m), std::move(baseDir),
                                    std::move(source));
  }

  static std::shared_ptr<Module> parseFile(const std::filesystem::path &p) {
    std::string path = p.string();
    auto buffer = llvm::MemoryBuffer::getFile(path);
    if (!buffer)
      throw RotqError(path + ": " + buffer.getError().message());
    return parseBuffer(std::move(*buffer), rotq::materialize::directoryOf(path),
                       path);
  }

  static std::shared_ptr<Module> parseText(const std::string &text,
                                           const std::string &baseDir) {
    return parseBuffer(llvm::MemoryBuffer::getMemBufferCopy(text, "<string>"),
                       baseDir, "<string>");
  }

  /// A Hugging Face checkpoint directory, or a GGUF file whose tensors are
  /// dequantized into `weights` (float32 safetensors).
  static std::shared_ptr<Module>
  importCheckpoint(const std::filesystem::path &p,
                   const std::optional<std::filesystem::path> &w) {
    std::string path = p.string(), weights = w ? w->string() : "";
    auto src = withoutGil(
        [&] { return rotq::openModelSource(path, weights, {path}); });
    if (!src)
      raise(src.takeError());
    std::optional<rotq::ModelConfig> config = src->config;
    std::string ckptPath = src->checkpointPath, configJson = src->configJson;
    auto ckpt = unwrap(rotq::safetensors::Checkpoint::open(ckptPath));
    auto ctx = newContext();
    Collector diags(*ctx);
    auto m = withoutGil([&] { return rotq::importModel(*ctx, *config, ckpt); });
    if (!m)
      throw RotqError(llvm::toString(m.takeError()) + diags.errors());
    auto mod = std::make_shared<Module>(ctx, std::move(*m), "", path);
    mod->lastDiagnostics = diags.take();
    mod->configJson = configJson;
    return mod;
  }

  std::shared_ptr<Module> clone() const {
    auto m = std::make_shared<Module>(
        ctx, mlir::OwningOpRef<mlir::ModuleOp>(module->clone()), baseDir,
        source);
    m->configJson = configJson;
    return m;
  }

  /// The operations a runtime must apply beyond a Hugging Face model's.
  std::vector<std::map<std::string, std::string>>
  onlineOperations(const std::string &func) const {
    std::vector<std::map<std::string, std::string>> out;
    for (const rotq::exporting::OnlineOp &o :
         unwrap(rotq::exporting::onlineOperations(*module, func)))
      out.push_back({{"op", o.name},
                     {"location", o.location},
                     {"input_of", o.consumer},
                     {"ir", o.text}});
    return out;
  }

  /// onlineOperations as the JSON sidecar's text.
  std::string onlineReport(const std::string &func) const {
    auto ops = unwrap(rotq::exporting::onlineOperations(*module, func));
    return llvm::formatv("{0:2}", rotq::exporting::onlineReport(ops)).str();
  }

  /// A Hugging Face checkpoint (config.json + model.safetensors) of a model
  /// whose transforms are all fused; `config`: the source's config.json
  /// text (default: the one it was imported with).
  std::map<std::string, int64_t>
  exportHuggingFace(const std::filesystem::path &out,
                    const std::optional<std::string> &config,
                    const std::string &func, bool progress) {
    std::string text = config ? *config : configJson;
    if (text.empty())
      throw RotqError("no config.json known for this module (it was not "
                      "imported from a checkpoint): pass config=");
    auto parsed = llvm::json::parse(text);
    if (!parsed)
      raise(parsed.takeError());
    if (!parsed->getAsObject())
      throw RotqError("the config is not a JSON object");
    rotq::exporting::ExportSummary summary;
    llvm::json::Object cfg = *parsed->getAsObject();
    {
      nb::gil_scoped_release release;
      check(rotq::exporting::exportHuggingFace(*module, func, cfg,
                                               out.string(),
                                               materializeOptions(progress),
                                               &summary));
    }
    return {{"tensors", summary.tensors}, {"bytes", int64_t(summary.bytes)}};
  }

  std::string str(bool debugInfo) const {
    std::string s;
    llvm::raw_string_ostream os(s);
    mlir::OpPrintingFlags flags;
    if (debugInfo)
      flags.enableDebugInfo();
    module->print(os, flags);
    return s;
  }

  /// Runs a textual pass pipeline on the module, in place. Returns the
  /// diagnostics (remarks, warnings); raises with the errors on failure.
  std::vector<Diagnostic> runPasses(const std::string &pipeline,
                                    std::optional<ProgressFn> progress) {
    mlir::PassManager pm(ctx.get(), mlir::ModuleOp::getOperationName());
    std::string err;
    llvm::raw_string_ostream es(err);
    if (failed(mlir::parsePassPipeline(pipeline, pm, es)))
      throw RotqError("pipeline '" + pipeline + "': " + err);
    std::string callbackError;
    if (progress)
      pm.addInstrumentation(
          std::make_unique<ProgressInstrumentation>(*progress, &callbackError));
    Collector diags(*ctx);
    // Passes reading parameters (calibration) resolve relative files as
    // the module's own directory says.
    rotq::materialize::setDefaultBaseDir(baseDir);
    mlir::LogicalResult result = mlir::success();
    {
      nb::gil_scoped_release release;
      result = pm.run(*module);
    }
    if (!callbackError.empty())
      throw RotqError("the progress callback failed: " + callbackError);
    if (failed(result))
      throw RotqError("pipeline '" + pipeline + "' failed" + diags.errors());
    lastDiagnostics = diags.take();
    return lastDiagnostics;
  }

  std::map<std::string, int64_t> operations() const {
    std::map<std::string, int64_t> counts;
    module->walk([&](mlir::Operation *op) {
      if (op != module->getOperation())
        counts[op->getName().getStringRef().str()] += 1;
    });
    return counts;
  }

  std::vector<std::string> functions() const {
    std::vector<std::string> names;
    for (auto f : module->getOps<mlir::func::FuncOp>())
      names.push_back(f.getSymName().str());
    return names;
  }

  rotq::materialize::Options materializeOptions(bool progress) const {
    rotq::materialize::Options o;
    o.baseDir = baseDir;
    o.progress = progress;
    return o;
  }

  /// The files the module reads (its parameters), each once.
  std::vector<std::string> parameterFiles() const {
    std::vector<std::string> files;
    for (std::string &f : rotq::materialize::parameterFiles(
             *module, materializeOptions(false)))
      if (std::find(files.begin(), files.end(), f) == files.end())
        files.push_back(std::move(f));
    return files;
  }

  /// Writes the module's text (with locations) to `path`, never over a file
  /// it reads.
  void save(const std::filesystem::path &p) const {
    std::string path = p.string();
    std::vector<std::string> inputs = parameterFiles();
    if (source != "<string>")
      inputs.push_back(source);
    auto out = unwrap(rotq::OutputFile::prepare(path, inputs));
    // Relative parameter files are relative to this module's directory:
    // the saved copy names them absolutely, wherever it is written.
    mlir::OwningOpRef<mlir::ModuleOp> copy(module->clone());
    copy->walk([&](mlir::rotq::ParamOp p) {
      llvm::SmallString<256> f(p.getFile());
      if (llvm::sys::path::is_absolute(f))
        return;
      llvm::SmallString<256> abs(baseDir);
      llvm::sys::path::append(abs, f);
      llvm::sys::fs::make_absolute(abs);
      p.setFile(abs);
    });
    check(out.write([&](llvm::raw_ostream &os) {
      copy->print(os, mlir::OpPrintingFlags().enableDebugInfo());
      os << "\n";
    }));
  }

  /// Evaluates every weight chain into OUTDIR/`fileName` and rewrites the
  /// module to read it (as rotq-materialize does); the module text goes to
  /// OUTDIR/model.mlir.
  std::map<std::string, int64_t> materialize(const std::filesystem::path &o,
                                             bool progress) {
    std::string outDir = o.string();
    if (llvm::sys::fs::exists(outDir) && !llvm::sys::fs::is_directory(outDir))
      throw RotqError(outDir + " exists and is not a directory");
    if (std::error_code ec = llvm::sys::fs::create_directories(outDir))
      throw RotqError(outDir + ": cannot create directory: " + ec.message());
    llvm::SmallString<256> mlirPath(outDir);
    llvm::sys::path::append(mlirPath, "model.mlir");
    std::vector<std::string> inputs;
    if (source != "<string>")
      inputs.push_back(source);
    auto out = unwrap(rotq::OutputFile::prepare(std::string(mlirPath), inputs));
    rotq::materialize::Summary summary;
    {
      nb::gil_scoped_release release;
      check(rotq::materialize::materializeToDirectory(
          *module, outDir, "model.safetensors", materializeOptions(progress),
          &summary));
    }
    // The module now reads OUTDIR/model.safetensors, whatever follows.
    baseDir = outDir;
    check(out.write([&](llvm::raw_ostream &os) {
      module->print(os, mlir::OpPrintingFlags().enableDebugInfo());
      os << "\n";
    }));
    source = std::string(mlirPath);
    return {{"tensors", summary.tensors},
            {"evaluated", summary.evaluated},
            {"bytes", int64_t(summary.bytes)}};
  }

  std::shared_ptr<Compiled> compile(const std::string &func,
                                    const std::string &device, unsigned opt,
                                    const std::string &chip);

  std::vector<std::pair<std::string, nb::object>>
  linearInputs(const AnyArray &tokens, const std::string &func) const {
    rotq::npy::Array t = toNpy(tokens);
    auto inputs = withoutGil([&] {
      return rotq::outliers::captureLinearInputs(*module, func, t, baseDir,
                                                 source, "tokens");
    });
    std::vector<std::pair<std::string, nb::object>> out;
    for (rotq::outliers::LinearInput &in : unwrap(std::move(inputs)))
      out.emplace_back(in.name, toNumpy(std::move(in.values)));
    return out;
  }

  std::shared_ptr<mlir::MLIRContext> ctx;
  // OwningOpRef's accessors are not const.
  mutable mlir::OwningOpRef<mlir::ModuleOp> module;
  /// What relative parameter files are relative to.
  std::string baseDir;
  /// The file the module was read from ("<string>" if none).
  std::string source;
  std::vector<Diagnostic> lastDiagnostics;
  /// The source checkpoint's config.json text (empty if unknown).
  std::string configJson;
};

//===----------------------------------------------------------------------===//
// Compiled
//===----------------------------------------------------------------------===//

std::string typeText(mlir::RankedTensorType t) {
  std::string s;
  llvm::raw_string_ostream os(s);
  t.print(os);
  return s;
}

class Compiled {
public:
  Compiled(std::shared_ptr<mlir::MLIRContext> ctx,
           mlir::OwningOpRef<mlir::ModuleOp> module,
           std::unique_ptr<rotq::run::Compiled> compiled,
           rotq::run::Signature sig, std::string func, std::string name)
      : ctx(std::move(ctx)), module(std::move(module)),
        compiled(std::move(compiled)), sig(std::move(sig)),
        func(std::move(func)), name(std::move(name)) {}

  std::vector<nb::object> call(const std::vector<AnyArray> &args) {
    if (args.size() != sig.args.size())
      throw RotqError("@" + func + " takes " + std::to_string(sig.args.size()) +
                      " arguments, got " + std::to_string(args.size()));
    std::vector<rotq::run::HostTensor> in;
    for (size_t i = 0; i < args.size(); ++i)
      in.push_back(unwrap(rotq::run::prepareInput(
          sig, unsigned(i), toNpy(args[i]),
          "argument " + std::to_string(i))));
    auto out = withoutGil([&] { return compiled->run(in); });
    std::vector<nb::object> results;
    for (rotq::run::HostTensor &t : unwrap(std::move(out)))
      results.push_back(toNumpy(std::move(t.array)));
    return results;
  }

  /// @forward's logits on one token sequence, exactly as rotq-eval gets
  /// them.
  nb::object logits(const AnyArray &tokens) {
    std::vector<int64_t> ids = toIds(tokens, "tokens");
    auto l = withoutGil(
        [&] { return rotq::eval::logits(*compiled, sig, ids, name); });
    return toNumpy(unwrap(std::move(l)));
  }

  std::vector<std::string> argTypes() const {
    std::vector<std::string> s;
    for (auto t : sig.args)
      s.push_back(typeText(t));
    return s;
  }
  std::vector<std::string> resultTypes() const {
    std::vector<std::string> s;
    for (auto t : sig.results)
      s.push_back(typeText(t));
    return s;
  }

  std::shared_ptr<mlir::MLIRContext> ctx;
  mlir::OwningOpRef<mlir::ModuleOp> module;
  std::unique_ptr<rotq::run::Compiled> compiled;
  rotq::run::Signature sig;
  std::string func, name;
};

std::shared_ptr<Compiled> Module::compile(const std::string &func,
                                          const std::string &device,
                                          unsigned opt,
                                          const std::string &chip) {
  if (device != "cpu" && device != "cuda")
    throw RotqError("device must be 'cpu' or 'cuda', not '" + device + "'");
  if (device == "cuda") {
    std::string why;
    if (!rotq::run::cudaAvailable(&why))
      throw RotqError("no GPU to run on: " + why);
  }
  auto f = module->lookupSymbol<mlir::func::FuncOp>(func);
  if (!f || f.isExternal())
    throw RotqError(source + ": no function @" + func + " with a body");
  rotq::run::Signature sig;
  check(rotq::run::signatureOf(f, sig));
  // Lowering rewrites the module: compile a copy.
  mlir::OwningOpRef<mlir::ModuleOp> copy(module->clone());
  rotq::run::RunOptions opts;
  opts.paramDir = baseDir;
  opts.device = device;
  opts.optLevel = opt;
  opts.chip = chip;
  Collector diags(*ctx);
  auto c = withoutGil([&] { return rotq::run::compile(*copy, func, sig, opts); });
  if (!c)
    throw RotqError(llvm::toString(c.takeError()) + diags.errors());
  return std::make_shared<Compiled>(ctx, std::move(copy), std::move(*c), sig,
                                    func, source);
}

//===----------------------------------------------------------------------===//
// Metrics, outlier statistics, tokenizer
//===----------------------------------------------------------------------===//

void addToMetrics(rotq::eval::Metrics &m, const AnyArray &tokens,
                  const AnyArray &ref, const AnyArray &logits) {
  std::vector<int64_t> ids = toIds(tokens, "tokens");
  rotq::npy::Array r = toNpy(ref), l = toNpy(logits);
  if (!r.isFloat() || !l.isFloat() || r.shape.size() != 2 ||
      l.shape != r.shape || r.shape[0] != int64_t(ids.size()))
    throw RotqError("expected float logits [tokens, vocab] of the same shape "
                    "for the reference and the model, one row per token");
  check(m.add(ids, rotq::eval::toDoubles(r), rotq::eval::toDoubles(l),
              r.shape[1]));
}

std::map<std::string, double> outlierStats(const AnyArray &a,
                                           int64_t blockSize) {
  rotq::npy::Array n = toNpy(a);
  if (!n.isFloat())
    throw RotqError("outlier statistics need a float array");
  rotq::outliers::Stats s = rotq::outliers::measure(n, blockSize);
  return {{"max_abs", s.maxAbs},
          {"median_abs", s.median},
          {"ratio", s.ratio()},
          {"kurtosis", s.kurtosis},
          {"block", double(s.block)},
          {"block_mean_var", s.blockVar},
          {"block_mean_var_rel", s.blockVarRel}};
}

struct Tokenizer {
  explicit Tokenizer(const std::filesystem::path &p)
      : path(p.string()), tk(unwrap(rotq::tok::BpeTokenizer::load(path))) {}
  nb::object encode(const std::string &text) {
    // With the GIL held: encode() fills the tokenizer's cache.
    return toNumpy(rotq::npy::fromInt64(tk.encode(text)));
  }
  std::string path;
  rotq::tok::BpeTokenizer tk;
};

} // namespace

NB_MODULE(_rotq, m) {
  m.doc() = "rotq's C++ libraries: modules, pass pipelines, the CPU/GPU "
            "runner, metrics, tokenizers";
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  mlir::registerAllPasses();
  mlir::rotq::registerRotqTransformsPasses();
  mlir::rotq::registerRotqCalibrationPasses();
  mlir::rotq::registerRotqConversionPasses();
  mlir::rotq::registerRotqPipelines();

  nb::exception<RotqError>(m, "RotqError", PyExc_RuntimeError);

  nb::class_<Diagnostic>(m, "Diagnostic",
                         "A diagnostic of a pass run: severity ('remark', "
                         "'warning', 'error'), the location (the module name "
                         "of the op, e.g. 'model.layers.0.mlp.down_proj'), "
                         "the message and its notes")
      .def_ro("severity", &Diagnostic::severity)
      .def_ro("location", &Diagnostic::location)
      .def_ro("message", &Diagnostic::message)
      .def_ro("notes", &Diagnostic::notes)
      .def("__repr__", [](const Diagnostic &d) {
        return d.location + ": " + d.severity + ": " + d.message;
      });

  nb::class_<Module>(m, "Module", "An MLIR module with rotq's dialects")
      .def_static("parse_file", &Module::parseFile, "path"_a,
                  "Reads an .mlir file")
      .def_static("parse", &Module::parseText, "text"_a, "base_dir"_a = "",
                  "Parses module text; relative parameter files are "
                  "relative to base_dir")
      .def_static("import_checkpoint", &Module::importCheckpoint, "path"_a,
                  "weights"_a = nb::none(),
                  "Imports a Hugging Face checkpoint directory, or a GGUF "
                  "file whose tensors are dequantized into `weights`")
      .def("clone", &Module::clone)
      .def("to_string", &Module::str, "debug_info"_a = false)
      .def("__str__", [](const Module &mod) { return mod.str(false); })
      .def("run_passes", &Module::runPasses, "pipeline"_a,
           "progress"_a = nb::none(),
           "Runs a textual pass pipeline in place; returns the diagnostics")
      .def_prop_ro(
          "diagnostics",
          [](const Module &mod) { return mod.lastDiagnostics; },
          "The diagnostics of the last import or pass run (a copy)")
      .def("operations", &Module::operations,
           "Op name -> count, over the whole module")
      .def("functions", &Module::functions)
      .def("parameter_files", &Module::parameterFiles)
      .def("save", &Module::save, "path"_a)
      .def("materialize", &Module::materialize, "out_dir"_a,
           "progress"_a = true)
      .def("compile", &Module::compile, "func"_a = "forward",
           "device"_a = "cpu", "opt_level"_a = 2, "chip"_a = "")
      .def("linear_inputs", &Module::linearInputs, "tokens"_a,
           "func"_a = "forward")
      .def("online_operations", &Module::onlineOperations,
           "func"_a = "forward",
           "The operations a runtime must apply that a Hugging Face model "
           "does not have (online Hadamards, quantization, ...)")
      .def("online_report", &Module::onlineReport, "func"_a = "forward",
           "online_operations as JSON text (the export's sidecar)")
      .def("export_hf", &Module::exportHuggingFace, "out_dir"_a,
           "config"_a = nb::none(), "func"_a = "forward", "progress"_a = true,
           "Writes config.json + model.safetensors when every transform is "
           "fused; raises, naming them, when online operations remain")
      .def_ro("config", &Module::configJson)
      .def_ro("source", &Module::source)
      .def_ro("base_dir", &Module::baseDir);

  nb::class_<Compiled>(m, "Compiled", "A JIT-compiled function of a module")
      .def("__call__",
           [](Compiled &c, nb::args args) {
             std::vector<AnyArray> arrays;
             for (nb::handle h : args)
               arrays.push_back(nb::cast<AnyArray>(h));
             return c.call(arrays);
           })
      .def("logits", &Compiled::logits, "tokens"_a)
      .def_prop_ro("arg_types", &Compiled::argTypes)
      .def_prop_ro("result_types", &Compiled::resultTypes)
      .def_ro("func", &Compiled::func);

  nb::class_<rotq::eval::Metrics>(m, "Metrics",
                                  "Running next-token metrics of a model "
                                  "against a reference (rotq-eval's)")
      .def(nb::init<>())
      .def("add", &addToMetrics, "tokens"_a, "reference_logits"_a,
           "logits"_a)
      .def_ro("positions", &rotq::eval::Metrics::positions)
      .def_ro("predicted", &rotq::eval::Metrics::predicted)
      .def_prop_ro("rel_logit_error", &rotq::eval::Metrics::relLogitError)
      .def_prop_ro("kl", &rotq::eval::Metrics::meanKL)
      .def_prop_ro("top1_agreement", &rotq::eval::Metrics::top1Agreement)
      .def_prop_ro("perplexity", &rotq::eval::Metrics::perplexity);

  nb::class_<Tokenizer>(m, "Tokenizer",
                        "A byte-level BPE tokenizer from tokenizer.json, a "
                        "checkpoint directory or a GGUF file")
      .def(nb::init<const std::filesystem::path &>(), "path"_a)
      .def("encode", &Tokenizer::encode, "text"_a)
      .def_prop_ro("bos_id",
                   [](const Tokenizer &t) { return t.tk.bosId(); })
      .def_prop_ro("vocab_size",
                   [](const Tokenizer &t) { return t.tk.vocabSize(); })
      .def_prop_ro("unclassified_chars",
                   [](const Tokenizer &t) { return t.tk.unclassifiedChars(); })
      .def_ro("path", &Tokenizer::path);

  m.def("read_text", [](const std::filesystem::path &path) {
    return unwrap(rotq::tok::readUtf8Text(path.string()));
  }, "path"_a, "A UTF-8 text file (an error names the first bad byte)");
  m.def(
      "to_sequences",
      [](const AnyArray &ids, int64_t seqLen, int64_t maxSequences,
         std::optional<int64_t> bos) {
        auto seqs = unwrap(rotq::tok::toSequences(toIds(ids, "ids"), seqLen,
                                                  maxSequences, bos));
        return toNumpy(rotq::npy::fromSequences(seqs));
      },
      "ids"_a, "seq_len"_a, "max_sequences"_a = 0, "bos"_a = nb::none(),
      "Token ids cut into [sequences, seq_len] as rotq-eval --text cuts "
      "them");
  m.def("outlier_stats", &outlierStats, "values"_a, "block_size"_a = 128);
  m.def(
      "synthesize",
      [](const std::filesystem::path &config, uint64_t seed, bool outliers,
         const std::filesystem::path &outDir) {
        unwrap(rotq::synthesizeCheckpoint(
            config.string(), seed,
            outliers ? rotq::Outliers::Realistic : rotq::Outliers::None,
            outDir.string()));
      },
      "config"_a, "seed"_a, "outliers"_a, "out_dir"_a,
      "Writes a random checkpoint for a config.json");
  m.def("cuda_available", [] {
    std::string why;
    bool ok = rotq::run::cudaAvailable(&why);
    return std::make_pair(ok, why);
  });
}
