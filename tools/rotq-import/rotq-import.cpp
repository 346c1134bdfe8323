//===- rotq-import.cpp - Hugging Face checkpoints to rotq model IR --------===//
//
//   rotq-import CHECKPOINT_DIR -o model.mlir
//   rotq-import MODEL.gguf -o model.mlir [--weights model.safetensors]
//   rotq-import --synthesize CONFIG.json --seed N [--outliers realistic] \
//               -o CHECKPOINT_DIR
//
//===----------------------------------------------------------------------===//
#include "rotq/Import/GgufImport.h"
#include "rotq/Import/ModelImporter.h"
#include "rotq/Support/ModelSynthesis.h"
#include "rotq/Support/OutputFile.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OperationSupport.h"
#include "mlir/Support/FileUtilities.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/WithColor.h"

namespace cl = llvm::cl;

static cl::OptionCategory toolOptions("rotq-import options");

static cl::opt<std::string>
    inputPath(cl::cat(toolOptions), cl::Positional,
              cl::desc("<checkpoint directory or GGUF file>"));
static cl::opt<std::string> weightsPath(cl::cat(toolOptions), 
    "weights",
    cl::desc("GGUF import: where the dequantized float32 tensors go "
             "(default: the output's name with .safetensors)"),
    cl::value_desc("path"));
static cl::opt<std::string> outputPath(cl::cat(toolOptions), "o", cl::desc("output file (import) or "
                                                     "directory (--synthesize)"),
                                       cl::value_desc("path"), cl::Required);
static cl::opt<std::string>
    synthesize(cl::cat(toolOptions), "synthesize",
               cl::desc("write a random checkpoint for this config.json"),
               cl::value_desc("config.json"));
static cl::opt<uint64_t> seed(cl::cat(toolOptions), "seed", cl::desc("seed of --synthesize"),
                              cl::init(0));
static cl::opt<rotq::Outliers> outliers(cl::cat(toolOptions), 
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
  cl::HideUnrelatedOptions(toolOptions);
  cl::ParseCommandLineOptions(
      argc, argv,
      "rotq-import: Hugging Face Llama/Mistral/Qwen2 checkpoints and llama.cpp "
      "GGUF models (llama, qwen2) to model IR\n");

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
    return error("give a checkpoint directory or a GGUF file (or "
                 "--synthesize CONFIG)");
  std::string dir = inputPath;
  // Never overwrite what we read (through links too), nor a directory.
  if (llvm::sys::fs::is_directory(outputPath))
    return error(outputPath + " is a directory");
  // MLIR text under a .safetensors name would read as a corrupt shard.
  if (llvm::StringRef(outputPath).ends_with(".safetensors"))
    return error("refusing to write MLIR to " + outputPath);
  std::string weights;
  if (rotq::isGgufFile(dir)) {
    // The GGUF's tensors, dequantized, become a checkpoint beside the IR.
    weights = weightsPath;
    if (weights.empty()) {
      if (outputPath == "-")
        return error("give --weights for the dequantized tensors when "
                     "writing the IR to stdout");
      llvm::SmallString<256> w(outputPath);
      llvm::sys::path::replace_extension(w, "safetensors");
      weights = std::string(w);
    }
    if (weights == outputPath)
      return error("--weights and -o name the same file");
  }
  llvm::Expected<rotq::ModelSource> src =
      rotq::openModelSource(dir, weights, {outputPath});
  if (!src)
    return error(llvm::toString(src.takeError()));
  if (src->gguf) {
    llvm::errs() << "rotq-import: " << dir << ": ";
    bool first = true;
    for (auto &[type, n] : src->gguf->tensorsByType) {
      llvm::errs() << (first ? "" : ", ") << n << " " << type;
      first = false;
    }
    llvm::errs() << " tensors dequantized into " << weights << " ("
                 << llvm::format("%.1f", src->gguf->bytesWritten / 1048576.0)
                 << " MB, float32)\n";
  }
  std::optional<rotq::ModelConfig> config = src->config;
  std::vector<std::string> inputs{src->configFile};
  std::string ckptPath = src->checkpointPath;
  llvm::Expected<rotq::safetensors::Checkpoint> ckpt =
      rotq::safetensors::Checkpoint::open(ckptPath);
  if (!ckpt)
    return error(llvm::toString(ckpt.takeError()));
  for (const std::string &f : ckpt->fileNames())
    inputs.push_back(f);
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
