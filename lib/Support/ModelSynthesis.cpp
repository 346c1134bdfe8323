//===- ModelSynthesis.cpp - random checkpoints with planted outliers ------===//
#include "rotq/Support/ModelSynthesis.h"
#include "rotq/Support/CheckedSize.h"
#include "rotq/Support/FileError.h"
#include "rotq/Support/OutputFile.h"
#include "rotq/Support/Random.h"
#include "rotq/Support/Safetensors.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
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

  // Synthesis holds every weight as float32 in memory: refuse a model
  // larger than that can be, before creating anything.
  constexpr int64_t kMaxParams = int64_t(1) << 31;
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

  Random rng(seed * 0x9E3779B97F4A7C15ULL + 17);
  int64_t D = c.hiddenSize, F = c.intermediateSize;
  bool realistic = outliers == Outliers::Realistic;
  SynthesisSummary summary;
  if (realistic) {
    // Distinct channels: up to 4 normal ones and one massive one.
    std::vector<int64_t> perm(D);
    for (int64_t i = 0; i < D; ++i)
      perm[i] = i;
    for (int64_t i = D - 1; i > 0; --i)
      std::swap(perm[i], perm[rng.below(i + 1)]);
    int64_t nNormal = std::min<int64_t>(4, std::max<int64_t>(1, D / 16));
    summary.normalChannels.assign(perm.begin(), perm.begin() + nNormal);
    summary.massiveChannel = perm[nNormal % D];
  }

  std::vector<safetensors::OutTensor> out;
  for (const ModelConfig::Tensor &t : c.tensors()) {
    safetensors::OutTensor ot{t.name, t.shape, {}};
    int64_t n = 1;
    for (int64_t d : t.shape)
      n *= d;
    ot.values.resize(n);
    llvm::StringRef name(t.name);
    bool isNorm = name.ends_with("layernorm.weight") || name == "model.norm.weight";
    bool isHeadNorm = name.ends_with("_norm.weight"); // Qwen3's q_norm, k_norm
    if (isNorm || isHeadNorm) {
      for (float &v : ot.values)
        v = float(1.0 + 0.1 * rng.normal());
      // Normal outliers enter through the norm weights before the linears.
      if (realistic && isNorm && name != "model.norm.weight")
        for (int64_t ch : summary.normalChannels)
          ot.values[ch] = float(20.0 + 80.0 * rng.uniform());
    } else if (name.ends_with(".bias")) {
      for (float &v : ot.values)
        v = float(0.1 * rng.normal());
    } else if (name == "model.embed_tokens.weight") {
      for (float &v : ot.values)
        v = float(rng.normal());
    } else {
      // [out, in]: keep activations O(1); residual writers a little smaller
      // so the stream grows slowly over the layers.
      int64_t in = t.shape[1];
      bool writer = name.ends_with("o_proj.weight") || name.ends_with("down_proj.weight");
      double sigma = (writer ? 0.5 : 1.0) / std::sqrt(double(in));
      for (float &v : ot.values)
        v = float(sigma * rng.normal());
    }
    out.push_back(std::move(ot));
  }

  if (realistic) {
    auto find = [&](const std::string &n) -> safetensors::OutTensor & {
      return *std::find_if(out.begin(), out.end(),
                           [&](const auto &t) { return t.name == n; });
    };
    // A trained model keeps its outputs O(1) although its normed activations
    // carry the normal outliers: the consuming weights are small on those
    // channels. Without this the outliers would dominate q/k (saturating
    // the softmax) and the float model itself would be chaotic.
    for (int64_t l = 0; l < c.numLayers; ++l) {
      std::string p = "model.layers." + std::to_string(l) + ".";
      const std::pair<const char *, std::vector<const char *>> readers[] = {
          {"input_layernorm.weight",
           {"self_attn.q_proj.weight", "self_attn.k_proj.weight",
            "self_attn.v_proj.weight"}},
          {"post_attention_layernorm.weight",
           {"mlp.gate_proj.weight", "mlp.up_proj.weight"}}};
      for (const auto &[norm, linears] : readers) {
        const std::vector<float> &gamma = find(p + norm).values;
        for (const char *lin : linears) {
          std::vector<float> &w = find(p + lin).values;
          for (int64_t row = 0; row < int64_t(w.size()) / D; ++row)
            for (int64_t ch : summary.normalChannels)
              w[row * D + ch] /= gamma[ch];
        }
      }
    }
    // Massive residual channel on the BOS token: ~1000x the median |x| of a
    // standard normal row (0.674).
    int64_t bos = std::clamp<int64_t>(c.bosTokenId, 0, c.vocabSize - 1);
    int64_t cm = summary.massiveChannel;
    find("model.embed_tokens.weight").values[bos * D + cm] = 700.0f;
    // After the input norm the BOS row is ~sqrt(D) on channel cm; one
    // gate/up row per layer reads that channel so that silu(g)*u ~ 1000x
    // the median of the other entries.
    for (int64_t l = 0; l < c.numLayers; ++l) {
      std::string p = "model.layers." + std::to_string(l) + ".";
      int64_t f = int64_t(rng.below(F));
      summary.massiveFfnChannels.push_back(f);
      double a = 18.0 / std::sqrt(double(D));
      find(p + "mlp.gate_proj.weight").values[f * D + cm] = float(a);
      find(p + "mlp.up_proj.weight").values[f * D + cm] = float(a);
    }
  }

  // The config is copied as given: the checkpoint reads like any other.
  auto text = llvm::MemoryBuffer::getFile(configPath, /*IsText=*/true);
  if (!text)
    return fileError(configPath, "cannot read: " + text.getError().message());
  std::string cfgOut = outDir + "/config.json";
  if (llvm::Error e = writeFile(cfgOut, [&](llvm::raw_ostream &os) {
        os << (*text)->getBuffer();
      }))
    return std::move(e);
  if (llvm::Error e =
          safetensors::write(outDir + "/model.safetensors", out, *dtype))
    return std::move(e);
  return summary;
}
