//===- ModelImporter.cpp - Hugging Face checkpoint to model IR ------------===//
//
// The model is built from rotq's model-level ops (embedding, rms_norm,
// linear, attention) plus upstream linalg for the rest (rotary embedding,
// SiLU gating, residual adds). Weights are rotq.param ops naming the
// checkpoint's tensors in their files and stored dtypes (widened to f32 by
// arith.extf): no weight data is copied into the IR.
//
//===----------------------------------------------------------------------===//
#include "rotq/Import/ModelImporter.h"
#include "rotq/Dialect/Rotq/IR/RotqOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Verifier.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"

#include <cstring>

#include <cmath>

using namespace mlir;
using ::rotq::ModelConfig;
namespace safetensors = ::rotq::safetensors;

namespace {
using utils::IteratorType;

class ModelBuilder {
public:
  ModelBuilder(MLIRContext &ctx, const ModelConfig &c,
          const safetensors::Checkpoint &ckpt)
      : ctx(ctx), b(&ctx), c(c), ckpt(ckpt), f32(b.getF32Type()) {}

  llvm::Expected<OwningOpRef<ModuleOp>> build();

private:
  Location named(const std::string &name) {
    return NameLoc::get(b.getStringAttr(name));
  }
  /// A weight as an f32 dense_resource constant (cached, so a tied
  /// embedding is one SSA value used twice).
  llvm::Expected<Value> weight(const std::string &name,
                               llvm::ArrayRef<int64_t> shape);
  Value empty(ArrayRef<OpFoldResult> sizes) {
    return tensor::EmptyOp::create(b, loc, sizes, f32);
  }
  /// x + y as a linalg.generic: the named element-wise ops (linalg.add)
  /// are gone from newer MLIR, so IR meant for other compilers avoids them.
  Value add(Value x, Value y) {
    Value init = empty(tensor::getMixedSizes(b, loc, x));
    auto rank = cast<RankedTensorType>(x.getType()).getRank();
    AffineMap id = AffineMap::getMultiDimIdentityMap(rank, &ctx);
    return linalg::GenericOp::create(
               b, loc, TypeRange{init.getType()}, ValueRange{x, y},
               ValueRange{init}, ArrayRef<AffineMap>{id, id, id},
               SmallVector<utils::IteratorType>(rank,
                                                utils::IteratorType::parallel),
               [](OpBuilder &nb, Location l, ValueRange a) {
                 linalg::YieldOp::create(
                     nb, l, arith::AddFOp::create(nb, l, a[0], a[1]).getResult());
               })
        .getResult(0);
  }
  Value rope(Value x, int64_t heads);
  Value dynamicFrequencies(Value defaults);
  Value siluMul(Value gate, Value up);
  llvm::Expected<Value> linear(Value x, const std::string &name, int64_t out,
                               int64_t in, bool bias);
  /// RMSNorm over the last dimension, of `size` (default: hidden_size).
  llvm::Expected<Value> norm(Value x, const std::string &name, int64_t size);
  llvm::Expected<Value> norm(Value x, const std::string &name) {
    return norm(x, name, c.hiddenSize);
  }

