//===- rotq-compile.cpp - compile a function to a shared library ----------===//
//
//   rotq-compile FILE.mlir -e FUNC [--device=cpu|cuda] [--chip=sm_90a]
//                [--gpu-format=bin|fatbin|isa] -o LIB.so
//
// Ahead-of-time counterpart of rotq-run: lowers @FUNC (rotq-lower-to-llvm,
// or rotq-lower-to-nvvm for --chip) and writes a shared library exporting
// `_mlir_ciface_FUNC` (MLIR's C interface: a pointer to the result
// descriptor(s), then one pointer per argument descriptor) and the string
// `rotq_signature_FUNC`. A CUDA library needs only librotq_cuda_runtime.so
// and the driver at run time: no MLIR, no LLVM, no CUDA toolkit; a CPU
// library needs librotq_cpu_runtime.so (the matmul and attention
// microkernels; --ukernels=false compiles them to loops instead) and reads
// the checkpoint tensors its module names from their .safetensors files at
// run time (trailing arguments listed in `rotq_params_FUNC`, mapped by
// rotq_lib.py; --inline-params compiles them in).
// scripts/rotq_lib.py calls such libraries from Python with NumPy arrays.
//
//===----------------------------------------------------------------------===//
#include "rotq/Materialize/Materialize.h"
#include "rotq/Runner/Runner.h"
#include "rotq/Support/SameFile.h"

#include "mlir/IR/DialectRegistry.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/WithColor.h"

using namespace llvm;
using namespace rotq;

static cl::OptionCategory cat("rotq-compile options");
static cl::opt<std::string> input(cl::Positional, cl::desc("<file.mlir>"),
                                  cl::Required, cl::cat(cat));
static cl::opt<std::string> entry("e", cl::desc("Function to compile"),
                                  cl::init("main"), cl::value_desc("name"),
                                  cl::cat(cat));
static cl::opt<std::string> output("o", cl::desc("Shared library to write"),
                                   cl::Required, cl::value_desc("lib.so"),
                                   cl::cat(cat));
static cl::opt<std::string> device("device",
                                   cl::desc("cpu (default) or cuda"),
                                   cl::init("cpu"), cl::cat(cat));
static cl::opt<std::string> chip("chip",
                                 cl::desc("GPU to compile for (default sm_90a)"),
                                 cl::init("sm_90a"), cl::cat(cat));
static cl::opt<std::string> gpuFormat(
    "gpu-format", cl::desc("Kernels as bin (cubin, default), fatbin or isa (PTX)"),
    cl::init("bin"), cl::cat(cat));
static cl::opt<std::string> gpuMma(
    "gpu-mma",
    cl::desc("Tensor-core instruction for rotq.qmatmul: mma.sync (default) "
             "or wgmma (sm_90a)"),
    cl::init("mma.sync"), cl::cat(cat));
static cl::opt<bool> ukernels(
    "ukernels",
    cl::desc("CPU: call librotq_cpu_runtime's microkernels for matmuls and "
             "attention (default true; false lowers them to loops)"),
    cl::init(true), cl::cat(cat));
static cl::opt<bool> inlineParams(
    "inline-params",
    cl::desc("CPU: compile the checkpoint tensors into the library instead "
             "of reading them from their files at run time"),
    cl::cat(cat));
static cl::opt<unsigned> optLevel("O", cl::desc("LLVM optimization level"),
                                  cl::init(3), cl::Prefix, cl::cat(cat));

static int fail(const Twine &msg) {
  WithColor::error(errs(), "rotq-compile") << msg << "\n";
  return 1;
}

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(cat);
  cl::ParseCommandLineOptions(argc, argv,
                              "rotq-compile: compile a function of an MLIR "
                              "module to a shared library (CPU or CUDA)\n");
  if (sameFile(input, output))
    return fail("refusing to overwrite the input " + input);

  mlir::DialectRegistry registry;
  run::registerDialects(registry);
  mlir::MLIRContext ctx(registry);
  run::Signature sig;
  auto module = run::loadModule(ctx, input, entry, sig);
  if (!module)
    return fail(toString(module.takeError()));
  run::RunOptions opts;
  opts.paramDir = ::rotq::materialize::directoryOf(input);
  opts.device = device;
  opts.chip = chip;
  opts.gpuFormat = gpuFormat;
  opts.gpuMma = gpuMma;
  opts.optLevel = optLevel;
  opts.ukernels = ukernels;
  opts.runtimeParams = !inlineParams;
  // The runtime library lives in the build's lib/ beside bin/.
  SmallString<256> runtimeDir(
      sys::path::parent_path(sys::path::parent_path(
          sys::fs::getMainExecutable(argv[0], (void *)&fail))));
  sys::path::append(runtimeDir, "lib");
  if (Error e = run::compileLibrary(**module, entry, sig, opts, output,
                                    std::string(runtimeDir)))
    return fail(toString(std::move(e)));
  return 0;
}
