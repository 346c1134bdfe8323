//===- Gguf.cpp - reading llama.cpp's GGUF files --------------------------===//
#include "rotq/Support/Gguf.h"
#include "rotq/Support/FloatBits.h"
#include "rotq/Support/FileError.h"

#include "llvm/Support/FormatVariadic.h"

#include <cstring>
#include <limits>

using namespace rotq;
using namespace rotq::gguf;

namespace {

/// Elements per block and bytes per block of the types rotq reads.
struct Layout {
  int64_t block;
  uint64_t bytes;
};
std::optional<Layout> layoutOf(uint32_t id) {
  switch (Type(id)) {
  case Type::F32: return Layout{1, 4};
  case Type::F16:
  case Type::BF16: return Layout{1, 2};
  case Type::Q4_0: return Layout{32, 2 + 16};
  case Type::Q4_1: return Layout{32, 4 + 16};
  case Type::Q8_0: return Layout{32, 2 + 32};
  case Type::Q4_K: return Layout{256, 4 + 12 + 128};
  case Type::Q5_K: return Layout{256, 4 + 12 + 32 + 128};
  case Type::Q6_K: return Layout{256, 128 + 64 + 16 + 2};
  }
  return std::nullopt;
}

/// A bounds-checked little-endian reader over the file.
struct Reader {
  const char *begin, *pos, *end;
  bool failed = false;
  bool take(void *out, size_t n) {
    if (failed || size_t(end - pos) < n)
      return !(failed = true);
    std::memcpy(out, pos, n);
    pos += n;
    return true;
  }
  template <typename T> T read() {
    T v{};
    take(&v, sizeof v);
    return v;
  }
  std::string string() {
    uint64_t n = read<uint64_t>();
    if (failed || n > uint64_t(end - pos)) {
      failed = true;
      return {};
    }
    std::string s(pos, n);
    pos += n;
    return s;
  }
};

// The metadata value types of the format.
enum ValueType : uint32_t {
  U8 = 0, I8 = 1, U16 = 2, I16 = 3, U32 = 4, I32 = 5, F32V = 6, BOOL = 7,
  STRING = 8, ARRAY = 9, U64 = 10, I64 = 11, F64V = 12
};

bool readValue(Reader &r, uint32_t type, Value &v, int depth) {
  switch (type) {
  case U8: v.kind = Value::UInt; v.u = r.read<uint8_t>(); break;
  case U16: v.kind = Value::UInt; v.u = r.read<uint16_t>(); break;
  case U32: v.kind = Value::UInt; v.u = r.read<uint32_t>(); break;
  case U64: v.kind = Value::UInt; v.u = r.read<uint64_t>(); break;
  case I8: v.kind = Value::Int; v.i = r.read<int8_t>(); break;
  case I16: v.kind = Value::Int; v.i = r.read<int16_t>(); break;
  case I32: v.kind = Value::Int; v.i = r.read<int32_t>(); break;
  case I64: v.kind = Value::Int; v.i = r.read<int64_t>(); break;
  case F32V: v.kind = Value::Float; v.f = r.read<float>(); break;
  case F64V: v.kind = Value::Float; v.f = r.read<double>(); break;
  case BOOL: v.kind = Value::Bool; v.b = r.read<uint8_t>() != 0; break;
  case STRING: v.kind = Value::String; v.s = r.string(); break;
  case ARRAY: {
    if (depth > 0) // the format nests no arrays in practice; bound it
      return false;
    v.kind = Value::Array;
    uint32_t et = r.read<uint32_t>();
    uint64_t n = r.read<uint64_t>();
    // Every element takes at least one byte: a count beyond the file is
    // corrupt, not a reason to allocate.
    if (r.failed || n > uint64_t(r.end - r.pos))
      return false;
    v.array.resize(n);
    for (Value &e : v.array)
      if (!readValue(r, et, e, depth + 1))
        return false;
    break;
  }
  default:
    return false;
  }
  return !r.failed;
}
} // namespace

