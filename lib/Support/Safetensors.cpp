//===- Safetensors.cpp - reading and writing .safetensors files -----------===//
#include "rotq/Support/Safetensors.h"
#include "rotq/Support/FileError.h"
#include "rotq/Support/Json.h"
#include "rotq/Support/OutputFile.h"
#include "rotq/Support/FloatBits.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cstring>

#include <sys/mman.h>

using namespace rotq;
using namespace rotq::safetensors;

const char *safetensors::dtypeName(DType t) {
  switch (t) {
  case DType::F32: return "F32";
  case DType::F16: return "F16";
  case DType::BF16: return "BF16";
  case DType::F64: return "F64";
  case DType::I8: return "I8";
  }
  return "?";
}

size_t safetensors::elementSize(DType t) {
  switch (t) {
  case DType::F32: return 4;
  case DType::F16: case DType::BF16: return 2;
  case DType::F64: return 8;
  case DType::I8: return 1;
  }
  return 0;
}

std::optional<DType> safetensors::parseDType(llvm::StringRef name) {
  return llvm::StringSwitch<std::optional<DType>>(name)
      .Case("F32", DType::F32)
      .Case("F16", DType::F16)
      .Case("BF16", DType::BF16)
      .Case("F64", DType::F64)
      .Case("I8", DType::I8)
      .Default(std::nullopt);
}

int64_t TensorInfo::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

namespace {
/// Parses one file's header and adds its tensors to `out`.
llvm::Error parseFile(const std::string &file, const llvm::MemoryBuffer &buf,
                      size_t fileIndex, llvm::StringMap<TensorInfo> &out,
                      llvm::StringMap<std::string> &owner) {
  size_t size = buf.getBufferSize();
  const char *base = buf.getBufferStart();
  if (size < 8)
    return fileError(file, "not a safetensors file (shorter than its 8-byte "
                      "header length)");
  uint64_t headerLen = 0;
  for (int i = 7; i >= 0; --i)
    headerLen = (headerLen << 8) | uint8_t(base[i]);
  if (headerLen > size - 8)
    return fileError(file, "header length " + llvm::Twine(headerLen) +
                          " exceeds the file size " + llvm::Twine(size));
  llvm::StringRef headerText(base + 8, headerLen);
  llvm::Expected<llvm::json::Value> header = rotq::parseJson(headerText);
  if (!header)
    return fileError(file, "malformed JSON header: " +
                          llvm::toString(header.takeError()));
  const llvm::json::Object *obj = header->getAsObject();
  if (!obj)
    return fileError(file, "JSON header is not an object");
  const char *data = base + 8 + headerLen;
  uint64_t dataSize = size - 8 - headerLen;
  struct Range {
    uint64_t begin, end;
    std::string name;
  };
  std::vector<Range> ranges;
  for (const auto &kv : *obj) {
    std::string name = kv.first.str();
    if (name == "__metadata__")
      continue;
    const llvm::json::Object *t = kv.second.getAsObject();
    if (!t)
      return fileError(file, "entry '" + name + "' is not an object");
    std::optional<llvm::StringRef> dtypeStr = t->getString("dtype");
    if (!dtypeStr)
      return fileError(file, "tensor '" + name + "' has no dtype");
    std::optional<DType> dtype = parseDType(*dtypeStr);
    if (!dtype)
      return fileError(file, "tensor '" + name + "' has unsupported dtype " +
                            *dtypeStr + " (supported: F32, F16, BF16, F64, I8)");
    const llvm::json::Array *shape = t->getArray("shape");
    const llvm::json::Array *offsets = t->getArray("data_offsets");
    if (!shape || !offsets || offsets->size() != 2)
      return fileError(file, "tensor '" + name +
                            "' needs a shape and two data_offsets");
    TensorInfo info;
    info.dtype = *dtype;
    info.fileIndex = fileIndex;
    uint64_t numel = 1;
    for (const llvm::json::Value &d : *shape) {
      std::optional<int64_t> v = jsonInteger(d);
      if (!v || *v < 0 || *v > (int64_t(1) << 40))
        return fileError(file, "tensor '" + name + "' has an invalid shape");
      info.shape.push_back(*v);
      numel *= uint64_t(*v);
      if (numel > (uint64_t(1) << 40))
        return fileError(file, "tensor '" + name + "' is too large");
    }
    std::optional<int64_t> b = jsonInteger((*offsets)[0]),
                           e = jsonInteger((*offsets)[1]);
    if (!b || !e || *b < 0 || *e < *b || uint64_t(*e) > dataSize)
      return fileError(file, "tensor '" + name + "' has data_offsets outside the "
                            "file's " + llvm::Twine(dataSize) +
                            " data bytes (truncated file?)");
    if (uint64_t(*e - *b) != numel * elementSize(*dtype))
      return fileError(file, "tensor '" + name + "' has " + llvm::Twine(*e - *b) +
                            " bytes but its shape and dtype need " +
                            llvm::Twine(numel * elementSize(*dtype)));
    info.data = data + *b;
    ranges.push_back({uint64_t(*b), uint64_t(*e), name});
    auto [it, inserted] = owner.try_emplace(name, file);
    if (!inserted)
      return fileError(file, "tensor '" + name + "' is also in " + it->second);
    out[name] = std::move(info);
  }
  // The format indexes every data byte exactly once: a gap or an overlap
  // means a wrong header length or corrupt offsets, which would otherwise
  // read shifted weights.
  std::sort(ranges.begin(), ranges.end(),
            [](const Range &a, const Range &b) { return a.begin < b.begin; });
  uint64_t covered = 0;
  for (const Range &r : ranges) {
    if (r.begin != covered)
      return fileError(file, "tensor '" + r.name + "' starts at data byte " +
                                 llvm::Twine(r.begin) + ", expected " +
                                 llvm::Twine(covered) +
                                 " (wrong header length, or overlapping or "
                                 "missing data?)");
    covered = r.end;
  }
  if (covered != dataSize)
    return fileError(file, "the tensors cover " + llvm::Twine(covered) +
                               " of the " + llvm::Twine(dataSize) +
                               " data bytes (wrong header length, or trailing "
                               "data?)");
  return llvm::Error::success();
}
} // namespace

