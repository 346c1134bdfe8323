//===- ModelSynthesis.cpp - random checkpoints with planted outliers ------===//
#include "rotq/Support/ModelSynthesis.h"
#include "rotq/Support/CheckedSize.h"
#include "rotq/Support/FileError.h"
#include "rotq/Support/OutputFile.h"
#include "rotq/Support/Random.h"
#include "rotq/Support/Safetensors.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Parallel.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>

using namespace rotq;

llvm::Expected<SynthesisSummary>
rotq::synthesizeCheckpoint(const std::string &configPath, uint64_t seed,
                           Outliers outliers, const std::string &outDir) {
  llvm::Expected<ModelConfig> config = ModelConfig::load(configPath);
  if (!config)
    return config.takeError();
  const ModelConfig &c = *config;
  std::optional<safetensors::DType> dtype;
  if (c.torchDtype == "float32")
    dtype = safetensors::DType::F32;
  else if (c.torchDtype == "float16")
    dtype = safetensors::DType::F16;
  else if (c.torchDtype == "bfloat16")
    dtype = safetensors::DType::BF16;
  else
    return fileError(configPath, "unsupported torch_dtype '" + c.torchDtype +
                                "' (float32, float16 or bfloat16)");

  // Synthesis streams: one block of one tensor in memory at a time, so the
  // limit is the disk, not the memory (the config's own limits apply).
  constexpr int64_t kMaxParams = int64_t(1) << 37;
  int64_t params = 0;
  for (const ModelConfig::Tensor &t : c.tensors()) {
    std::optional<int64_t> n = checkedProduct(t.shape);
    if (!n || __builtin_add_overflow(params, *n, &params) || params > kMaxParams)
      return fileError(configPath,
                       "the model has more than " + llvm::Twine(kMaxParams) +
                           " parameters; --synthesize writes at most that many");
  }
  if (std::error_code ec = llvm::sys::fs::create_directories(outDir))
    return fileError(outDir, "cannot create directory: " + ec.message());
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(outDir, ec), end; it != end && !ec;
       it.increment(ec)) {
    llvm::StringRef name = llvm::sys::path::filename(it->path());
    if (name == "config.json" || name.ends_with(".safetensors"))
      return fileError(outDir, "already holds a checkpoint (" + name +
                              "); refusing to overwrite it");
  }
  // The outlier plan comes from its own stream; every block of every tensor
  // from a stream of its own, so blocks can be drawn in parallel.
  Random plan(seed * 0x9E3779B97F4A7C15ULL + 17);
  int64_t D = c.hiddenSize, F = c.intermediateSize;
  bool realistic = outliers == Outliers::Realistic;
  SynthesisSummary summary;
  if (realistic) {
    // Distinct channels: up to 4 normal ones and one massive one.
    std::vector<int64_t> perm(D);
    for (int64_t i = 0; i < D; ++i)
      perm[i] = i;
    for (int64_t i = D - 1; i > 0; --i)
      std::swap(perm[i], perm[plan.below(i + 1)]);
    int64_t nNormal = std::min<int64_t>(4, std::max<int64_t>(1, D / 16));
    summary.normalChannels.assign(perm.begin(), perm.begin() + nNormal);
    summary.massiveChannel = perm[nNormal % D];
    for (int64_t l = 0; l < c.numLayers; ++l)
      summary.massiveFfnChannels.push_back(int64_t(plan.below(F)));
  }
  int64_t bos = std::clamp<int64_t>(c.bosTokenId.value_or(1), 0, c.vocabSize - 1);
  int64_t cm = summary.massiveChannel;

  std::vector<ModelConfig::Tensor> tensors = c.tensors();
  std::vector<safetensors::TensorSpec> specs;
  for (const ModelConfig::Tensor &t : tensors)
    specs.push_back({t.name, *dtype, t.shape});
  llvm::Expected<std::unique_ptr<safetensors::StreamWriter>> writer =
      safetensors::StreamWriter::create(outDir + "/model.safetensors",
                                        std::move(specs));
  if (!writer)
    return writer.takeError();

  // The norm weights of the current layer, for the readers' compensation.
  std::vector<float> inputNorm, postNorm;
  constexpr int64_t kBlock = int64_t(1) << 20, kBatch = 8;
  std::vector<std::vector<double>> blocks(kBatch);
  for (size_t ti = 0; ti < tensors.size(); ++ti) {
    const ModelConfig::Tensor &t = tensors[ti];
    llvm::StringRef name(t.name);
    int64_t n = 1;
    for (int64_t d : t.shape)
      n *= d;
    int64_t cols = t.shape.back();
    bool isNorm = name.ends_with("layernorm.weight") || name == "model.norm.weight";
    bool isHeadNorm = name.ends_with("_norm.weight"); // Qwen3's q_norm, k_norm
    int64_t layer = -1;
    if (name.starts_with("model.layers."))
      name.drop_front(13).take_until([](char ch) { return ch == '.'; })
          .getAsInteger(10, layer);
    // Which norm's outliers this linear reads (the readers of a norm keep
    // their outputs O(1): small weights on the outlier channels).
    const std::vector<float> *readsNorm = nullptr;
    if (realistic && (name.ends_with("q_proj.weight") ||
                      name.ends_with("k_proj.weight") ||
                      name.ends_with("v_proj.weight")))
      readsNorm = &inputNorm;
    if (realistic && (name.ends_with("gate_proj.weight") ||
                      name.ends_with("up_proj.weight")))
      readsNorm = &postNorm;
    bool massiveRow = realistic && (name.ends_with("gate_proj.weight") ||
                                    name.ends_with("up_proj.weight"));
    bool writer_ = name.ends_with("o_proj.weight") ||
                   name.ends_with("down_proj.weight");
    std::vector<float> keep; // a norm weight the next readers need
    // Blocks are drawn in parallel, a batch at a time, then adjusted and
    // written in order.
    int64_t nBlocks = (n + kBlock - 1) / kBlock;
    for (int64_t batch = 0; batch < nBlocks; batch += kBatch) {
      int64_t nb = std::min(kBatch, nBlocks - batch);
      llvm::parallelFor(0, size_t(nb), [&](size_t j) {
        int64_t bi = batch + int64_t(j), b0 = bi * kBlock;
        int64_t m = std::min(kBlock, n - b0);
        std::vector<double> &out = blocks[j];
        out.resize(m);
        Random rng((seed * 0xD1B54A32D192ED03ULL) ^
                   (uint64_t(ti) * 0x9E3779B97F4A7C15ULL) ^
                   (uint64_t(bi) * 0xBF58476D1CE4E5B9ULL));
        // [out, in] weights keep activations O(1); residual writers are a
        // little smaller so the stream grows slowly over the layers.
        double sigma = (writer_ ? 0.5 : 1.0) / std::sqrt(double(cols));
        for (int64_t k = 0; k < m; ++k) {
          double v;
          if (isNorm || isHeadNorm)
            v = 1.0 + 0.1 * rng.normal();
          else if (name.ends_with(".bias"))
            v = 0.1 * rng.normal();
          else if (name == "model.embed_tokens.weight")
            v = rng.normal();
          else
            v = sigma * rng.normal();
          out[k] = float(v);
        }
      });
    for (int64_t j = 0; j < nb; ++j) {
      int64_t b0 = (batch + j) * kBlock;
      std::vector<double> &block = blocks[j];
      int64_t m = int64_t(block.size());
      if (realistic) {
        for (int64_t k = 0; k < m; ++k) {
          int64_t idx = b0 + k, row = idx / cols, col = idx % cols;
          // Normal outliers enter through the norm weights before the
          // linears.
          if (isNorm && name != "model.norm.weight" &&
              llvm::is_contained(summary.normalChannels, col))
            block[k] = float(20.0 + 80.0 * Random(seed ^ (uint64_t(ti) << 20) ^
                                                  uint64_t(col))
                                           .uniform());
          if (readsNorm && !readsNorm->empty() &&
              llvm::is_contained(summary.normalChannels, col))
            block[k] = float(block[k]) / (*readsNorm)[col];
          // Massive residual channel on the BOS token: ~1000x the median
          // |x| of a standard normal row (0.674).
          if (name == "model.embed_tokens.weight" && row == bos && col == cm)
            block[k] = 700.0f;
          // After the input norm the BOS row is ~sqrt(D) on channel cm; one
          // gate/up row per layer reads that channel so that silu(g)*u ~
          // 1000x the median of the other entries.
          if (massiveRow && layer >= 0 && col == cm &&
              row == summary.massiveFfnChannels[layer])
            block[k] = float(18.0 / std::sqrt(double(D)));
        }
      }
      if (isNorm)
        for (int64_t k = 0; k < m; ++k)
          keep.push_back(float(block[k]));
      if (llvm::Error e = (*writer)->append(block.data(), m))
        return std::move(e);
    }
    }
    if (name.ends_with("input_layernorm.weight"))
      inputNorm = std::move(keep);
    else if (name.ends_with("post_attention_layernorm.weight"))
      postNorm = std::move(keep);
  }
  if (llvm::Error e = (*writer)->finish())
    return std::move(e);
  // The config is copied as given: the checkpoint reads like any other.
  auto text = llvm::MemoryBuffer::getFile(configPath, /*IsText=*/true);
  if (!text)
    return fileError(configPath, "cannot read: " + text.getError().message());
  std::string cfgOut = outDir + "/config.json";
  if (llvm::Error e = writeFile(cfgOut, [&](llvm::raw_ostream &os) {
        os << (*text)->getBuffer();
      }))
    return std::move(e);
  return summary;
}
