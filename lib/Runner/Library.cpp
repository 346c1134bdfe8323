//===- Library.cpp - compile a function ahead of time to a shared library -===//
//
// The JIT needs MLIR and LLVM at run time; a deployed model (or a machine
// that only has a GPU driver) should not. Here the module is lowered as for
// the JIT, translated to LLVM IR, compiled to a position-independent object
// for this host and linked into a shared library with the system C
// compiler. GPU kernels travel inside it (gpu.binary) and are loaded by its
// constructor through librotq_cuda_runtime.so. The function's signature is
// stored as a string so that a caller without MLIR (e.g. Python's ctypes)
// can build the memref descriptors.
//
//===----------------------------------------------------------------------===//
#include "rotq/Runner/Runner.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/GlobalVariable.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Target/TargetMachine.h"

using namespace mlir;

namespace {

llvm::Error err(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

/// "f16:?x4096": element type and sizes, '?' for dynamic ones.
std::string describe(RankedTensorType t) {
  std::string s;
  llvm::raw_string_ostream os(s);
  t.getElementType().print(os);
  os << ":";
  for (int64_t i = 0; i < t.getRank(); ++i) {
    if (i)
      os << "x";
    if (t.isDynamicDim(i))
      os << "?";
    else
      os << t.getDimSize(i);
  }
  return s;
}

} // namespace

namespace rotq::run {

llvm::Error compileLibrary(ModuleOp module, const std::string &func,
                           const Signature &sig, const RunOptions &opts,
                           const std::string &output,
                           const std::string &runtimeDir) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  // Checkpoint tensors stay in their files (the library's size does not
  // grow with the model): they become trailing arguments, listed in
  // rotq_params_FUNC for the caller to map. Weight chains are compiled in.
  // CPU only: GPU libraries still embed their weights.
  std::string paramsText;
  if (opts.runtimeParams && opts.device == "cpu") {
    ::rotq::materialize::Options mopts;
    mopts.baseDir = opts.paramDir;
    mopts.progress = false;
    auto bound = ::rotq::materialize::bindParameters(module, func, mopts,
                                                     /*checkpointOnly=*/true);
    if (!bound)
      return bound.takeError();
    auto f = module.lookupSymbol<func::FuncOp>(func);
    unsigned first = f.getNumArguments() - (*bound)->args().size();
    for (auto [i, a] : llvm::enumerate((*bound)->args())) {
      llvm::SmallString<256> file(a.file);
      if (std::error_code ec = llvm::sys::fs::make_absolute(file))
        return err("cannot resolve " + a.file + ": " + ec.message());
      paramsText += describe(cast<RankedTensorType>(
                        f.getArgumentTypes()[first + i])) +
                    "\t" + std::string(file) + "\t" + a.name + "\n";
    }
  }
  if (llvm::Error e = lower(module, func, opts, /*needDevice=*/false))
    return e;

  configureCodeGeneration();
  llvm::LLVMContext llvmCtx;
  std::unique_ptr<llvm::Module> m = translateModuleToLLVMIR(module, llvmCtx);
  if (!m)
    return err("translation to LLVM IR failed");
  // This host's triple with the generic CPU (no -march=native): the library
  // may run on another machine of the same architecture.
  llvm::orc::JITTargetMachineBuilder jtmb(
      llvm::Triple(llvm::sys::getDefaultTargetTriple()));
  jtmb.setRelocationModel(llvm::Reloc::PIC_);
  jtmb.setCodeGenOptLevel(llvm::CodeGenOptLevel::Aggressive);
  auto tm = jtmb.createTargetMachine();
  if (!tm)
    return tm.takeError();
  ExecutionEngine::setupTargetTripleAndDataLayout(m.get(), tm->get());
  if (llvm::Error e = makeOptimizingTransformer(opts.optLevel, 0, tm->get())(m.get()))
    return e;

  std::string sigText = "device=" + opts.device + " args=";
  for (auto [i, t] : llvm::enumerate(sig.args))
    sigText += (i ? "," : "") + describe(t);
  sigText += " results=";
  for (auto [i, t] : llvm::enumerate(sig.results))
    sigText += (i ? "," : "") + describe(t);
  llvm::Constant *text = llvm::ConstantDataArray::getString(llvmCtx, sigText);
  new llvm::GlobalVariable(*m, text->getType(), /*isConstant=*/true,
                           llvm::GlobalValue::ExternalLinkage, text,
                           "rotq_signature_" + func);
  // One line per weight argument: "type:shape<TAB>file<TAB>tensor".
  llvm::Constant *params =
      llvm::ConstantDataArray::getString(llvmCtx, paramsText);
  new llvm::GlobalVariable(*m, params->getType(), /*isConstant=*/true,
                           llvm::GlobalValue::ExternalLinkage, params,
                           "rotq_params_" + func);

  llvm::SmallString<128> object;
  if (auto ec = llvm::sys::fs::createTemporaryFile("rotq", "o", object))
    return err("cannot create a temporary object file: " + ec.message());
  llvm::FileRemover removeObject(object);
  {
    std::error_code ec;
    llvm::ToolOutputFile out(object, ec, llvm::sys::fs::OF_None);
    if (ec)
      return err("cannot write " + object + ": " + ec.message());
    llvm::legacy::PassManager pm;
    if ((*tm)->addPassesToEmitFile(pm, out.os(), nullptr,
                                   llvm::CodeGenFileType::ObjectFile))
      return err("this host's target cannot emit object files");
    pm.run(*m);
    out.keep();
  }

  auto cc = llvm::sys::findProgramByName("cc");
  if (!cc)
    cc = llvm::sys::findProgramByName("gcc");
  if (!cc)
    return err("no C compiler (cc) on PATH to link the shared library");
  // -Bsymbolic: calls inside the library stay inside it, even when another
  // loaded library exports a function of the same name.
  std::vector<std::string> args = {*cc, "-shared", "-Wl,-Bsymbolic", "-o",
                                   output, std::string(object), "-lm"};
  if (opts.device == "cpu") {
    // Strided memref.copy calls MLIR's C runner utilities on the CPU;
    // matmuls and attention call rotq's microkernels, found next to the
    // library ($ORIGIN) or in the build's lib directory.
    args.push_back("-L" ROTQ_MLIR_LIB_DIR);
    args.push_back("-Wl,-rpath," ROTQ_MLIR_LIB_DIR);
    args.push_back("-lmlir_c_runner_utils");
    args.push_back("-L" + runtimeDir);
    args.push_back("-Wl,-rpath,$ORIGIN:" + runtimeDir);
    args.push_back("-lrotq_cpu_runtime");
  } else {
    // The library calls the mgpu* runtime: found next to it ($ORIGIN) or
    // in the build's lib directory.
    args.push_back("-L" + runtimeDir);
    args.push_back("-Wl,-rpath,$ORIGIN:" + runtimeDir);
    args.push_back("-lrotq_cuda_runtime");
  }
  std::vector<llvm::StringRef> argRefs(args.begin(), args.end());
  std::string linkError;
  int rc = llvm::sys::ExecuteAndWait(*cc, argRefs, std::nullopt, {}, 0, 0,
                                     &linkError);
  if (rc != 0)
    return err("linking " + output + " failed" +
               (linkError.empty() ? "" : ": " + linkError));
  return llvm::Error::success();
}

} // namespace rotq::run
