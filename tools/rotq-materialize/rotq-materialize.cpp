//===- rotq-materialize.cpp - evaluate weight chains into a checkpoint ----===//
//
//   rotq-materialize quantized.mlir -o OUTDIR
//   rotq-materialize quantized.mlir --inline -o inline.mlir
//
// Evaluates every weight chain of the module (the rotations, scales and
// quantizers the passes applied to its parameters) and writes
// OUTDIR/model.safetensors with every tensor the model reads (quantized
// weights packed, with their scales and zero points) and OUTDIR/model.mlir
// reading them. The input files are never modified. With --inline, the
// weights become constants inside one .mlir file instead (for compilers
// that take self-contained modules, e.g. iree-compile; small models only).
//
//===----------------------------------------------------------------------===//
#include "rotq/Materialize/Materialize.h"
#include "rotq/Dialect/Rotq/IR/RotqOps.h"
#include "rotq/Runner/Runner.h"
#include "rotq/Support/OutputFile.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OperationSupport.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/WithColor.h"

#include <chrono>

namespace cl = llvm::cl;

static cl::OptionCategory toolOptions("rotq-materialize options");

static cl::opt<std::string> inputPath(cl::cat(toolOptions), cl::Positional, cl::Required,
                                      cl::desc("<module.mlir>"));
static cl::opt<std::string> outputDir(cl::cat(toolOptions), 
    "o", cl::Required,
    cl::desc("output directory (with --inline: output .mlir file)"),
    cl::value_desc("path"));
static cl::opt<bool> inlineWeights(cl::cat(toolOptions), 
    "inline", cl::desc("write one .mlir with the weights as constants"),
    cl::init(false));
static cl::opt<bool> quiet(cl::cat(toolOptions), "quiet", cl::desc("no progress or summary"),
                           cl::init(false));

static int error(const llvm::Twine &msg) {
  llvm::WithColor::error(llvm::errs(), "rotq-materialize") << msg << "\n";
  return 1;
}

/// Parses the input module (diagnostics to stderr); null on failure.
static mlir::OwningOpRef<mlir::ModuleOp> parseInput(mlir::MLIRContext &ctx,
                                                    llvm::SourceMgr &sm) {
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceFile<mlir::ModuleOp>(inputPath, sm, &ctx);
  if (module && failed(mlir::verify(*module)))
    return nullptr;
  return module;
}

static rotq::materialize::Options options() {
  rotq::materialize::Options opts;
  opts.baseDir = rotq::materialize::directoryOf(inputPath);
  opts.progress = !quiet;
  return opts;
}

/// Writes the module (with its locations, which name the layers) to `out`.
static int writeModule(rotq::OutputFile &out, mlir::ModuleOp module) {
  if (llvm::Error e = out.write([&](llvm::raw_ostream &os) {
        module->print(os, mlir::OpPrintingFlags().enableDebugInfo());
        os << "\n";
      }))
    return error(llvm::toString(std::move(e)));
  return 0;
}

static int materializeInline(std::chrono::steady_clock::time_point start) {
  mlir::DialectRegistry registry;
  rotq::run::registerDialects(registry);
  mlir::MLIRContext ctx(registry);
  llvm::SourceMgr sm;
  mlir::SourceMgrDiagnosticHandler handler(sm, &ctx);
  mlir::OwningOpRef<mlir::ModuleOp> module = parseInput(ctx, sm);
  if (!module)
    return 1;
  // The module and every file it reads are inputs the output must not be.
  std::vector<std::string> inputs =
      rotq::materialize::parameterFiles(*module, options());
  inputs.push_back(inputPath);
  llvm::Expected<rotq::OutputFile> out =
      rotq::OutputFile::prepare(outputDir, inputs);
  if (!out)
    return error(llvm::toString(out.takeError()));
  rotq::materialize::Summary summary;
  if (llvm::Error e =
          rotq::materialize::materializeInMemory(*module, options(), &summary))
    return error(llvm::toString(std::move(e)));
  if (int rc = writeModule(*out, *module))
    return rc;
  if (!quiet)
    llvm::errs() << llvm::formatv(
        "rotq-materialize: {0} tensors ({1} evaluated) inlined in {2:F1} s "
        "-> {3}\n",
        summary.tensors, summary.evaluated,
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count(),
        outputDir);
  return 0;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(toolOptions);
  cl::ParseCommandLineOptions(
      argc, argv,
      "rotq-materialize: evaluate a module's weight chains into a new "
      "safetensors checkpoint and the module that reads it\n");
  auto start = std::chrono::steady_clock::now();

  if (inlineWeights)
    return materializeInline(start);
  if (llvm::sys::fs::exists(outputDir) &&
      !llvm::sys::fs::is_directory(outputDir))
    return error(outputDir + " exists and is not a directory");
  llvm::SmallString<256> mlirPath(outputDir);
  llvm::sys::path::append(mlirPath, "model.mlir");

  mlir::DialectRegistry registry;
  rotq::run::registerDialects(registry);
  mlir::MLIRContext ctx(registry);
  llvm::SourceMgr sm;
  mlir::SourceMgrDiagnosticHandler handler(sm, &ctx);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceFile<mlir::ModuleOp>(inputPath, sm, &ctx);
  if (!module)
    return 1;
  if (failed(mlir::verify(*module)))
    return 1;
  if (std::error_code ec = llvm::sys::fs::create_directories(outputDir))
    return error(outputDir + ": cannot create directory: " + ec.message());
  // The module file itself is an input too.
  llvm::Expected<rotq::OutputFile> out =
      rotq::OutputFile::prepare(std::string(mlirPath), {inputPath});
  if (!out)
    return error(llvm::toString(out.takeError()));

  rotq::materialize::Summary summary;
  if (llvm::Error e = rotq::materialize::materializeToDirectory(
          *module, outputDir, "model.safetensors", options(), &summary))
    return error(llvm::toString(std::move(e)));
  if (int rc = writeModule(*out, *module))
    return rc;
  if (!quiet) {
    double secs = std::chrono::duration<double>(
                      std::chrono::steady_clock::now() - start)
                      .count();
    llvm::errs() << llvm::formatv(
        "rotq-materialize: {0} tensors ({1} evaluated), {2:F1} MB in {3:F1} s "
        "-> {4}\n",
        summary.tensors, summary.evaluated, summary.bytes / 1e6, secs,
        outputDir);
  }
  return 0;
}