std::string rotq::gguf::typeName(uint32_t id) {
  switch (Type(id)) {
  case Type::F32: return "F32";
  case Type::F16: return "F16";
  case Type::BF16: return "BF16";
  case Type::Q4_0: return "Q4_0";
  case Type::Q4_1: return "Q4_1";
  case Type::Q8_0: return "Q8_0";
  case Type::Q4_K: return "Q4_K";
  case Type::Q5_K: return "Q5_K";
  case Type::Q6_K: return "Q6_K";
  }
  static const char *others[] = {nullptr, nullptr, nullptr, nullptr, "Q4_2",
                                 "Q4_3", "Q5_0", "Q5_1", nullptr, "Q8_1",
                                 "Q2_K", "Q3_K", nullptr, nullptr, nullptr,
                                 "Q8_K"};
  if (id < std::size(others) && others[id])
    return others[id];
  return "type " + std::to_string(id);
}

std::optional<int64_t> Value::asInt() const {
  if (kind == Int)
    return i;
  if (kind == UInt && u <= uint64_t(std::numeric_limits<int64_t>::max()))
    return int64_t(u);
  return std::nullopt;
}

std::optional<double> Value::asNumber() const {
  if (kind == Float)
    return f;
  if (kind == Int)
    return double(i);
  if (kind == UInt)
    return double(u);
  return std::nullopt;
}

int64_t TensorInfo::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

std::optional<uint64_t> rotq::gguf::storageBytes(uint32_t id, int64_t n) {
  std::optional<Layout> l = layoutOf(id);
  if (!l || n < 0 || n % l->block)
    return std::nullopt;
  return uint64_t(n / l->block) * l->bytes;
}

llvm::Expected<File> File::open(const std::string &path) {
  auto buf = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                         /*RequiresNullTerminator=*/false);
  if (!buf)
    return fileError(path, "cannot read: " + buf.getError().message());
  File f;
  f.filePath = path;
  f.buffer = std::move(*buf);
  const char *b = f.buffer->getBufferStart();
  Reader r{b, b, f.buffer->getBufferEnd()};
  char magic[4];
  if (!r.take(magic, 4) || std::memcmp(magic, "GGUF", 4))
    return fileError(path, "not a GGUF file (no \"GGUF\" magic)");
  f.fileVersion = r.read<uint32_t>();
  if (f.fileVersion != 2 && f.fileVersion != 3)
    return fileError(path, "GGUF version " + llvm::Twine(f.fileVersion) +
                               " (rotq reads versions 2 and 3)");
  uint64_t tensorCount = r.read<uint64_t>();
  uint64_t kvCount = r.read<uint64_t>();
  if (r.failed)
    return fileError(path, "truncated header");
  // Each record takes more than 8 bytes: counts beyond the file are corrupt.
  uint64_t size = f.buffer->getBufferSize();
  if (tensorCount > size / 8 || kvCount > size / 8)
    return fileError(path, "corrupt header: " + llvm::Twine(tensorCount) +
                               " tensors, " + llvm::Twine(kvCount) +
                               " metadata entries");
  for (uint64_t k = 0; k < kvCount; ++k) {
    std::string key = r.string();
    uint32_t type = r.read<uint32_t>();
    Value v;
    if (r.failed || !readValue(r, type, v, 0))
      return fileError(path, "corrupt metadata entry " + llvm::Twine(k) +
                                 (key.empty() ? "" : " ('" + key + "')"));
    if (f.metadata.count(key))
      return fileError(path, "metadata key '" + key + "' appears twice");
    f.keyOrder.push_back(key);
    f.metadata[key] = std::move(v);
  }
  uint64_t alignment = 32;
  if (const Value *a = f.get("general.alignment")) {
    std::optional<int64_t> n = a->asInt();
    if (!n || *n <= 0 || (*n & (*n - 1)))
      return fileError(path, "general.alignment must be a power of two");
    alignment = uint64_t(*n);
  }
  struct Raw {
    uint32_t type;
    uint64_t offset;
  };
  std::vector<Raw> raws;
  for (uint64_t t = 0; t < tensorCount; ++t) {
    TensorInfo info;
    info.name = r.string();
    uint32_t dims = r.read<uint32_t>();
    if (r.failed || dims == 0 || dims > 4)
      return fileError(path, "corrupt tensor record " + llvm::Twine(t) +
                                 (info.name.empty() ? "" : " ('" + info.name + "')"));
    std::vector<int64_t> ne(dims);
    for (int64_t &d : ne) {
      uint64_t v = r.read<uint64_t>();
      if (v > uint64_t(1) << 40)
        return fileError(path, "tensor '" + info.name + "': dimension " +
                                   llvm::Twine(v) + " is out of range");
      d = int64_t(v);
    }
    // Bounded products: a crafted file must not overflow the sizes.
    uint64_t elements = 1;
    for (int64_t d : ne)
      if (d != 0 && elements > (uint64_t(1) << 48) / uint64_t(d))
        return fileError(path, "tensor '" + info.name + "' is too large");
      else
        elements *= uint64_t(d);
    info.shape.assign(ne.rbegin(), ne.rend());
    Raw raw{r.read<uint32_t>(), r.read<uint64_t>()};
    if (r.failed)
      return fileError(path, "truncated tensor record '" + info.name + "'");
    if (f.byName.count(info.name))
      return fileError(path, "tensor '" + info.name + "' appears twice");
    info.type = raw.type;
    f.byName[info.name] = f.infos.size();
    f.infos.push_back(std::move(info));
    raws.push_back(raw);
  }
  uint64_t dataStart = uint64_t(r.pos - b);
  dataStart = (dataStart + alignment - 1) / alignment * alignment;
  for (size_t t = 0; t < f.infos.size(); ++t) {
    TensorInfo &info = f.infos[t];
    int64_t n = info.numElements();
    // Types rotq does not read keep no data (dequantize says why); their
    // size is not known here.
    std::optional<uint64_t> bytes = storageBytes(info.type, n);
    if (!bytes) {
      if (layoutOf(info.type))
        return fileError(path, "tensor '" + info.name + "' (" +
                                   typeName(info.type) + "): " +
                                   llvm::Twine(info.shape.back()) +
                                   " columns are not a whole number of blocks");
      continue;
    }
    if (raws[t].offset % alignment ||
        raws[t].offset > size || dataStart > size - raws[t].offset ||
        *bytes > size - dataStart - raws[t].offset)
      return fileError(path, "tensor '" + info.name + "': data at offset " +
                                 llvm::Twine(raws[t].offset) + " (" +
                                 llvm::Twine(*bytes) +
                                 " bytes) lies outside the file or is "
                                 "misaligned");
    info.data = b + dataStart + raws[t].offset;
    info.bytes = *bytes;
  }
  return std::move(f);
}

