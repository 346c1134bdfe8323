//===- ModelSource.cpp - a checkpoint directory or a GGUF file to import --===//
#include "rotq/Import/ModelImporter.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

namespace rotq {

static llvm::Error err(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

llvm::Expected<ModelSource>
openModelSource(const std::string &path, const std::string &weightsPath,
                llvm::ArrayRef<std::string> inputs) {
  ModelSource src;
  src.configFile = path;
  if (isGgufFile(path)) {
    if (weightsPath.empty())
      return err(path + ": a GGUF import needs a path for the dequantized "
                        "weights");
    auto s = convertGguf(path, weightsPath, inputs);
    if (!s)
      return s.takeError();
    src.config = s->config;
    src.configJson = s->configJson;
    src.checkpointPath = weightsPath;
    src.gguf = std::move(*s);
    return src;
  }
  if (!llvm::sys::fs::is_directory(path))
    return err(path + ": neither a checkpoint directory (config.json and "
                      "*.safetensors) nor a GGUF file");
  llvm::SmallString<256> cfg(path);
  llvm::sys::path::append(cfg, "config.json");
  src.configFile = std::string(cfg);
  auto c = ModelConfig::load(src.configFile);
  if (!c)
    return c.takeError();
  src.config = *c;
  if (auto buf = llvm::MemoryBuffer::getFile(cfg))
    src.configJson = (*buf)->getBuffer().str();
  src.checkpointPath = path;
  return src;
}

} // namespace rotq
