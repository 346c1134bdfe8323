//===- GgufImport.h - llama.cpp GGUF models to a checkpoint -----*- C++ -*-===//
//
// A GGUF model of the `llama` or `qwen2` architecture becomes what
// rotq-import reads from a Hugging Face checkpoint: its config, from the
// GGUF metadata (validated by ModelConfig like a config.json), and its
// tensors dequantized to float32 under their PyTorch names in one
// .safetensors file, with the Q/K row permutation of llama.cpp's llama
// converter undone. Metadata that would change the model's function and
// that rotq does not implement (rope scaling other than linear, llama3's
// rope_freqs, per-layer head counts, tensors it does not know) is an error.
//
//===----------------------------------------------------------------------===//
#ifndef ROTQ_IMPORT_GGUFIMPORT_H
#define ROTQ_IMPORT_GGUFIMPORT_H

#include "rotq/Support/ModelConfig.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"

#include <map>
#include <string>

namespace rotq {

struct GgufImportSummary {
  ModelConfig config;
  /// The config.json (Hugging Face keys) the metadata describes.
  std::string configJson;
  std::map<std::string, int64_t> tensorsByType; // "Q4_1" -> count
  uint64_t bytesWritten = 0;
};

/// Whether `path` is a regular file that starts with the GGUF magic.
bool isGgufFile(const std::string &path);

/// Converts the GGUF model at `ggufPath`, writing its float32 tensors to
/// `weightsPath` (never one of `inputs`).
llvm::Expected<GgufImportSummary>
convertGguf(const std::string &ggufPath, const std::string &weightsPath,
            llvm::ArrayRef<std::string> inputs);

} // namespace rotq

#endif
