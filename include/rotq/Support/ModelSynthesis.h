//===- ModelSynthesis.h - random checkpoints with planted outliers -*- C++ -*-//
//
// Writes a Hugging Face checkpoint directory (config.json +
// model.safetensors) of seeded random weights for a config, so that models
// can be made without downloads. With Outliers::Realistic the weights plant
// the two kinds of activation outliers seen in trained LLMs:
//   normal:  a few fixed channels with RMSNorm weights 20-100x the others,
//            so every token's norm outputs (the q/k/v and gate/up inputs)
//            carry them;
//   massive: one residual channel about 1000x the median on the BOS token
//            (planted in its embedding row), and per layer one gate/up row
//            tuned to that channel, so the down_proj input of the BOS token
//            has one channel about 1000x its median.
//
//===----------------------------------------------------------------------===//
#ifndef ROTQ_SUPPORT_MODELSYNTHESIS_H
#define ROTQ_SUPPORT_MODELSYNTHESIS_H

#include "rotq/Support/ModelConfig.h"

#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace rotq {

enum class Outliers { None, Realistic };

struct SynthesisSummary {
  std::vector<int64_t> normalChannels; // hidden channels with large norm weights
  int64_t massiveChannel = -1;         // residual channel of the BOS outlier
  std::vector<int64_t> massiveFfnChannels; // per layer, down_proj input channel
};

/// Writes `outDir`/config.json (the given config text) and
/// `outDir`/model.safetensors in the config's torch_dtype. Refuses to write
/// into a directory that already holds a config.json or *.safetensors.
llvm::Expected<SynthesisSummary>
synthesizeCheckpoint(const std::string &configPath, uint64_t seed,
                     Outliers outliers, const std::string &outDir);

} // namespace rotq

#endif