llvm::Expected<Checkpoint> Checkpoint::open(const std::string &path) {
  Checkpoint ckpt;
  ckpt.path = path;
  std::vector<std::string> paths;
  if (llvm::sys::fs::is_directory(path)) {
    std::error_code ec;
    for (llvm::sys::fs::directory_iterator it(path, ec), end; it != end && !ec;
         it.increment(ec))
      if (llvm::StringRef(it->path()).ends_with(".safetensors"))
        paths.push_back(it->path());
    if (ec)
      return fileError(path, "cannot list directory: " + ec.message());
    if (paths.empty())
      return fileError(path, "no *.safetensors files in this directory");
  } else {
    paths.push_back(path);
  }
  std::sort(paths.begin(), paths.end());
  llvm::StringMap<std::string> owner;
  for (const std::string &p : paths) {
    auto buf = llvm::MemoryBuffer::getFile(p, /*IsText=*/false,
                                           /*RequiresNullTerminator=*/false);
    if (!buf)
      return fileError(p, "cannot read: " + buf.getError().message());
    if (llvm::Error err = parseFile(p, **buf, ckpt.files.size(), ckpt.tensors,
                                    owner))
      return std::move(err);
    ckpt.files.push_back(p);
    ckpt.buffers.push_back(std::move(*buf));
  }
  return std::move(ckpt);
}

const TensorInfo *Checkpoint::find(llvm::StringRef name) const {
  auto it = tensors.find(name);
  return it == tensors.end() ? nullptr : &it->second;
}

std::vector<std::string> Checkpoint::names() const {
  std::vector<std::string> out;
  for (const auto &kv : tensors)
    out.push_back(kv.first().str());
  std::sort(out.begin(), out.end());
  return out;
}

