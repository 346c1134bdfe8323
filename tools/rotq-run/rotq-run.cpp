//===- rotq-run.cpp - run a function of a rotq module on the CPU or GPU ---===//
//
//   rotq-run FILE.mlir -e FUNC --input a.npy [--input b.npy ...]
//            [--output out.npy ...] [--device=cpu|cuda]
//   rotq-run FILE.mlir -e FUNC --random-inputs --seed N
//   rotq-run --compare A.mlir B.mlir -e FUNC (inputs as above)
//            [--device=cuda --ref-device=cpu]
//   rotq-run --cuda-check
//
// The module is lowered with rotq-lower-to-llvm (CPU) or rotq-lower-to-nvvm
// (CUDA, for the GPU's own chip) and run through the MLIR ExecutionEngine.
// --compare runs both modules on the same inputs and prints one line per
// result: max_abs_err=... rel_err=... with rel_err = ||a - b|| / ||b|| (B is
// the reference, run on --ref-device).
//
//===----------------------------------------------------------------------===//
#include "rotq/Materialize/Materialize.h"
#include "rotq/Runner/Runner.h"
#include "rotq/Runtime/CudaDriver.h"
#include "rotq/Support/SameFile.h"

#include "rotq/Dialect/Rotq/IR/RotqDialect.h"

#include "mlir/IR/DialectRegistry.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/WithColor.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>

using namespace llvm;
using namespace rotq;
using namespace rotq::run;

static cl::OptionCategory cat("rotq-run options");
static cl::list<std::string> files(cl::Positional, cl::desc("<file.mlir>..."),
                                   cl::cat(cat));
static cl::opt<std::string> entry("e", cl::desc("Function to run"),
                                  cl::init("main"), cl::value_desc("name"),
                                  cl::cat(cat));
static cl::list<std::string> inputs("input",
                                    cl::desc("Input .npy, one per argument"),
                                    cl::value_desc("file.npy"), cl::cat(cat));
static cl::list<std::string>
    outputs("output", cl::desc("Write result i to the i-th file (.npy)"),
            cl::value_desc("file.npy"), cl::cat(cat));
static cl::opt<bool> randomInputs(
    "random-inputs",
    cl::desc("Draw inputs: floats ~ N(0,1), integers in [0, random-int-max)"),
    cl::cat(cat));
static cl::opt<uint64_t> seed("seed", cl::desc("Seed for --random-inputs"),
                              cl::init(0), cl::cat(cat));
static cl::opt<int64_t> randomIntMax(
    "random-int-max", cl::desc("Exclusive bound of random integer inputs"),
    cl::init(100), cl::cat(cat));
static cl::opt<int64_t> dynamicSize(
    "dynamic-size",
    cl::desc("Size of dynamic dimensions for --random-inputs"), cl::init(0),
    cl::cat(cat));
static cl::opt<bool> compare(
    "compare", cl::desc("Run A.mlir and B.mlir on the same inputs and print "
                        "max_abs_err and rel_err per result"),
    cl::cat(cat));
static cl::opt<double> relTol(
    "rel-tol", cl::desc("With --compare, exit 1 if any rel_err exceeds this"),
    cl::init(-1.0), cl::cat(cat));
static cl::opt<std::string> gpuMma(
    "gpu-mma",
    cl::desc("Tensor-core instruction for rotq.qmatmul: mma.sync (default) "
             "or wgmma (sm_90a)"),
    cl::init("mma.sync"), cl::cat(cat));
static cl::opt<unsigned> optLevel("O", cl::desc("LLVM optimization level"),
                                  cl::init(2), cl::Prefix, cl::cat(cat));
static cl::opt<std::string> device(
    "device", cl::desc("Where to run: cpu (default) or cuda (GPU 0)"),
    cl::init("cpu"), cl::cat(cat));
static cl::opt<std::string> refDevice(
    "ref-device",
    cl::desc("With --compare, where B runs (default: --device)"),
    cl::init(""), cl::cat(cat));
static cl::opt<std::string> chip(
    "chip", cl::desc("GPU to compile for (default: the device's, e.g. sm_90)"),
    cl::init(""), cl::cat(cat));
static cl::opt<std::string> gpuFormat(
    "gpu-format",
    cl::desc("Device code: isa (PTX, compiled by the driver; default), bin "
             "or fatbin (need ptxas)"),
    cl::init("isa"), cl::cat(cat));
static cl::opt<bool> gpuKernels(
    "gpu-kernels",
    cl::desc("Use rotq's GPU kernels for Hadamard/quantize (default true; "
             "false lowers everything through linalg)"),
    cl::init(true), cl::cat(cat));
static cl::opt<bool> cudaCheck(
    "cuda-check",
    cl::desc("Print the GPU that --device=cuda would use and exit 0, or why "
             "there is none and exit 1"),
    cl::cat(cat));
