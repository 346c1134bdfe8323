//===- ModelConfig.h - Hugging Face decoder configs -------------*- C++ -*-===//
//
// The fields of a Hugging Face config.json that define a Llama-family
// decoder (LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM,
// Qwen3ForCausalLM), with the defaults those classes use, and the names and
// shapes of its tensors. Keys that change the model's function and that rotq
// does not implement are errors, never ignored.
//
//===----------------------------------------------------------------------===//
#ifndef ROTQ_SUPPORT_MODELCONFIG_H
#define ROTQ_SUPPORT_MODELCONFIG_H

#include "rotq/Support/Rope.h"

#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace rotq {

struct ModelConfig {
  std::string architecture; // e.g. "LlamaForCausalLM"
  int64_t vocabSize = 0;
  int64_t hiddenSize = 0;
  int64_t intermediateSize = 0;
  int64_t numLayers = 0;
  int64_t numHeads = 0;
  int64_t numKVHeads = 0;
  int64_t headDim = 0;
  double rmsNormEps = 1e-6;
  RopeConfig rope;
  bool tieWordEmbeddings = false;
  bool qkvBias = false;  // Qwen2, or Llama's attention_bias
  bool oBias = false;    // Llama's attention_bias
  bool mlpBias = false;  // Llama's mlp_bias
  bool qkNorm = false;   // Qwen3: RMSNorm over head_dim on q and k before RoPE
  std::optional<int64_t> slidingWindow; // Mistral
  std::string torchDtype = "float32";
  std::optional<int64_t> bosTokenId; // absent: the config names none

  /// Reads and validates config.json; errors name `path`.
  static llvm::Expected<ModelConfig> load(const std::string &path);
  static llvm::Expected<ModelConfig> fromJSON(const llvm::json::Value &v,
                                              const std::string &path);

  /// One tensor of the checkpoint layout, PyTorch naming and [out, in].
  struct Tensor {
    std::string name;
    std::vector<int64_t> shape;
  };
  /// Every tensor the model reads, in a stable order. lm_head.weight is
  /// listed only when the embeddings are not tied.
  std::vector<Tensor> tensors() const;
};

} // namespace rotq

#endif
