//===- rotq-export.cpp - a transformed model as a Hugging Face checkpoint -===//
//
//   rotq-export MODEL.mlir --config config.json -o OUTDIR
//   rotq-export MODEL.mlir --online [-o online.json]
//
// Writes OUTDIR/config.json and OUTDIR/model.safetensors (float32) for a
// model whose transforms are all fused into its weights, so that
// transformers loads it as a plain model of its architecture; refuses,
// naming them, when the model applies online operations (online Hadamards,
// quantization, ...). With --online it prints (or writes) the list of those
// operations as JSON: what a runtime must apply besides the weights. The
// module must carry the importer's locations (rotq-opt
// -mlir-print-debuginfo): weights are named after them.
//
//===----------------------------------------------------------------------===//
#include "rotq/Export/Export.h"
#include "rotq/Materialize/Materialize.h"
#include "rotq/Runner/Runner.h"
#include "rotq/Support/OutputFile.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/WithColor.h"

namespace cl = llvm::cl;

static cl::OptionCategory toolOptions("rotq-export options");

static cl::opt<std::string> inputPath(cl::cat(toolOptions), cl::Positional, cl::Required,
                                      cl::desc("<module.mlir>"));
static cl::opt<std::string> outputPath(cl::cat(toolOptions), 
    "o", cl::desc("output directory (--online: output .json, default stdout)"),
    cl::value_desc("path"));
static cl::opt<std::string>
    configPath(cl::cat(toolOptions), "config",
               cl::desc("the source model's config.json (Hugging Face)"),
               cl::value_desc("config.json"));
static cl::opt<bool> online(cl::cat(toolOptions), "online",
                            cl::desc("list the online operations as JSON"));
static cl::opt<std::string> entry(cl::cat(toolOptions), "e", cl::desc("Function to export"),
                                  cl::init("forward"));

static int error(const llvm::Twine &msg) {
  llvm::WithColor::error(llvm::errs(), "rotq-export") << msg << "\n";
  return 1;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(toolOptions);
  cl::ParseCommandLineOptions(argc, argv,
                              "rotq-export: a model whose transforms are all "
                              "fused, as a Hugging Face checkpoint\n");
  mlir::DialectRegistry registry;
  rotq::run::registerDialects(registry);
  mlir::MLIRContext ctx(registry);
  llvm::SourceMgr sm;
  mlir::SourceMgrDiagnosticHandler handler(sm, &ctx);
  auto module = mlir::parseSourceFile<mlir::ModuleOp>(inputPath, sm, &ctx);
  if (!module || failed(mlir::verify(*module)))
    return 1;
  rotq::materialize::Options options;
  options.baseDir = rotq::materialize::directoryOf(inputPath);
  std::vector<std::string> inputs =
      rotq::materialize::parameterFiles(*module, options);
  inputs.push_back(inputPath);

  if (online) {
    if (!configPath.empty())
      return error("--config is for the checkpoint export, not --online");
    auto ops = rotq::exporting::onlineOperations(*module, entry);
    if (!ops)
      return error(llvm::toString(ops.takeError()));
    auto out = rotq::OutputFile::prepare(
        outputPath.empty() ? "-" : outputPath.getValue(), inputs);
    if (!out)
      return error(llvm::toString(out.takeError()));
    if (llvm::Error e = out->write([&](llvm::raw_ostream &os) {
          os << llvm::formatv("{0:2}", rotq::exporting::onlineReport(*ops))
             << "\n";
        }))
      return error(llvm::toString(std::move(e)));
    return 0;
  }

  if (outputPath.empty() || configPath.empty())
    return error("give the source model's --config and -o OUTDIR (or "
                 "--online)");
  auto buf = llvm::MemoryBuffer::getFile(configPath);
  if (!buf)
    return error(configPath + ": " + buf.getError().message());
  auto json = llvm::json::parse((*buf)->getBuffer());
  if (!json)
    return error(configPath + ": " + llvm::toString(json.takeError()));
  if (!json->getAsObject())
    return error(configPath + ": not a JSON object");
  inputs.push_back(configPath);
  rotq::exporting::ExportSummary summary;
  if (llvm::Error e = rotq::exporting::exportHuggingFace(
          *module, entry, *json->getAsObject(), outputPath, options, &summary))
    return error(llvm::toString(std::move(e)));
  llvm::errs() << llvm::formatv(
      "rotq-export: {0} tensors, {1:F1} MB (float32) -> {2}\n",
      summary.tensors, summary.bytes / 1e6, outputPath);
  return 0;
}