llvm::Expected<std::vector<float>>
Checkpoint::readFloat(llvm::StringRef name,
                      llvm::ArrayRef<int64_t> shape) const {
  const TensorInfo *t = find(name);
  if (!t)
    return fileError(path, "tensor '" + name + "' is missing from the checkpoint");
  if (llvm::ArrayRef<int64_t>(t->shape) != shape) {
    std::string want, have;
    llvm::raw_string_ostream ws(want), hs(have);
    llvm::interleave(shape, ws, "x");
    llvm::interleave(t->shape, hs, "x");
    return fileError(fileOf(*t), "tensor '" + name + "' has shape [" + have +
                                "], the config implies [" + want + "]");
  }
  if (t->dtype == DType::I8)
    return fileError(fileOf(*t), "tensor '" + name +
                                     "' is I8; model weights must be F32, "
                                     "F16, BF16 or F64");
  int64_t n = t->numElements();
  std::vector<float> out(n);
  std::vector<double> chunk;
  for (int64_t i = 0; i < n; i += 65536) {
    int64_t m = std::min<int64_t>(65536, n - i);
    chunk.resize(m);
    readDoubles(*t, i, m, chunk.data());
    for (int64_t j = 0; j < m; ++j)
      out[i + j] = float(chunk[j]);
  }
  return out;
}

void safetensors::readDoubles(const TensorInfo &t, int64_t begin,
                              int64_t count, double *out) {
  const char *p = t.data;
  int64_t end = begin + count;
  switch (t.dtype) {
  case DType::F32:
    for (int64_t i = begin; i < end; ++i, ++out) {
      float f;
      std::memcpy(&f, p + 4 * i, 4);
      *out = f;
    }
    break;
  case DType::F64: std::memcpy(out, p + 8 * begin, 8 * count); break;
  case DType::BF16:
    for (int64_t i = begin; i < end; ++i, ++out) {
      uint16_t h;
      std::memcpy(&h, p + 2 * i, 2);
      uint32_t bits = uint32_t(h) << 16;
      float f;
      std::memcpy(&f, &bits, 4);
      *out = f;
    }
    break;
  case DType::F16:
    for (int64_t i = begin; i < end; ++i, ++out) {
      uint16_t h;
      std::memcpy(&h, p + 2 * i, 2);
      *out = halfToFloat(h);
    }
    break;
  case DType::I8:
    for (int64_t i = begin; i < end; ++i, ++out)
      *out = double(int8_t(p[i]));
    break;
  }
}

void safetensors::releasePages(const TensorInfo &t) {
  size_t bytes = size_t(t.numElements()) * elementSize(t.dtype);
  uintptr_t page = uintptr_t(llvm::sys::Process::getPageSizeEstimate());
  uintptr_t begin = (uintptr_t(t.data) + page - 1) & ~(page - 1);
  uintptr_t end = (uintptr_t(t.data) + bytes) & ~(page - 1);
  if (end > begin)
    ::madvise(reinterpret_cast<void *>(begin), end - begin, MADV_DONTNEED);
}

int64_t TensorSpec::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

namespace {
/// The JSON header for `tensors`, padded to a multiple of 8 bytes.
std::string headerText(
    const std::vector<std::tuple<std::string, DType, std::vector<int64_t>,
                                 uint64_t>> &tensors) {
  llvm::json::Object header;
  header["__metadata__"] = llvm::json::Object{{"format", "pt"}};
  uint64_t offset = 0;
  for (const auto &[name, dtype, dims, bytes] : tensors) {
    llvm::json::Array shape;
    for (int64_t d : dims)
      shape.push_back(d);
    header[name] = llvm::json::Object{
        {"dtype", dtypeName(dtype)},
        {"shape", std::move(shape)},
        {"data_offsets",
         llvm::json::Array{int64_t(offset), int64_t(offset + bytes)}}};
    offset += bytes;
  }
  std::string text;
  llvm::raw_string_ostream os(text);
  os << llvm::json::Value(std::move(header));
  os.flush();
  while ((8 + text.size()) % 8)
    text.push_back(' ');
  return text;
}

/// `v` stored as `dtype` into `buf` (elementSize(dtype) bytes).
void encode(double v, DType dtype, char *buf) {
  switch (dtype) {
  case DType::F32: {
    float f = float(v);
    std::memcpy(buf, &f, 4);
    break;
  }
  case DType::F64: std::memcpy(buf, &v, 8); break;
  case DType::F16: {
    uint16_t h = floatToHalf(float(v));
    std::memcpy(buf, &h, 2);
    break;
  }
  case DType::BF16: {
    uint16_t h = floatToBF16(float(v));
    std::memcpy(buf, &h, 2);
    break;
  }
  case DType::I8: buf[0] = char(int8_t(v)); break;
  }
}
} // namespace

