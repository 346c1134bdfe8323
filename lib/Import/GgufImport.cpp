//===- GgufImport.cpp - llama.cpp GGUF models to a checkpoint -------------===//
//
// The metadata become a config.json object (so that ModelConfig validates
// a GGUF model exactly as it validates a Hugging Face one); each tensor the
// config lists is found under its llama.cpp name, checked against the
// config's shape, dequantized (Support/Gguf) and streamed into one float32
// .safetensors file.
//
//===----------------------------------------------------------------------===//
#include "rotq/Import/GgufImport.h"
#include "rotq/Support/Gguf.h"
#include "rotq/Support/FileError.h"
#include "rotq/Support/Safetensors.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cstring>

using namespace rotq;

namespace {

/// llama.cpp's name of a tensor of the Hugging Face layout.
std::string ggufName(llvm::StringRef hf) {
  if (hf == "model.embed_tokens.weight")
    return "token_embd.weight";
  if (hf == "model.norm.weight")
    return "output_norm.weight";
  if (hf == "lm_head.weight")
    return "output.weight";
  llvm::StringRef rest = hf;
  if (!rest.consume_front("model.layers."))
    return hf.str();
  auto [layer, inner] = rest.split('.');
  static const std::pair<const char *, const char *> parts[] = {
      {"input_layernorm", "attn_norm"},
      {"post_attention_layernorm", "ffn_norm"},
      {"self_attn.q_proj", "attn_q"},
      {"self_attn.k_proj", "attn_k"},
      {"self_attn.v_proj", "attn_v"},
      {"self_attn.o_proj", "attn_output"},
      {"self_attn.q_norm", "attn_q_norm"},
      {"self_attn.k_norm", "attn_k_norm"},
      {"mlp.gate_proj", "ffn_gate"},
      {"mlp.up_proj", "ffn_up"},
      {"mlp.down_proj", "ffn_down"}};
  for (auto [from, to] : parts) {
    llvm::StringRef suffix = inner;
    if (suffix.consume_front(from) && suffix.starts_with("."))
      return ("blk." + layer + "." + to + suffix).str();
  }
  return hf.str();
}

/// The config.json object of the GGUF metadata, for ModelConfig::fromJSON.
llvm::Expected<llvm::json::Object> configOf(const gguf::File &f) {
  const std::string &path = f.path();
  const gguf::Value *archV = f.get("general.architecture");
  if (!archV || archV->kind != gguf::Value::String)
    return fileError(path, "no general.architecture in the metadata");
  std::string arch = archV->s;
  llvm::json::Object o;
  if (arch == "llama")
    o["architectures"] = llvm::json::Array{"LlamaForCausalLM"};
  else if (arch == "qwen2")
    o["architectures"] = llvm::json::Array{"Qwen2ForCausalLM"};
  else
    return fileError(path, "architecture '" + arch +
                               "' (rotq imports GGUF models of the llama and "
                               "qwen2 architectures)");
  auto key = [&](llvm::StringRef k) { return arch + "." + k.str(); };
  // Integer fields; absent optional ones keep the config's defaults.
  for (auto [gk, hk, required] :
       {std::tuple<const char *, const char *, bool>{"embedding_length",
                                                     "hidden_size", true},
        {"feed_forward_length", "intermediate_size", true},
        {"block_count", "num_hidden_layers", true},
        {"attention.head_count", "num_attention_heads", true},
        {"attention.head_count_kv", "num_key_value_heads", false},
        {"attention.key_length", "head_dim", false},
        {"context_length", "max_position_embeddings", false}}) {
    const gguf::Value *v = f.get(key(gk));
    if (!v) {
      if (required)
        return fileError(path, "no " + key(gk) + " in the metadata");
      continue;
    }
    std::optional<int64_t> n = v->asInt();
    if (!n)
      return fileError(path, key(gk) + " must be one integer" +
                                 (v->kind == gguf::Value::Array
                                      ? " (per-layer values are not supported)"
                                      : ""));
    o[hk] = *n;
  }
  if (const gguf::Value *v = f.get(key("attention.value_length"))) {
    std::optional<int64_t> vl = v->asInt();
    const llvm::json::Value *kl = o.get("head_dim");
    if (!vl || (kl && kl->getAsInteger() != *vl))
      return fileError(path, key("attention.value_length") +
                                 " differs from the key length (not supported)");
  }
  const gguf::Value *eps = f.get(key("attention.layer_norm_rms_epsilon"));
  if (!eps || !eps->asNumber())
    return fileError(path, "no " + key("attention.layer_norm_rms_epsilon") +
                               " (rotq imports RMSNorm models)");
  o["rms_norm_eps"] = *eps->asNumber();
  if (const gguf::Value *v = f.get(key("rope.freq_base"))) {
    if (!v->asNumber())
      return fileError(path, key("rope.freq_base") + " must be a number");
    o["rope_theta"] = *v->asNumber();
  } else {
    o["rope_theta"] = 10000.0;
  }
  // Rotary embedding over part of a head is not something rotq computes.
  if (const gguf::Value *v = f.get(key("rope.dimension_count"))) {
    std::optional<int64_t> n = v->asInt();
    const llvm::json::Value *hd = o.get("head_dim");
    int64_t headDim =
        hd ? *hd->getAsInteger()
           : *o.get("hidden_size")->getAsInteger() /
                 std::max<int64_t>(1, *o.get("num_attention_heads")->getAsInteger());
    if (!n || *n != headDim)
      return fileError(path, key("rope.dimension_count") +
                                 " differs from the head size (partial "
                                 "rotary embeddings are not supported)");
  }
  std::string scaling = "none";
  if (const gguf::Value *v = f.get(key("rope.scaling.type")))
    scaling = v->kind == gguf::Value::String ? v->s : "?";
  double factor = 1;
  if (const gguf::Value *v = f.get(key("rope.scaling.factor")))
    factor = v->asNumber().value_or(0);
  if (const gguf::Value *v = f.get(key("rope.scale_linear"))) {
    scaling = "linear";
    factor = v->asNumber().value_or(0);
  }
  if (scaling == "linear" && factor != 1) {
    llvm::json::Object rs;
    rs["rope_type"] = "linear";
    rs["factor"] = factor;
    o["rope_scaling"] = std::move(rs);
  } else if (scaling != "none" && scaling != "linear") {
    return fileError(path, key("rope.scaling.type") + " '" + scaling +
                               "' is not supported (none or linear)");
  }
  if (f.find("rope_freqs.weight"))
    return fileError(path, "rope_freqs.weight (llama3 rope scaling) is not "
                           "supported");
  const gguf::TensorInfo *emb = f.find("token_embd.weight");
  if (!emb || emb->shape.size() != 2)
    return fileError(path, "no 2-D token_embd.weight");
  o["vocab_size"] = emb->shape[0];
  o["tie_word_embeddings"] = f.find("output.weight") == nullptr;
  if (arch == "llama")
    o["attention_bias"] = f.find("blk.0.attn_q.bias") != nullptr;
  else
    o["use_sliding_window"] = false;
  if (const gguf::Value *v = f.get("tokenizer.ggml.bos_token_id"))
    if (std::optional<int64_t> n = v->asInt())
      o["bos_token_id"] = *n;
  o["hidden_act"] = "silu";
  o["torch_dtype"] = "float32";
  return o;
}

/// Undoes llama.cpp's permutation of a llama q/k projection's rows (or
/// bias): its converter stores the rotary halves of each head interleaved,
/// GGUF row h*d + 2i + j holding Hugging Face row h*d + j*d/2 + i.
void unpermute(std::vector<float> &v, int64_t rows, int64_t cols,
               int64_t headDim) {
  std::vector<float> out(v.size());
  int64_t half = headDim / 2;
  for (int64_t h = 0; h < rows / headDim; ++h)
    for (int64_t j = 0; j < 2; ++j)
      for (int64_t i = 0; i < half; ++i)
        std::memcpy(&out[(h * headDim + j * half + i) * cols],
                    &v[(h * headDim + 2 * i + j) * cols], cols * sizeof(float));
  v = std::move(out);
}
} // namespace