  MLIRContext &ctx;
  OpBuilder b;
  const ModelConfig &c;
  const safetensors::Checkpoint &ckpt;
  Type f32;
  Location loc = UnknownLoc::get(&ctx);
  Value seqLen;
  Value invFreq;
  llvm::StringMap<Value> weights;
};

namespace {
/// How many of the tensor's values are NaN or Inf, from their bits.
size_t countNonFinite(const safetensors::TensorInfo &t) {
  int64_t n = t.numElements();
  size_t bad = 0;
  const unsigned char *p = reinterpret_cast<const unsigned char *>(t.data);
  for (int64_t i = 0; i < n; ++i) {
    switch (t.dtype) {
    case safetensors::DType::F32: {
      uint32_t v;
      std::memcpy(&v, p + 4 * i, 4);
      bad += (v & 0x7f800000u) == 0x7f800000u;
      break;
    }
    case safetensors::DType::F64: {
      uint64_t v;
      std::memcpy(&v, p + 8 * i, 8);
      bad += (v & 0x7ff0000000000000ull) == 0x7ff0000000000000ull;
      break;
    }
    case safetensors::DType::BF16: case safetensors::DType::F16: {
      uint16_t v;
      std::memcpy(&v, p + 2 * i, 2);
      uint16_t e = t.dtype == safetensors::DType::BF16 ? 0x7f80 : 0x7c00;
      bad += (v & e) == e;
      break;
    }
    case safetensors::DType::I8:
      break;
    }
  }
  return bad;
}

Type elementTypeOf(Builder &b, safetensors::DType d) {
  switch (d) {
  case safetensors::DType::F16: return b.getF16Type();
  case safetensors::DType::BF16: return b.getBF16Type();
  case safetensors::DType::F64: return b.getF64Type();
  case safetensors::DType::I8: return b.getI8Type();
  case safetensors::DType::F32: break;
  }
  return b.getF32Type();
}
} // namespace

llvm::Expected<Value> ModelBuilder::weight(const std::string &name,
                                           llvm::ArrayRef<int64_t> shape) {
  auto it = weights.find(name);
  if (it != weights.end())
    return it->second;
  const safetensors::TensorInfo *t = ckpt.find(name);
  if (!t)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   ckpt.location() + ": tensor '" + name +
                                       "' is missing from the checkpoint");
  if (llvm::ArrayRef<int64_t>(t->shape) != shape) {
    std::string want, have;
    llvm::raw_string_ostream ws(want), hs(have);
    llvm::interleave(shape, ws, "x");
    llvm::interleave(t->shape, hs, "x");
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        ckpt.fileOf(*t) + ": tensor '" + name + "' has shape [" + have +
            "], the config implies [" + want + "]");
  }
  // NaN / Inf weights would only show up as NaN logits later.
  size_t bad = countNonFinite(*t);
  safetensors::releasePages(*t);
  if (bad)
    emitWarning(named(name)) << "tensor '" << name << "' holds " << bad
                             << " non-finite value(s) (NaN or Inf)";
  // The weight stays in its file, in its stored dtype; the model computes
  // in f32.
  llvm::SmallString<256> file(ckpt.fileOf(*t));
  llvm::sys::fs::make_absolute(file);
  auto stored = RankedTensorType::get(shape, elementTypeOf(b, t->dtype));
  Value v = mlir::rotq::ParamOp::create(b, named(name), stored,
                                        b.getStringAttr(name),
                                        b.getStringAttr(file));
  auto type = RankedTensorType::get(shape, f32);
  if (t->dtype == safetensors::DType::F64)
    v = arith::TruncFOp::create(b, named(name), type, v);
  else if (t->dtype != safetensors::DType::F32)
    v = arith::ExtFOp::create(b, named(name), type, v);
  weights[name] = v;
  return v;
}

llvm::Expected<Value> ModelBuilder::linear(Value x, const std::string &name,
                                      int64_t out, int64_t in, bool hasBias) {
  llvm::Expected<Value> w = weight(name + ".weight", {out, in});
  if (!w)
    return w.takeError();
  Value bias;
  if (hasBias) {
    llvm::Expected<Value> bv = weight(name + ".bias", {out});
    if (!bv)
      return bv.takeError();
    bias = *bv;
  }
  auto type = RankedTensorType::get({ShapedType::kDynamic, out}, f32);
  return mlir::rotq::LinearOp::create(b, named(name), type, x, *w, bias)
      .getResult();
}

llvm::Expected<Value> ModelBuilder::norm(Value x, const std::string &name,
                                         int64_t size) {
  llvm::Expected<Value> w = weight(name + ".weight", {size});
  if (!w)
    return w.takeError();
  return mlir::rotq::RMSNormOp::create(b, named(name), x.getType(), x, *w,
                                       b.getF64FloatAttr(c.rmsNormEps))
      .getResult();
}

