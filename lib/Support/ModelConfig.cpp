//===- ModelConfig.cpp - Hugging Face decoder configs ---------------------===//
#include "rotq/Support/ModelConfig.h"
#include "rotq/Support/CheckedSize.h"
#include "rotq/Support/FileError.h"
#include "rotq/Support/Json.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MemoryBuffer.h"

#include <tuple>

using namespace rotq;

namespace {
// Sizes beyond these are no model rotq can hold (nor one that exists).
constexpr int64_t kMaxDim = int64_t(1) << 24, kMaxLayers = 4096;
constexpr const char *kSupported =
    "LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM, Qwen3ForCausalLM";
} // namespace

llvm::Expected<ModelConfig> ModelConfig::load(const std::string &path) {
  auto buf = llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!buf)
    return fileError(path, "cannot read: " + buf.getError().message());
  llvm::Expected<llvm::json::Value> v = rotq::parseJson((*buf)->getBuffer());
  if (!v)
    return fileError(path, "malformed JSON: " + llvm::toString(v.takeError()));
  return fromJSON(*v, path);
}

llvm::Expected<ModelConfig>
ModelConfig::fromJSON(const llvm::json::Value &value, const std::string &path) {
  const llvm::json::Object *o = value.getAsObject();
  if (!o)
    return fileError(path, "config is not a JSON object");
  ModelConfig c;
  const llvm::json::Array *archs = o->getArray("architectures");
  if (!archs || archs->empty() || !archs->front().getAsString())
    return fileError(path, "no \"architectures\" entry (expected one of " +
                          llvm::Twine(kSupported) + ")");
  c.architecture = archs->front().getAsString()->str();
  bool llama = c.architecture == "LlamaForCausalLM";
  bool mistral = c.architecture == "MistralForCausalLM";
  bool qwen2 = c.architecture == "Qwen2ForCausalLM";
  bool qwen3 = c.architecture == "Qwen3ForCausalLM";
  if (!llama && !mistral && !qwen2 && !qwen3)
    return fileError(path, "unsupported architecture '" + c.architecture +
                          "' (supported: " + kSupported + ")");

  // Sizes are bounded here, before any list of tensors or allocation.
  auto integer = [&](llvm::StringRef key, int64_t &out, bool required,
                     int64_t limit = kMaxDim) -> llvm::Error {
    const llvm::json::Value *v = o->get(key);
    if (!v || v->kind() == llvm::json::Value::Null) {
      if (required)
        return fileError(path, "missing \"" + key + "\"");
      return llvm::Error::success();
    }
    std::optional<int64_t> i = jsonInteger(*v);
    if (!i || *i <= 0)
      return fileError(path, "\"" + key + "\" must be a positive integer");
    if (*i > limit)
      return fileError(path, "\"" + key + "\" is " + llvm::Twine(*i) +
                                 ", more than the " + llvm::Twine(limit) +
                                 " rotq supports");
    out = *i;
    return llvm::Error::success();
  };
  auto number = [&](llvm::StringRef key, double &out) -> llvm::Error {
    const llvm::json::Value *v = o->get(key);
    if (!v || v->kind() == llvm::json::Value::Null)
      return llvm::Error::success();
    std::optional<double> d = v->getAsNumber();
    if (!d || !(*d > 0))
      return fileError(path, "\"" + key + "\" must be a positive number");
    out = *d;
    return llvm::Error::success();
  };
  auto boolean = [&](llvm::StringRef key, bool &out) -> llvm::Error {
    const llvm::json::Value *v = o->get(key);
    if (!v || v->kind() == llvm::json::Value::Null)
      return llvm::Error::success();
    std::optional<bool> b = v->getAsBoolean();
    if (!b)
      return fileError(path, "\"" + key + "\" must be true or false");
    out = *b;
    return llvm::Error::success();
  };

  // Qwen2 ties by default in its small sizes, but the HF default is false
  // for every class; the config says which.
  if (llvm::Error e = integer("vocab_size", c.vocabSize, true)) return e;
  if (llvm::Error e = integer("hidden_size", c.hiddenSize, true)) return e;
  if (llvm::Error e = integer("intermediate_size", c.intermediateSize, true))
    return e;
  if (llvm::Error e = integer("num_hidden_layers", c.numLayers, true,
                              kMaxLayers))
    return e;
  if (llvm::Error e = integer("num_attention_heads", c.numHeads, true))
    return e;
  c.numKVHeads = c.numHeads;
  if (llvm::Error e = integer("num_key_value_heads", c.numKVHeads, false))
    return e;
  // Qwen3's head_dim is a field with default 128, the others derive it.
  if (qwen3)
    c.headDim = 128;
  else if (c.hiddenSize % c.numHeads)
    c.headDim = 0;
  else
    c.headDim = c.hiddenSize / c.numHeads;
  if (llvm::Error e = integer("head_dim", c.headDim, false)) return e;
  if (c.headDim == 0)
    return fileError(path, "hidden_size is not a multiple of num_attention_heads "
                      "and no head_dim is given");
  if (c.headDim % 2)
    return fileError(path, "head_dim " + llvm::Twine(c.headDim) +
                          " must be even for the rotary embedding");
  if (c.numHeads % c.numKVHeads)
    return fileError(path, "num_attention_heads " + llvm::Twine(c.numHeads) +
                          " is not a multiple of num_key_value_heads " +
                          llvm::Twine(c.numKVHeads));
  if (llvm::Error e = number("rms_norm_eps", c.rmsNormEps)) return e;
  // The classes' max_position_embeddings defaults (dynamic NTK and the
  // original context of yarn / llama3 read it).
  int64_t maxPositions = llama ? 2048 : mistral ? 131072 : 32768;
  llvm::Expected<RopeConfig> rope = RopeConfig::fromJSON(*o, maxPositions, path);
  if (!rope)
    return rope.takeError();
  c.rope = *rope;
  if (llvm::Error e = boolean("tie_word_embeddings", c.tieWordEmbeddings))
    return e;
  // A token id: 0 is a valid one (unlike the sizes above).
  if (const llvm::json::Value *v = o->get("bos_token_id");
      v && v->kind() != llvm::json::Value::Null) {
    std::optional<int64_t> i = jsonInteger(*v);
    if (!i || *i < 0)
      return fileError(path, "\"bos_token_id\" must be a non-negative integer");
    c.bosTokenId = *i;
  }

  if (std::optional<llvm::StringRef> act = o->getString("hidden_act"))
    if (*act != "silu")
      return fileError(path, "unsupported hidden_act '" + *act +
                            "' (only silu is supported)");
  // transformers 5 writes "dtype", earlier versions "torch_dtype".
  for (const char *key : {"torch_dtype", "dtype"})
    if (std::optional<llvm::StringRef> dt = o->getString(key))
      c.torchDtype = dt->str();

  // Per-layer attention kinds: only full attention everywhere is a Llama
  // decoder without windows (Mistral's window applies to every layer).
  if (const llvm::json::Array *types = o->getArray("layer_types"); types && !mistral)
    for (const llvm::json::Value &t : *types)
      if (!t.getAsString() || (*t.getAsString() != "full_attention" &&
                               *t.getAsString() != "attention"))
        return fileError(path, "layer_types: only full_attention layers are "
                               "supported (sliding-window layers are not)");
  if (qwen2 || qwen3) {
    c.qkvBias = qwen2;
    bool useWindow = false;
    if (llvm::Error e = boolean("use_sliding_window", useWindow)) return e;
    if (useWindow)
      return fileError(path, "use_sliding_window: sliding-window layers of " +
                                 c.architecture + " are not supported");
  }
  if (qwen3) {
    c.qkNorm = true;
    bool attnBias = false;
    if (llvm::Error e = boolean("attention_bias", attnBias)) return e;
    c.qkvBias = c.oBias = attnBias;
  }
  if (llama) {
    bool attnBias = false;
    if (llvm::Error e = boolean("attention_bias", attnBias)) return e;
    c.qkvBias = c.oBias = attnBias;
    if (llvm::Error e = boolean("mlp_bias", c.mlpBias)) return e;
  }
  if (mistral) {
    // MistralConfig's default window is 4096; null turns it off.
    int64_t w = o->get("sliding_window") ? 0 : 4096;
    if (llvm::Error e = integer("sliding_window", w, false, INT64_MAX)) return e;
    if (w)
      c.slidingWindow = w;
  }
  // Every weight's size, with overflow checked (heads * head_dim too).
  for (auto [a, b, what] :
       {std::tuple<int64_t, int64_t, const char *>{c.vocabSize, c.hiddenSize,
                                                   "the embedding"},
        {c.numHeads, c.headDim, "num_attention_heads x head_dim"},
        {c.numKVHeads, c.headDim, "num_key_value_heads x head_dim"},
        {c.intermediateSize, c.hiddenSize, "an MLP weight"}}) {
    std::optional<int64_t> n = checkedProduct({a, b}, 4, kMaxTensorBytes);
    if (!n)
      return fileError(path, llvm::Twine(what) + " (" + llvm::Twine(a) +
                                 " x " + llvm::Twine(b) +
                                 ") is too large for rotq");
  }
  std::optional<int64_t> qd = checkedProduct({c.numHeads, c.headDim});
  if (!qd || !checkedProduct({*qd, c.hiddenSize}, 4, kMaxTensorBytes))
    return fileError(path, "the attention projections are too large for rotq");
  return c;
}