static cl::opt<bool> dumpLowered(
    "dump-lowered", cl::desc("Print the LLVM-dialect module to stderr"),
    cl::cat(cat));

static cl::opt<unsigned> repeat(
    "repeat",
    cl::desc("Call the function N times after compiling it once and print "
             "the compile time and the min / median call time to stderr"),
    cl::init(0), cl::value_desc("N"), cl::cat(cat));
static cl::opt<bool> ukernels(
    "ukernels",
    cl::desc("CPU: call rotq's microkernels for matmuls (default true; false "
             "lowers them to loops like everything else)"),
    cl::init(true), cl::cat(cat));
static cl::opt<int64_t> outlineOps(
    "outline-ops",
    cl::desc("CPU: split the lowered function into functions of about N "
             "operations, which LLVM compiles much faster than one (default "
             "200; 0 keeps it whole)"),
    cl::init(mlir::rotq::kDefaultOutlineOps), cl::value_desc("N"),
    cl::cat(cat));

static cl::opt<bool> inlineParams(
    "inline-params",
    cl::desc("CPU: compile the weights into the program as constants "
             "instead of passing them as run-time arguments (mapped "
             "checkpoint tensors)"),
    cl::cat(cat));

static int fail(const Twine &msg) {
  WithColor::error(errs(), "rotq-run") << msg << "\n";
  return 1;
}

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  InitializeNativeTarget();
  InitializeNativeTargetAsmPrinter();
  cl::HideUnrelatedOptions(cat);
  cl::ParseCommandLineOptions(
      argc, argv,
      "rotq-run: execute a function of an MLIR module (rotq + upstream tensor "
      "ops) on the CPU or a GPU\n");

  if (cudaCheck) {
    std::string why;
    if (!cudaAvailable(&why)) {
      outs() << "no GPU: " << why << "\n";
      return 1;
    }
    outs() << "GPU: " << cuda::describeDevice() << "\n";
    return 0;
  }
  if (compare && files.size() != 2)
    return fail("--compare takes exactly two files: A.mlir B.mlir");
  if (!compare && files.size() != 1)
    return fail("expected one input file (or --compare A.mlir B.mlir)");
  if (randomInputs && !inputs.empty())
    return fail("--random-inputs and --input are exclusive");
  if (randomIntMax < 1)
    return fail("--random-int-max must be at least 1, got " +
                Twine(int64_t(randomIntMax)));
  // Dynamic dimensions of random inputs: beyond this no input fits memory.
  if (dynamicSize.getNumOccurrences() &&
      (dynamicSize < 1 || dynamicSize > (int64_t(1) << 24)))
    return fail("--dynamic-size must be in [1, 16777216], got " +
                Twine(int64_t(dynamicSize)));
  for (const std::string &o : outputs) {
    for (const std::string &in : inputs)
      if (sameFile(o, in))
        return fail("refusing to overwrite input " + in + " with an output");
    for (const std::string &f : files)
      if (sameFile(o, f))
        return fail("refusing to overwrite " + f + " with an output");
  }

  mlir::DialectRegistry registry;
  registerDialects(registry);

  RunOptions opts;
  opts.optLevel = optLevel;
  opts.dumpLowered = dumpLowered;
  opts.chip = chip;
  opts.gpuFormat = gpuFormat;
  opts.gpuMma = gpuMma;
  opts.gpuKernels = gpuKernels;
  opts.ukernels = ukernels;
  if (outlineOps < 0)
    return fail("--outline-ops must be >= 0");
  opts.outlineOps = outlineOps;
  opts.runtimeParams = !inlineParams;

  std::vector<std::vector<HostTensor>> allResults;
  std::vector<HostTensor> hostInputs;
  std::vector<Signature> sigs;
  // Signatures hold types, so their contexts live until the end.
  std::vector<std::unique_ptr<mlir::MLIRContext>> contexts;
  for (size_t fi = 0; fi < files.size(); ++fi) {
    contexts.push_back(std::make_unique<mlir::MLIRContext>(registry));
    mlir::MLIRContext &ctx = *contexts.back();
    Signature sig;
    auto module = loadModule(ctx, files[fi], entry, sig);
    if (!module)
      return fail(toString(module.takeError()));
    opts.paramDir = ::rotq::materialize::directoryOf(files[fi]);
    if (fi == 0) {
      if (!randomInputs && inputs.size() != sig.args.size())
        return fail("@" + entry + " takes " + Twine(sig.args.size()) +
                    " arguments; " + Twine(inputs.size()) +
                    " --input files given (or use --random-inputs)");
      for (unsigned i = 0; i < sig.args.size(); ++i) {
        Expected<HostTensor> h =
            randomInputs ? randomInput(sig, i, seed, randomIntMax, dynamicSize)
                         : [&]() -> Expected<HostTensor> {
          auto a = npy::read(inputs[i]);
          if (!a)
            return a.takeError();
          return prepareInput(sig, i, *a, inputs[i]);
        }();
        if (!h)
          return fail(toString(h.takeError()));
        hostInputs.push_back(std::move(*h));
      }
    } else if (!llvm::equal(sig.args, sigs[0].args,
                            [](auto a, auto b) { return a.getShape() == b.getShape() &&
                                                        a.getElementType().getTypeID() ==
                                                            b.getElementType().getTypeID(); }) ||
               sig.results.size() != sigs[0].results.size()) {
      return fail("@" + entry + " has different signatures in " + files[0] +
                  " and " + files[fi]);
    }
    sigs.push_back(sig);
    opts.device = (fi == 1 && !refDevice.empty()) ? refDevice : device;
    if (repeat == 0) {
      auto results = runFunction(**module, entry, sig, hostInputs, opts);
      if (!results)
        return fail(toString(results.takeError()));
      allResults.push_back(std::move(*results));
      continue;
    }
    // Timed: one compilation, `repeat` calls.
    using Clock = std::chrono::steady_clock;
    auto t0 = Clock::now();
    auto compiled = compile(**module, entry, sig, opts);
    if (!compiled)
      return fail(toString(compiled.takeError()));
    double compileS = std::chrono::duration<double>(Clock::now() - t0).count();
    std::vector<double> times;
    std::vector<HostTensor> results;
    for (unsigned r = 0; r < repeat; ++r) {
      auto t1 = Clock::now();
      auto out = (*compiled)->run(hostInputs);
      if (!out)
        return fail(toString(out.takeError()));
      times.push_back(std::chrono::duration<double>(Clock::now() - t1).count());
      results = std::move(*out);
    }
    std::sort(times.begin(), times.end());
    errs() << format("%s: compile %.3f s; call min %.4f s, median %.4f s "
                     "(%u calls)\n",
                     files[fi].c_str(), compileS, times.front(),
                     times[times.size() / 2], unsigned(repeat));
    allResults.push_back(std::move(results));
  }

  if (compare) {
    bool ok = true;
    for (size_t i = 0; i < allResults[0].size(); ++i) {
      const npy::Array &a = allResults[0][i].array, &b = allResults[1][i].array;
      if (a.shape != b.shape)
        return fail("result " + Twine(i) + " has different shapes");
      double maxAbs = 0, diff2 = 0, ref2 = 0;
      for (int64_t e = 0; e < a.numElements(); ++e) {
        double x = a.isFloat() ? a.getDouble(e) : double(a.getInt(e));
        double y = b.isFloat() ? b.getDouble(e) : double(b.getInt(e));
        double d = std::fabs(x - y);
        if (std::isnan(d))
          d = (std::isnan(x) && std::isnan(y)) ? 0 : INFINITY;
        maxAbs = std::max(maxAbs, d);
        diff2 += d * d;
        ref2 += y * y;
      }
      double rel = ref2 > 0 ? std::sqrt(diff2 / ref2) : (diff2 > 0 ? INFINITY : 0);
      outs() << format("max_abs_err=%.6e rel_err=%.6e\n", maxAbs, rel);
      if (relTol >= 0 && !(rel <= relTol))
        ok = false;
    }
    if (!ok)
      return fail("rel_err exceeds --rel-tol " + std::to_string(relTol.getValue()));
    return 0;
  }

  const std::vector<HostTensor> &results = allResults[0];
  if (!outputs.empty() && outputs.size() != results.size())
    return fail("@" + entry + " returns " + Twine(results.size()) +
                " results; " + Twine(outputs.size()) + " --output files given");
  for (size_t i = 0; i < results.size(); ++i) {
    if (!outputs.empty()) {
      npy::Array a = results[i].array;
      if (results[i].elementType == "bf16") {
        // NumPy has no bfloat16: widen to float32 on the way out.
        npy::Array w;
        w.dtype = npy::DType::F32;
        w.shape = a.shape;
        w.data.resize(a.numElements() * 4);
        for (int64_t e = 0; e < a.numElements(); ++e) {
          uint32_t bits = uint32_t(uint16_t(a.getInt(e))) << 16;
          std::memcpy(w.data.data() + 4 * e, &bits, 4);
        }
        a = std::move(w);
      }
      if (Error e = npy::write(outputs[i], a))
        return fail(toString(std::move(e)));
      continue;
    }
    outs() << "result " << i << ": ";
    sigs[0].results[i].print(outs());
    outs() << "\n";
    printTensor(outs(), results[i]);
  }
  return 0;
}
