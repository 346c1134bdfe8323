//===- Rope.cpp - rotary position embedding parameters --------------------===//
//
// Mirrors transformers 5 (modeling_rope_utils): which keys are read, their
// defaults and precedence, and the float32 tensor arithmetic (Python scalars
// are doubles, tensors float32), so that the frequencies match the
// reference bit for bit or within an ulp of its pow.
//
//===----------------------------------------------------------------------===//
#include "rotq/Support/Rope.h"
#include "rotq/Support/FileError.h"

#include "llvm/ADT/StringSet.h"

#include <algorithm>
#include <cmath>
#include <sstream>

using namespace rotq;

namespace {
constexpr double kPi = 3.14159265358979323846;

bool isNull(const llvm::json::Value *v) {
  return !v || v->kind() == llvm::json::Value::Null;
}

/// base ** (2i / dim) for i < dim/2, as `base ** (arange(0, dim, 2) / dim)`.
std::vector<float> powers(float base, int64_t dim) {
  std::vector<float> out;
  for (int64_t i = 0; 2 * i < dim; ++i)
    out.push_back(std::pow(base, float(2 * i) / float(dim)));
  return out;
}

std::string shortNumber(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

double yarnMscale(double scale, double mscale) {
  return scale <= 1 ? 1.0 : 0.1 * mscale * std::log(scale) + 1.0;
}
} // namespace

const char *RopeConfig::name(Type t) {
  switch (t) {
  case Type::Default: return "default";
  case Type::Linear: return "linear";
  case Type::Dynamic: return "dynamic";
  case Type::Yarn: return "yarn";
  case Type::Llama3: return "llama3";
  }
  return "?";
}

llvm::Expected<RopeConfig>
RopeConfig::fromJSON(const llvm::json::Object &config,
                     int64_t maxPositionDefault, const std::string &path) {
  RopeConfig r;
  // transformers: a non-empty legacy `rope_scaling` wins over
  // `rope_parameters`; `rope_theta` inside the dict wins over the top level.
  const llvm::json::Object *rp = nullptr;
  std::string where = "rope_parameters";
  for (const char *key : {"rope_scaling", "rope_parameters"}) {
    const llvm::json::Value *v = config.get(key);
    if (isNull(v))
      continue;
    const llvm::json::Object *o = v->getAsObject();
    if (!o)
      return fileError(path, "\"" + llvm::Twine(key) +
                                 "\" must be an object or null");
    if (o->empty())
      continue;
    rp = o;
    where = key;
    break;
  }
  llvm::json::Object none;
  if (!rp)
    rp = &none;

  auto err = [&](const llvm::Twine &msg) { return fileError(path, msg); };
  auto number = [&](const llvm::json::Object &o, llvm::StringRef key,
                    llvm::StringRef in) -> llvm::Expected<std::optional<double>> {
    const llvm::json::Value *v = o.get(key);
    if (isNull(v))
      return std::nullopt;
    std::optional<double> d = v->getAsNumber();
    if (!d || !std::isfinite(*d))
      return err(in + "\"" + key + "\" must be a number");
    return d;
  };
  auto positive = [&](const llvm::json::Object &o, llvm::StringRef key,
                      llvm::StringRef in, bool required,
                      double &out) -> llvm::Error {
    llvm::Expected<std::optional<double>> d = number(o, key, in);
    if (!d)
      return d.takeError();
    if (!*d) {
      if (required)
        return err(in + "\"" + key + "\" is required for rope type '" +
                   name(r.type) + "'");
      return llvm::Error::success();
    }
    if (!(**d > 0))
      return err(in + "\"" + key + "\" must be positive");
    out = **d;
    return llvm::Error::success();
  };
  std::string in = where + ".";

  // Per-layer-type dicts ({"full_attention": {...}, ...}) are not a rope type.
  for (const auto &kv : *rp)
    if (kv.second.getAsObject())
      return err(in + kv.first.str() +
                 ": per-layer rope parameters are not supported");

  // The type.
  std::string type = "default";
  for (const char *key : {"rope_type", "type"}) {
    const llvm::json::Value *v = rp->get(key);
    if (isNull(v))
      continue;
    std::optional<llvm::StringRef> s = v->getAsString();
    if (!s)
      return err(in + "\"" + llvm::Twine(key) + "\" must be a string");
    type = s->str();
    break;
  }
  if (type == "default")
    r.type = Type::Default;
  else if (type == "linear")
    r.type = Type::Linear;
  else if (type == "dynamic")
    r.type = Type::Dynamic;
  else if (type == "yarn")
    r.type = Type::Yarn;
  else if (type == "llama3")
    r.type = Type::Llama3;
  else
    return err(in + "rope_type: unsupported rope type '" + type +
               "' (supported: default, linear, dynamic, yarn, llama3)");

  // Every key of the dict must be one this type reads: anything else would
  // change the function in a way rotq does not implement.
  llvm::StringSet<> known = {"rope_type", "type", "rope_theta",
                             "partial_rotary_factor"};
  switch (r.type) {
  case Type::Default:
    break;
  case Type::Linear:
  case Type::Dynamic:
    known.insert("factor");
    break;
  case Type::Yarn:
    for (const char *k : {"factor", "original_max_position_embeddings",
                          "attention_factor", "beta_fast", "beta_slow",
                          "mscale", "mscale_all_dim", "truncate"})
      known.insert(k);
    break;
  case Type::Llama3:
    for (const char *k : {"factor", "original_max_position_embeddings",
                          "low_freq_factor", "high_freq_factor"})
      known.insert(k);
    break;
  }
  for (const auto &kv : *rp)
    if (!known.contains(kv.first.str()))
      return err(in + kv.first.str() + ": not supported for rope type '" +
                 type + "'");

  // partial_rotary_factor: Llama-family classes rotate the whole head.
  for (const llvm::json::Object *o : {rp, &config}) {
    llvm::Expected<std::optional<double>> p =
        number(*o, "partial_rotary_factor", o == rp ? in : "");
    if (!p)
      return p.takeError();
    if (*p && **p != 1.0)
      return err((o == rp ? in : std::string()) +
                 "partial_rotary_factor: only 1.0 is supported (got " +
                 shortNumber(**p) + ")");
  }

  // theta.
  if (llvm::Error e = positive(config, "rope_theta", "", false, r.theta))
    return std::move(e);
  if (llvm::Error e = positive(*rp, "rope_theta", in, false, r.theta))
    return std::move(e);

  // Context lengths.
  double maxPos = double(maxPositionDefault);
  if (llvm::Error e =
          positive(config, "max_position_embeddings", "", false, maxPos))
    return std::move(e);
  double origPos = maxPos;
  if (r.type == Type::Yarn || r.type == Type::Llama3) {
    if (llvm::Error e = positive(*rp, "original_max_position_embeddings", in,
                                 false, origPos))
      return std::move(e);
    // A top-level value overrides the dict's (transformers' standardize).
    if (llvm::Error e = positive(config, "original_max_position_embeddings",
                                 "", false, origPos))
      return std::move(e);
  }
  double positions = r.type == Type::Dynamic ? maxPos : origPos;
  if (!(positions <= double(int64_t(1) << 40)))
    return err("max_position_embeddings / original_max_position_embeddings "
               "of " + shortNumber(positions) + " is more than rotq supports");
  r.maxPositions = int64_t(positions);

  switch (r.type) {
  case Type::Default:
    break;
  case Type::Linear:
  case Type::Dynamic:
    if (llvm::Error e = positive(*rp, "factor", in, true, r.factor))
      return std::move(e);
    break;
  case Type::Llama3:
    if (llvm::Error e = positive(*rp, "factor", in, true, r.factor))
      return std::move(e);
    if (llvm::Error e =
            positive(*rp, "low_freq_factor", in, true, r.lowFreqFactor))
      return std::move(e);
    if (llvm::Error e =
            positive(*rp, "high_freq_factor", in, true, r.highFreqFactor))
      return std::move(e);
    if (r.highFreqFactor == r.lowFreqFactor)
      return err(in + "high_freq_factor must differ from low_freq_factor");
    break;
  case Type::Yarn: {
    // A null factor means max_position_embeddings over the original.
    r.factor = maxPos / origPos;
    if (llvm::Error e = positive(*rp, "factor", in, false, r.factor))
      return std::move(e);
    for (auto [key, out] :
         {std::pair<const char *, double *>{"beta_fast", &r.betaFast},
          {"beta_slow", &r.betaSlow}})
      if (llvm::Error e = positive(*rp, key, in, false, *out))
        return std::move(e);
    for (auto [key, out] :
         {std::pair<const char *, std::optional<double> *>{
              "attention_factor", &r.attentionFactor},
          {"mscale", &r.mscale},
          {"mscale_all_dim", &r.mscaleAllDim}}) {
      llvm::Expected<std::optional<double>> d = number(*rp, key, in);
      if (!d)
        return d.takeError();
      *out = *d;
    }
    if (const llvm::json::Value *t = rp->get("truncate"); !isNull(t)) {
      std::optional<bool> b = t->getAsBoolean();
      if (!b)
        return err(in + "\"truncate\" must be true or false");
      r.truncate = *b;
    }
    break;
  }
  }
  return r;
}

std::vector<float> RopeConfig::inverseFrequencies(int64_t dim) const {
  std::vector<float> pos = powers(float(theta), dim);
  std::vector<float> inv(pos.size());
  for (size_t i = 0; i < pos.size(); ++i)
    inv[i] = 1.0f / pos[i];
  switch (type) {
  case Type::Default:
  case Type::Dynamic: // rescaled in the IR beyond maxPositions
    return inv;
  case Type::Linear:
    for (float &f : inv)
      f /= float(factor);
    return inv;
  case Type::Llama3: {
    double oldContext = double(maxPositions);
    float lowWavelen = float(oldContext / lowFreqFactor);
    float highWavelen = float(oldContext / highFreqFactor);
    for (float &f : inv) {
      float wavelen = float(2 * kPi) / f;
      float scaled = wavelen > lowWavelen ? f / float(factor) : f;
      if (!(wavelen < highWavelen) && !(wavelen > lowWavelen)) {
        float smooth = (float(oldContext) / wavelen - float(lowFreqFactor)) /
                       float(highFreqFactor - lowFreqFactor);
        scaled = (1 - smooth) * scaled / float(factor) + smooth * scaled;
      }
      f = scaled;
    }
    return inv;
  }
  case Type::Yarn: {
    double base = theta, orig = double(maxPositions);
    auto correctionDim = [&](double rotations) {
      return (double(dim) * std::log(orig / (rotations * 2 * kPi))) /
             (2 * std::log(base));
    };
    double low = correctionDim(betaFast), high = correctionDim(betaSlow);
    if (truncate) {
      low = std::floor(low);
      high = std::ceil(high);
    }
    low = std::max(low, 0.0);
    high = std::min(high, double(dim - 1));
    if (low == high)
      high += 0.001;
    for (size_t i = 0; i < inv.size(); ++i) {
      float ramp = (float(i) - float(low)) / (float(high) - float(low));
      ramp = std::clamp(ramp, 0.0f, 1.0f);
      float extrapolation = 1 - ramp;
      float interp = 1.0f / (float(factor) * pos[i]);
      inv[i] = interp * (1 - extrapolation) + inv[i] * extrapolation;
    }
    return inv;
  }
  }
  return inv;
}

double RopeConfig::attentionScaling() const {
  if (type != Type::Yarn)
    return 1.0;
  if (attentionFactor)
    return *attentionFactor;
  if (mscale && mscaleAllDim && *mscale != 0 && *mscaleAllDim != 0)
    return yarnMscale(factor, *mscale) / yarnMscale(factor, *mscaleAllDim);
  return yarnMscale(factor, 1.0);
}
