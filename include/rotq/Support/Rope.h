//===- Rope.h - rotary position embedding parameters ------------*- C++ -*-===//
//
// The rotary embedding variants of Hugging Face checkpoints ("rope types":
// default, linear, dynamic NTK, YaRN, Llama 3), read from config.json as
// transformers reads them (`rope_parameters`, or the older `rope_theta` and
// `rope_scaling`), and their inverse frequencies and cos/sin scaling with
// the formulas and float32 arithmetic of transformers' modeling_rope_utils.
//
//===----------------------------------------------------------------------===//
#ifndef ROTQ_SUPPORT_ROPE_H
#define ROTQ_SUPPORT_ROPE_H

#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace rotq {

struct RopeConfig {
  enum class Type { Default, Linear, Dynamic, Yarn, Llama3 };
  Type type = Type::Default;
  double theta = 10000.0;
  /// linear, dynamic, yarn, llama3.
  double factor = 1.0;
  /// dynamic: `max_position_embeddings`; yarn and llama3: the
  /// `original_max_position_embeddings` (defaulting to the former).
  int64_t maxPositions = 0;
  /// llama3.
  double lowFreqFactor = 0, highFreqFactor = 0;
  /// yarn.
  double betaFast = 32, betaSlow = 1;
  std::optional<double> attentionFactor, mscale, mscaleAllDim;
  bool truncate = true;

  /// Reads the rope keys of a config object. `maxPositionDefault` is the
  /// class's max_position_embeddings default. Unknown rope types, keys that
  /// change the function and are not implemented, and missing or malformed
  /// values are errors naming the key.
  static llvm::Expected<RopeConfig> fromJSON(const llvm::json::Object &config,
                                             int64_t maxPositionDefault,
                                             const std::string &path);

  static const char *name(Type t);

  /// inv_freq[i], i < headDim / 2, in float32 as transformers computes it.
  /// For dynamic, the frequencies up to maxPositions tokens (the default
  /// ones); longer sequences rescale them in the IR (see dynamicBase).
  std::vector<float> inverseFrequencies(int64_t headDim) const;
  /// The factor on cos and sin (yarn's attention factor; 1 otherwise).
  double attentionScaling() const;
};

} // namespace rotq

#endif