struct StreamWriter::Impl {
  std::optional<OutputFile> file;
  std::unique_ptr<llvm::raw_fd_ostream> os;
  std::string path;
};

StreamWriter::~StreamWriter() = default;

llvm::Expected<std::unique_ptr<StreamWriter>>
StreamWriter::create(const std::string &path, std::vector<TensorSpec> tensors,
                     llvm::ArrayRef<std::string> inputs) {
  std::unique_ptr<StreamWriter> w(new StreamWriter());
  w->impl = std::make_unique<Impl>();
  w->impl->path = path;
  llvm::Expected<OutputFile> out = OutputFile::prepare(path, inputs);
  if (!out)
    return out.takeError();
  w->impl->file.emplace(std::move(*out));
  std::error_code ec;
  w->impl->os = std::make_unique<llvm::raw_fd_ostream>(
      w->impl->file->path(), ec, llvm::sys::fs::OF_None);
  if (ec)
    return fileError(path, "cannot write: " + ec.message());
  std::vector<std::tuple<std::string, DType, std::vector<int64_t>, uint64_t>>
      entries;
  for (const TensorSpec &t : tensors)
    entries.emplace_back(t.name, t.dtype, t.shape,
                         uint64_t(t.numElements()) * elementSize(t.dtype));
  std::string text = headerText(entries);
  uint64_t len = text.size();
  for (int i = 0; i < 8; ++i)
    *w->impl->os << char((len >> (8 * i)) & 0xff);
  *w->impl->os << text;
  w->written = 8 + text.size();
  w->tensors = std::move(tensors);
  return std::move(w);
}

llvm::Error StreamWriter::append(const double *values, int64_t count) {
  // Zero-element tensors are complete as soon as they are reached.
  while (next < tensors.size() && tensors[next].numElements() == 0)
    ++next;
  if (next >= tensors.size())
    return fileError(impl->path, "internal error: more tensors than declared");
  const TensorSpec &t = tensors[next];
  if (count > t.numElements() - filled)
    return fileError(impl->path, "internal error: tensor '" + t.name +
                                     "' gets " + llvm::Twine(filled + count) +
                                     " values, its shape needs " +
                                     llvm::Twine(t.numElements()));
  filled += count;
  if (filled == t.numElements()) {
    ++next;
    filled = 0;
  }
  size_t es = elementSize(t.dtype);
  std::vector<char> buf;
  for (int64_t i = 0; i < count; i += 65536) {
    int64_t m = std::min<int64_t>(65536, count - i);
    buf.resize(m * es);
    for (int64_t j = 0; j < m; ++j)
      encode(values[i + j], t.dtype, buf.data() + j * es);
    impl->os->write(buf.data(), buf.size());
  }
  written += uint64_t(count) * es;
  if (impl->os->has_error())
    return fileError(impl->path, "write failed: " +
                                     impl->os->error().message());
  return llvm::Error::success();
}

llvm::Error StreamWriter::finish() {
  while (next < tensors.size() && tensors[next].numElements() == 0)
    ++next;
  if (next != tensors.size())
    return fileError(impl->path, "internal error: " +
                                     llvm::Twine(tensors.size() - next) +
                                     " tensor(s) not written");
  return impl->file->closeAndCommit(*impl->os);
}

llvm::Error safetensors::write(const std::string &path,
                               const std::vector<OutTensor> &tensors,
                               DType dtype) {
  std::vector<TensorSpec> specs;
  for (const OutTensor &t : tensors)
    specs.push_back({t.name, dtype, t.shape});
  llvm::Expected<std::unique_ptr<StreamWriter>> w =
      StreamWriter::create(path, std::move(specs));
  if (!w)
    return w.takeError();
  for (const OutTensor &t : tensors) {
    std::vector<double> values(t.values.begin(), t.values.end());
    if (llvm::Error err = (*w)->append(values.data(), int64_t(values.size())))
      return err;
  }
  return (*w)->finish();
}
