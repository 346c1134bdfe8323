//===- rotq-import.cpp - Hugging Face checkpoints to rotq model IR --------===//
//
//   rotq-import CHECKPOINT_DIR -o model.mlir
//   rotq-import --synthesize CONFIG.json --seed N [--outliers realistic] \
//               -o CHECKPOINT_DIR
//
//===----------------------------------------------------------------------===//
#include "rotq/Import/ModelImporter.h"
#include "rotq/Support/ModelSynthesis.h"
#include "rotq/Support/OutputFile.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OperationSupport.h"
#include "mlir/Support/FileUtilities.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/WithColor.h"

namespace cl = llvm::cl;

static cl::opt<std::string> inputPath(cl::Positional,
                                      cl::desc("<checkpoint directory>"));
static cl::opt<std::string> outputPath("o", cl::desc("output file (import) or "
                                                     "directory (--synthesize)"),
                                       cl::value_desc("path"), cl::Required);
static cl::opt<std::string>
    synthesize("synthesize",
               cl::desc("write a random checkpoint for this config.json"),
               cl::value_desc("config.json"));
static cl::opt<uint64_t> seed("seed", cl::desc("seed of --synthesize"),
                              cl::init(0));
static cl::opt<rotq::Outliers> outliers(
    "outliers", cl::desc("outliers planted by --synthesize"),
    cl::values(clEnumValN(rotq::Outliers::None, "none", "plain random weights"),
               clEnumValN(rotq::Outliers::Realistic, "realistic",
                          "normal (20-100x) and massive (~1000x) outliers")),
    cl::init(rotq::Outliers::None));

static int error(const llvm::Twine &msg) {
  llvm::WithColor::error(llvm::errs(), "rotq-import") << msg << "\n";
  return 1;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::ParseCommandLineOptions(
      argc, argv,
      "rotq-import: Hugging Face Llama/Mistral/Qwen2 checkpoints to model IR\n");

  if (!synthesize.empty()) {
    if (!inputPath.empty())
      return error("--synthesize takes no checkpoint argument");
    llvm::Expected<rotq::SynthesisSummary> s = rotq::synthesizeCheckpoint(
        synthesize, seed, outliers, outputPath);
    if (!s)
      return error(llvm::toString(s.takeError()));
    if (outliers == rotq::Outliers::Realistic) {
      llvm::outs() << "normal outlier channels:";
      for (int64_t ch : s->normalChannels)
        llvm::outs() << " " << ch;
      llvm::outs() << "\nmassive outlier channel (BOS token): "
                   << s->massiveChannel << "\n";
    }
    return 0;
  }

  if (inputPath.empty())
    return error("give a checkpoint directory (or --synthesize CONFIG)");
  std::string dir = inputPath;
  if (!llvm::sys::fs::is_directory(dir))
    return error(dir + ": not a directory (expected config.json and "
                       "*.safetensors)");
  llvm::SmallString<256> cfgPath(dir);
  llvm::sys::path::append(cfgPath, "config.json");
  llvm::Expected<rotq::ModelConfig> config =
      rotq::ModelConfig::load(std::string(cfgPath));
  if (!config)
    return error(llvm::toString(config.takeError()));
  llvm::Expected<rotq::safetensors::Checkpoint> ckpt =
      rotq::safetensors::Checkpoint::open(dir);
  if (!ckpt)
    return error(llvm::toString(ckpt.takeError()));

  // Never overwrite what we read (through links too), nor a directory.
  if (llvm::sys::fs::is_directory(outputPath))
    return error(outputPath + " is a directory");
  // MLIR text under a .safetensors name would read as a corrupt shard.
  if (llvm::StringRef(outputPath).ends_with(".safetensors"))
    return error("refusing to write MLIR to " + outputPath);
  std::vector<std::string> inputs = ckpt->fileNames();
  inputs.push_back(std::string(cfgPath));
  llvm::Expected<rotq::OutputFile> out =
      rotq::OutputFile::prepare(outputPath, inputs);
  if (!out)
    return error(llvm::toString(out.takeError()));

  mlir::MLIRContext ctx;
  // The importer's warnings (non-finite weights) name the tensor.
  mlir::ScopedDiagnosticHandler diags(&ctx, [](mlir::Diagnostic &d) {
    auto &os = d.getSeverity() == mlir::DiagnosticSeverity::Error
                   ? llvm::WithColor::error(llvm::errs(), "rotq-import")
                   : llvm::WithColor::warning(llvm::errs(), "rotq-import");
    os << d.str() << "\n";
    return mlir::success();
  });
  auto module = rotq::importModel(ctx, *config, *ckpt);
  if (!module)
    return error(llvm::toString(module.takeError()));
  // Locations name the checkpoint module each op comes from.
  if (llvm::Error e = out->write([&](llvm::raw_ostream &os) {
        (*module)->print(os, mlir::OpPrintingFlags().enableDebugInfo());
        os << "\n";
      }))
    return error(llvm::toString(std::move(e)));
  return 0;
}