std::vector<ModelConfig::Tensor> ModelConfig::tensors() const {
  std::vector<Tensor> out;
  int64_t d = hiddenSize, f = intermediateSize, qd = numHeads * headDim,
          kvd = numKVHeads * headDim;
  out.push_back({"model.embed_tokens.weight", {vocabSize, d}});
  for (int64_t l = 0; l < numLayers; ++l) {
    std::string p = "model.layers." + std::to_string(l) + ".";
    out.push_back({p + "input_layernorm.weight", {d}});
    auto linear = [&](const std::string &n, int64_t o, int64_t i, bool bias) {
      out.push_back({p + n + ".weight", {o, i}});
      if (bias)
        out.push_back({p + n + ".bias", {o}});
    };
    linear("self_attn.q_proj", qd, d, qkvBias);
    linear("self_attn.k_proj", kvd, d, qkvBias);
    if (qkNorm) {
      out.push_back({p + "self_attn.q_norm.weight", {headDim}});
      out.push_back({p + "self_attn.k_norm.weight", {headDim}});
    }
    linear("self_attn.v_proj", kvd, d, qkvBias);
    linear("self_attn.o_proj", d, qd, oBias);
    out.push_back({p + "post_attention_layernorm.weight", {d}});
    linear("mlp.gate_proj", f, d, mlpBias);
    linear("mlp.up_proj", f, d, mlpBias);
    linear("mlp.down_proj", d, f, mlpBias);
  }
  out.push_back({"model.norm.weight", {d}});
  if (!tieWordEmbeddings)
    out.push_back({"lm_head.weight", {vocabSize, d}});
  return out;
}