/// Rotary embedding, rotate-half convention, on x [S, heads, d]:
///   y[:d/2] = x1 cos - x2 sin, y[d/2:] = x2 cos + x1 sin
/// with angle(s, i) = s * inv_freq[i] in f32 and cos, sin multiplied by the
/// rope type's attention scaling, as the reference classes do.
Value ModelBuilder::rope(Value x, int64_t heads) {
  int64_t d = c.headDim, half = d / 2;
  SmallVector<OpFoldResult> full = {seqLen, b.getIndexAttr(heads),
                                    b.getIndexAttr(d)};
  SmallVector<OpFoldResult> halfSizes = {seqLen, b.getIndexAttr(heads),
                                         b.getIndexAttr(half)};
  SmallVector<OpFoldResult> ones(3, b.getIndexAttr(1));
  auto slice = [&](int64_t off) -> Value {
    return tensor::ExtractSliceOp::create(
        b, loc, x,
        SmallVector<OpFoldResult>{b.getIndexAttr(0), b.getIndexAttr(0),
                                  b.getIndexAttr(off)},
        halfSizes, ones);
  };
  Value x1 = slice(0), x2 = slice(half);
  MLIRContext *mctx = &ctx;
  AffineMap id = AffineMap::getMultiDimIdentityMap(3, mctx);
  AffineMap freqMap = id.getMinorSubMap(1);
  Type i64 = b.getI64Type();
  auto gen = linalg::GenericOp::create(
      b, loc, TypeRange{x1.getType(), x1.getType()},
      ValueRange{x1, x2, invFreq}, ValueRange{empty(halfSizes), empty(halfSizes)},
      ArrayRef<AffineMap>{id, id, freqMap, id, id},
      SmallVector<IteratorType>(3, IteratorType::parallel),
      [&](OpBuilder &nb, Location l, ValueRange a) {
        Value s = linalg::IndexOp::create(nb, l, 0);
        Value pos = arith::SIToFPOp::create(
            nb, l, f32, arith::IndexCastOp::create(nb, l, i64, s));
        Value ang = arith::MulFOp::create(nb, l, pos, a[2]);
        Value co = math::CosOp::create(nb, l, ang);
        Value si = math::SinOp::create(nb, l, ang);
        if (double a = c.rope.attentionScaling(); a != 1.0) {
          Value av = arith::ConstantOp::create(nb, l, nb.getF32FloatAttr(a));
          co = arith::MulFOp::create(nb, l, co, av);
          si = arith::MulFOp::create(nb, l, si, av);
        }
        Value y1 = arith::SubFOp::create(
            nb, l, arith::MulFOp::create(nb, l, a[0], co),
            arith::MulFOp::create(nb, l, a[1], si));
        Value y2 = arith::AddFOp::create(
            nb, l, arith::MulFOp::create(nb, l, a[1], co),
            arith::MulFOp::create(nb, l, a[0], si));
        linalg::YieldOp::create(nb, l, ValueRange{y1, y2});
      });
  Value out = empty(full);
  auto insert = [&](Value part, int64_t off, Value into) -> Value {
    return tensor::InsertSliceOp::create(
        b, loc, part, into,
        SmallVector<OpFoldResult>{b.getIndexAttr(0), b.getIndexAttr(0),
                                  b.getIndexAttr(off)},
        halfSizes, ones);
  };
  out = insert(gen.getResult(0), 0, out);
  return insert(gen.getResult(1), half, out);
}

/// Dynamic NTK scaling: for a sequence longer than max_position_embeddings
/// (P), transformers recomputes the frequencies for that length S with
///   base' = base * (factor * S / P - (factor - 1)) ^ (d / (d - 2)),
///   inv_freq[i] = 1 / base' ^ (2i / d),
/// all in f32; up to P tokens they are the defaults.
Value ModelBuilder::dynamicFrequencies(Value defaults) {
  const ::rotq::RopeConfig &r = c.rope;
  int64_t d = c.headDim;
  Location l = named("model.rotary_emb");
  auto cst = [&](double v) -> Value {
    return arith::ConstantOp::create(b, l, b.getF32FloatAttr(v));
  };
  Value s = arith::IndexCastOp::create(b, l, b.getI64Type(), seqLen);
  Value longer = arith::CmpIOp::create(
      b, l, arith::CmpIPredicate::sgt, s,
      arith::ConstantOp::create(b, l, b.getI64IntegerAttr(r.maxPositions)));
  Value sf = arith::SIToFPOp::create(b, l, f32, s);
  Value ratio = arith::SubFOp::create(
      b, l,
      arith::DivFOp::create(b, l, arith::MulFOp::create(b, l, cst(r.factor), sf),
                            cst(double(r.maxPositions))),
      cst(r.factor - 1));
  Value base = arith::MulFOp::create(
      b, l, cst(r.theta),
      math::PowFOp::create(b, l, ratio, cst(double(d) / double(d - 2))));
  AffineMap id = AffineMap::getMultiDimIdentityMap(1, &ctx);
  Type i64 = b.getI64Type();
  return linalg::GenericOp::create(
             b, l, TypeRange{defaults.getType()}, ValueRange{defaults},
             ValueRange{empty({b.getIndexAttr(d / 2)})},
             ArrayRef<AffineMap>{id, id},
             SmallVector<IteratorType>{IteratorType::parallel},
             [&](OpBuilder &nb, Location bl, ValueRange a) {
               Value i = arith::SIToFPOp::create(
                   nb, bl, f32,
                   arith::IndexCastOp::create(
                       nb, bl, i64, linalg::IndexOp::create(nb, bl, 0)));
               Value two = arith::ConstantOp::create(nb, bl, nb.getF32FloatAttr(2));
               Value dd = arith::ConstantOp::create(nb, bl,
                                                    nb.getF32FloatAttr(double(d)));
               Value e = arith::DivFOp::create(
                   nb, bl, arith::MulFOp::create(nb, bl, two, i), dd);
               Value one = arith::ConstantOp::create(nb, bl, nb.getF32FloatAttr(1));
               Value scaled = arith::DivFOp::create(
                   nb, bl, one, math::PowFOp::create(nb, bl, base, e));
               linalg::YieldOp::create(
                   nb, bl,
                   arith::SelectOp::create(nb, bl, longer, scaled, a[0])
                       .getResult());
             })
      .getResult(0);
}

