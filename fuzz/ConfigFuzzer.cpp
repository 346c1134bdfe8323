//===- ConfigFuzzer.cpp - fuzz config.json validation ---------------------===//
//
// The bytes as JSON, through ModelConfig::fromJSON and, for a valid config,
// tensors() and the RoPE frequencies the importer derives from it. Any JSON
// must give a ModelConfig or an llvm::Error.
//
//===----------------------------------------------------------------------===//
#include "rotq/Support/ModelConfig.h"

#include <cstdint>

using namespace rotq;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::Expected<llvm::json::Value> json = llvm::json::parse(
      llvm::StringRef(reinterpret_cast<const char *>(data), size));
  if (!json) {
    llvm::consumeError(json.takeError());
    return 0;
  }
  llvm::Expected<ModelConfig> config =
      ModelConfig::fromJSON(*json, "config.json");
  if (!config) {
    llvm::consumeError(config.takeError());
    return 0;
  }
  volatile size_t n = 0;
  for (const ModelConfig::Tensor &t : config->tensors())
    n = n + t.name.size() + t.shape.size();
  n = n + config->rope.inverseFrequencies(config->headDim).size();
  volatile double s = config->rope.attentionScaling();
  (void)s;
  return 0;
}