const Value *File::get(llvm::StringRef key) const {
  auto it = metadata.find(key);
  return it == metadata.end() ? nullptr : &it->second;
}

const TensorInfo *File::find(llvm::StringRef name) const {
  auto it = byName.find(name);
  return it == byName.end() ? nullptr : &infos[it->second];
}

namespace {
float f16At(const uint8_t *p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  return halfToFloat(h);
}

// One block each, llama.cpp's dequantize_row_* (ggml-quants.c).
void blockQ4_0(const uint8_t *x, float *y) {
  float d = f16At(x);
  const uint8_t *qs = x + 2;
  for (int j = 0; j < 16; ++j) {
    y[j] = float((qs[j] & 0x0F) - 8) * d;
    y[j + 16] = float((qs[j] >> 4) - 8) * d;
  }
}

void blockQ4_1(const uint8_t *x, float *y) {
  float d = f16At(x), m = f16At(x + 2);
  const uint8_t *qs = x + 4;
  for (int j = 0; j < 16; ++j) {
    y[j] = float(qs[j] & 0x0F) * d + m;
    y[j + 16] = float(qs[j] >> 4) * d + m;
  }
}

void blockQ8_0(const uint8_t *x, float *y) {
  float d = f16At(x);
  const int8_t *qs = reinterpret_cast<const int8_t *>(x + 2);
  for (int j = 0; j < 32; ++j)
    y[j] = float(qs[j]) * d;
}

/// The 6-bit scale and min of sub-block j of a Q4_K / Q5_K block.
void scaleMinK4(int j, const uint8_t *q, uint8_t &d, uint8_t &m) {
  if (j < 4) {
    d = q[j] & 63;
    m = q[j + 4] & 63;
  } else {
    d = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
    m = (q[j + 4] >> 4) | ((q[j - 0] >> 6) << 4);
  }
}

/// Q4_K and Q5_K: eight sub-blocks of 32 with 6-bit scales and mins; Q5_K
/// adds a fifth bit per weight (qh) before the low nibbles.
void blockQ45_K(const uint8_t *x, float *y, bool fifthBit) {
  float d = f16At(x), min = f16At(x + 2);
  const uint8_t *scales = x + 4, *qh = x + 16, *ql = x + (fifthBit ? 48 : 16);
  int is = 0;
  uint8_t u1 = 1, u2 = 2;
  for (int j = 0; j < 256; j += 64) {
    uint8_t sc, m;
    scaleMinK4(is + 0, scales, sc, m);
    float d1 = d * float(sc), m1 = min * float(m);
    scaleMinK4(is + 1, scales, sc, m);
    float d2 = d * float(sc), m2 = min * float(m);
    for (int l = 0; l < 32; ++l)
      *y++ = d1 * float((ql[l] & 0xF) + (fifthBit && (qh[l] & u1) ? 16 : 0)) -
             m1;
    for (int l = 0; l < 32; ++l)
      *y++ = d2 * float((ql[l] >> 4) + (fifthBit && (qh[l] & u2) ? 16 : 0)) -
             m2;
    ql += 32;
    is += 2;
    u1 <<= 2;
    u2 <<= 2;
  }
}
void blockQ4_K(const uint8_t *x, float *y) { blockQ45_K(x, y, false); }
void blockQ5_K(const uint8_t *x, float *y) { blockQ45_K(x, y, true); }

void blockQ6_K(const uint8_t *x, float *y) {
  const uint8_t *ql = x, *qh = x + 128;
  const int8_t *sc = reinterpret_cast<const int8_t *>(x + 192);
  float d = f16At(x + 208);
  for (int n = 0; n < 256; n += 128) {
    for (int l = 0; l < 32; ++l) {
      int is = l / 16;
      int q1 = int((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
      int q2 = int((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
      int q3 = int((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
      int q4 = int((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
      y[l + 0] = d * float(sc[is + 0]) * float(q1);
      y[l + 32] = d * float(sc[is + 2]) * float(q2);
      y[l + 64] = d * float(sc[is + 4]) * float(q3);
      y[l + 96] = d * float(sc[is + 6]) * float(q4);
    }
    y += 128;
    ql += 64;
    qh += 32;
    sc += 8;
  }
}
} // namespace

llvm::Error File::dequantize(const TensorInfo &t,
                             std::vector<float> &out) const {
  std::optional<Layout> l = layoutOf(t.type);
  if (!l || !t.data)
    return fileError(filePath, "tensor '" + t.name + "' is " +
                                   typeName(t.type) +
                                   ", which rotq does not read (F32, F16, "
                                   "BF16, Q8_0, Q4_0, Q4_1, Q4_K, Q5_K, "
                                   "Q6_K)");
  int64_t n = t.numElements();
  out.resize(n);
  const uint8_t *x = reinterpret_cast<const uint8_t *>(t.data);
  float *y = out.data();
  int64_t blocks = n / l->block;
  void (*block)(const uint8_t *, float *) = nullptr;
  switch (Type(t.type)) {
  case Type::F32:
    if (n) // an empty vector's data() may be null
      std::memcpy(y, x, n * 4);
    return llvm::Error::success();
  case Type::F16:
  case Type::BF16:
    for (int64_t i = 0; i < n; ++i) {
      uint16_t h;
      std::memcpy(&h, x + 2 * i, 2);
      y[i] = Type(t.type) == Type::F16 ? halfToFloat(h) : bf16ToFloat(h);
    }
    return llvm::Error::success();
  case Type::Q4_0: block = blockQ4_0; break;
  case Type::Q4_1: block = blockQ4_1; break;
  case Type::Q8_0: block = blockQ8_0; break;
  case Type::Q4_K: block = blockQ4_K; break;
  case Type::Q5_K: block = blockQ5_K; break;
  case Type::Q6_K: block = blockQ6_K; break;
  }
  for (int64_t i = 0; i < blocks; ++i)
    block(x + i * l->bytes, y + i * l->block);
  return llvm::Error::success();
}