/// silu(gate) * up = gate / (1 + exp(-gate)) * up.
Value ModelBuilder::siluMul(Value gate, Value up) {
  AffineMap id = AffineMap::getMultiDimIdentityMap(2, &ctx);
  auto gen = linalg::GenericOp::create(
      b, loc, TypeRange{gate.getType()}, ValueRange{gate, up},
      ValueRange{empty(tensor::getMixedSizes(b, loc, gate))},
      ArrayRef<AffineMap>{id, id, id},
      SmallVector<IteratorType>(2, IteratorType::parallel),
      [&](OpBuilder &nb, Location l, ValueRange a) {
        Value one = arith::ConstantOp::create(nb, l, nb.getF32FloatAttr(1.0));
        Value e = math::ExpOp::create(nb, l, arith::NegFOp::create(nb, l, a[0]));
        Value sig = arith::DivFOp::create(
            nb, l, a[0], arith::AddFOp::create(nb, l, one, e));
        linalg::YieldOp::create(nb, l,
                                arith::MulFOp::create(nb, l, sig, a[1]).getResult());
      });
  return gen.getResult(0);
}

llvm::Expected<OwningOpRef<ModuleOp>> ModelBuilder::build() {
  ctx.loadDialect<arith::ArithDialect, func::FuncDialect,
                  linalg::LinalgDialect, math::MathDialect,
                  tensor::TensorDialect, mlir::rotq::RotqDialect>();
  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  b.setInsertionPointToEnd(module->getBody());
  int64_t S = ShapedType::kDynamic, D = c.hiddenSize, V = c.vocabSize,
          H = c.numHeads, KV = c.numKVHeads, hd = c.headDim,
          F = c.intermediateSize;
  auto tokensType = RankedTensorType::get({S}, b.getI64Type());
  auto logitsType = RankedTensorType::get({S, V}, f32);
  auto func = func::FuncOp::create(b, loc, "forward",
                                   b.getFunctionType(tokensType, logitsType));
  func->setAttr("llvm.emit_c_interface", b.getUnitAttr());
  // Calibration starts random sequences with it, as text starts.
  if (c.bosTokenId && *c.bosTokenId < V)
    func->setAttr("rotq.bos_token_id", b.getI64IntegerAttr(*c.bosTokenId));
  Block *entry = func.addEntryBlock();
  b.setInsertionPointToStart(entry);
  Value tokens = entry->getArgument(0);
  seqLen = tensor::DimOp::create(b, loc, tokens, 0);

  std::vector<float> freqs = c.rope.inverseFrequencies(hd);
  invFreq = arith::ConstantOp::create(
      b, named("model.rotary_emb"),
      DenseElementsAttr::get(RankedTensorType::get({hd / 2}, f32),
                             ArrayRef<float>(freqs)));
  if (c.rope.type == ::rotq::RopeConfig::Type::Dynamic)
    invFreq = dynamicFrequencies(invFreq);

  llvm::Expected<Value> embed = weight("model.embed_tokens.weight", {V, D});
  if (!embed)
    return embed.takeError();
  Value h = mlir::rotq::EmbeddingOp::create(
      b, named("model.embed_tokens"), RankedTensorType::get({S, D}, f32),
      *embed, tokens);

  auto headsType = [&](int64_t n) {
    return RankedTensorType::get({S, n, hd}, f32);
  };
  for (int64_t l = 0; l < c.numLayers; ++l) {
    std::string p = "model.layers." + std::to_string(l) + ".";
    loc = named(p.substr(0, p.size() - 1));
    llvm::Expected<Value> n1 = norm(h, p + "input_layernorm");
    if (!n1)
      return n1.takeError();
    llvm::Expected<Value> q = linear(*n1, p + "self_attn.q_proj", H * hd, D, c.qkvBias);
    llvm::Expected<Value> k = linear(*n1, p + "self_attn.k_proj", KV * hd, D, c.qkvBias);
    llvm::Expected<Value> v = linear(*n1, p + "self_attn.v_proj", KV * hd, D, c.qkvBias);
    if (!q) return q.takeError();
    if (!k) return k.takeError();
    if (!v) return v.takeError();
    auto split = [&](Value x, int64_t n) -> Value {
      return tensor::ExpandShapeOp::create(
          b, loc, headsType(n), x, ArrayRef<ReassociationIndices>{{0}, {1, 2}},
          SmallVector<OpFoldResult>{seqLen, b.getIndexAttr(n),
                                    b.getIndexAttr(hd)});
    };
    Value q3 = split(*q, H), k3 = split(*k, KV);
    if (c.qkNorm) { // Qwen3: per-head RMSNorm before the rotary embedding
      llvm::Expected<Value> qn = norm(q3, p + "self_attn.q_norm", hd);
      llvm::Expected<Value> kn = norm(k3, p + "self_attn.k_norm", hd);
      if (!qn) return qn.takeError();
      if (!kn) return kn.takeError();
      q3 = *qn;
      k3 = *kn;
    }
    q3 = rope(q3, H);
    k3 = rope(k3, KV);
    Value v3 = split(*v, KV);
    auto attn = mlir::rotq::AttentionOp::create(
        b, named(p + "self_attn"), headsType(H), q3, k3, v3,
        b.getF64FloatAttr(1.0 / std::sqrt(double(hd))), b.getUnitAttr(),
        c.slidingWindow ? b.getI64IntegerAttr(*c.slidingWindow) : IntegerAttr());
    Value a2 = tensor::CollapseShapeOp::create(
        b, loc, RankedTensorType::get({S, H * hd}, f32), attn.getResult(),
        ArrayRef<ReassociationIndices>{{0}, {1, 2}});
    llvm::Expected<Value> o = linear(a2, p + "self_attn.o_proj", D, H * hd, c.oBias);
    if (!o)
      return o.takeError();
    h = add(h, *o);
    llvm::Expected<Value> n2 = norm(h, p + "post_attention_layernorm");
    if (!n2)
      return n2.takeError();
    llvm::Expected<Value> g = linear(*n2, p + "mlp.gate_proj", F, D, c.mlpBias);
    llvm::Expected<Value> u = linear(*n2, p + "mlp.up_proj", F, D, c.mlpBias);
    if (!g) return g.takeError();
    if (!u) return u.takeError();
    llvm::Expected<Value> d = linear(siluMul(*g, *u), p + "mlp.down_proj", D, F, c.mlpBias);
    if (!d)
      return d.takeError();
    h = add(h, *d);
  }
  loc = UnknownLoc::get(&ctx);
  llvm::Expected<Value> fn = norm(h, "model.norm");
  if (!fn)
    return fn.takeError();
  std::string head = c.tieWordEmbeddings ? "model.embed_tokens" : "lm_head";
  llvm::Expected<Value> lmW = weight(head + ".weight", {V, D});
  if (!lmW)
    return lmW.takeError();
  Value logits = mlir::rotq::LinearOp::create(b, named("lm_head"), logitsType,
                                              *fn, *lmW, Value());
  func::ReturnOp::create(b, loc, logits);

  if (failed(mlir::verify(*module)))
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "internal error: the built model does not "
                                   "verify");
  return std::move(module);
}
} // namespace

namespace rotq {
llvm::Expected<OwningOpRef<ModuleOp>>
importModel(MLIRContext &ctx, const ModelConfig &config,
                  const safetensors::Checkpoint &checkpoint) {
  // Reject tensors the model would not read: a sign of a config mismatch.
  llvm::StringSet<> known;
  for (const ModelConfig::Tensor &t : config.tensors())
    known.insert(t.name);
  for (const std::string &name : checkpoint.names()) {
    const safetensors::TensorInfo &info = *checkpoint.find(name);
    if (info.dtype == safetensors::DType::I8)
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          checkpoint.fileOf(info) + ": tensor '" + name +
              "' is I8; model weights must be F32, F16, BF16 or F64");
    bool rotary = llvm::StringRef(name).ends_with("rotary_emb.inv_freq");
    bool tiedHead = config.tieWordEmbeddings && name == "lm_head.weight";
    if (!known.contains(name) && !rotary && !tiedHead)
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          checkpoint.fileOf(*checkpoint.find(name)) + ": unexpected tensor '" +
              name + "' for a " + config.architecture + " with this config");
  }
  ModelBuilder builder(ctx, config, checkpoint);
  return builder.build();
}
} // namespace rotq