bool rotq::isGgufFile(const std::string &path) {
  if (!llvm::sys::fs::is_regular_file(path))
    return false;
  auto buf = llvm::MemoryBuffer::getFileSlice(path, 4, 0);
  return buf && (*buf)->getBuffer() == "GGUF";
}

llvm::Expected<GgufImportSummary>
rotq::convertGguf(const std::string &ggufPath, const std::string &weightsPath,
                  llvm::ArrayRef<std::string> inputs) {
  llvm::Expected<gguf::File> f = gguf::File::open(ggufPath);
  if (!f)
    return f.takeError();
  llvm::Expected<llvm::json::Object> obj = configOf(*f);
  if (!obj)
    return obj.takeError();
  llvm::json::Value json(std::move(*obj));
  llvm::Expected<ModelConfig> config = ModelConfig::fromJSON(json, ggufPath);
  if (!config)
    return config.takeError();
  GgufImportSummary summary;
  summary.config = *config;
  summary.configJson = llvm::formatv("{0:2}", json).str();
  bool llama = config->architecture == "LlamaForCausalLM";

  // Every tensor of the file is one the model reads: anything else would
  // be silently dropped.
  std::vector<ModelConfig::Tensor> wanted = config->tensors();
  llvm::StringSet<> used;
  std::vector<safetensors::TensorSpec> specs;
  std::vector<const gguf::TensorInfo *> sources;
  for (const ModelConfig::Tensor &t : wanted) {
    std::string g = ggufName(t.name);
    const gguf::TensorInfo *info = f->find(g);
    if (!info)
      return fileError(ggufPath, "no tensor '" + g + "' (" + t.name + ")");
    if (info->shape != t.shape) {
      std::string have, want;
      for (int64_t d : info->shape)
        have += (have.empty() ? "" : ", ") + std::to_string(d);
      for (int64_t d : t.shape)
        want += (want.empty() ? "" : ", ") + std::to_string(d);
      return fileError(ggufPath, "tensor '" + g + "' is [" + have +
                                     "], the metadata imply [" + want + "]");
    }
    // Unreadable types are reported before anything is written.
    if (!info->data) {
      std::vector<float> none;
      if (llvm::Error e = f->dequantize(*info, none))
        return std::move(e);
    }
    used.insert(g);
    specs.push_back({t.name, safetensors::DType::F32, t.shape});
    sources.push_back(info);
  }
  for (const gguf::TensorInfo &t : f->tensors())
    if (!used.contains(t.name))
      return fileError(ggufPath, "tensor '" + t.name +
                                     "' is not part of the model rotq builds "
                                     "from this metadata");

  std::vector<std::string> in(inputs.begin(), inputs.end());
  in.push_back(ggufPath);
  auto writer = safetensors::StreamWriter::create(weightsPath, specs, in);
  if (!writer)
    return writer.takeError();
  std::vector<float> values;
  std::vector<double> wide;
  for (size_t k = 0; k < specs.size(); ++k) {
    const gguf::TensorInfo &t = *sources[k];
    if (llvm::Error e = f->dequantize(t, values))
      return std::move(e);
    llvm::StringRef name = specs[k].name;
    if (llama && (name.contains("self_attn.q_proj.") ||
                  name.contains("self_attn.k_proj."))) {
      int64_t rows = t.shape[0], cols = t.shape.size() == 2 ? t.shape[1] : 1;
      unpermute(values, rows, cols, config->headDim);
    }
    ++summary.tensorsByType[gguf::typeName(t.type)];
    wide.assign(values.begin(), values.end());
    if (llvm::Error e = (*writer)->append(wide.data(), int64_t(wide.size())))
      return std::move(e);
  }
  summary.bytesWritten = (*writer)->bytesWritten();
  if (llvm::Error e = (*writer)->finish())
    return std::move(e);
  return summary;
}
