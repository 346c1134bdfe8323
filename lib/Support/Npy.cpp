//===- Npy.cpp - reading and writing NumPy .npy files ---------------------===//
#include "rotq/Support/Npy.h"
#include "rotq/Support/CheckedSize.h"
#include "rotq/Support/FileError.h"
#include "rotq/Support/OutputFile.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "rotq/Support/FloatBits.h"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <optional>
#include <sstream>

using namespace rotq;
using namespace rotq::npy;

namespace {

std::string trimSpaces(const std::string &s) {
  size_t b = s.find_first_not_of(" \t\n"), e = s.find_last_not_of(" \t\n");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

/// Value of `key` in the header dict: the text up to the next top-level ','.
std::optional<std::string> dictValue(const std::string &header,
                                     const std::string &key) {
  size_t k = header.find("'" + key + "'");
  if (k == std::string::npos)
    return std::nullopt;
  size_t colon = header.find(':', k);
  if (colon == std::string::npos)
    return std::nullopt;
  size_t i = colon + 1;
  int depth = 0;
  std::string v;
  for (; i < header.size(); ++i) {
    char c = header[i];
    if (c == '(')
      ++depth;
    if (c == ')')
      --depth;
    if ((c == ',' || c == '}') && depth == 0)
      break;
    v += c;
  }
  return trimSpaces(v);
}
} // namespace

size_t rotq::npy::elementSize(DType t) {
  switch (t) {
  case DType::F16: case DType::I16: return 2;
  case DType::F32: case DType::I32: return 4;
  case DType::F64: case DType::I64: return 8;
  case DType::I8: case DType::U8: case DType::Bool: return 1;
  }
  return 1;
}

const char *rotq::npy::descriptor(DType t) {
  switch (t) {
  case DType::F16: return "<f2";
  case DType::F32: return "<f4";
  case DType::F64: return "<f8";
  case DType::I8: return "|i1";
  case DType::I16: return "<i2";
  case DType::I32: return "<i4";
  case DType::I64: return "<i8";
  case DType::U8: return "|u1";
  case DType::Bool: return "|b1";
  }
  return "";
}

int64_t Array::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

double Array::getDouble(int64_t i) const {
  const char *p = data.data() + i * elementSize(dtype);
  switch (dtype) {
  case DType::F16: { uint16_t v; std::memcpy(&v, p, 2); return halfToFloat(v); }
  case DType::F32: { float v; std::memcpy(&v, p, 4); return v; }
  case DType::F64: { double v; std::memcpy(&v, p, 8); return v; }
  default: return double(getInt(i));
  }
}

int64_t Array::getInt(int64_t i) const {
  const char *p = data.data() + i * elementSize(dtype);
  switch (dtype) {
  case DType::I8: return int8_t(*p);
  case DType::U8: return uint8_t(*p);
  case DType::Bool: return *p != 0;
  case DType::I16: { int16_t v; std::memcpy(&v, p, 2); return v; }
  case DType::I32: { int32_t v; std::memcpy(&v, p, 4); return v; }
  case DType::I64: { int64_t v; std::memcpy(&v, p, 8); return v; }
  default: {
    // Saturating: converting a NaN, an infinity or a float beyond int64 is
    // undefined behaviour in C++.
    double d = getDouble(i);
    if (std::isnan(d))
      return 0;
    if (d >= 9223372036854775807.0)
      return INT64_MAX;
    if (d <= -9223372036854775808.0)
      return INT64_MIN;
    return int64_t(d);
  }
  }
}

llvm::Expected<Array> rotq::npy::parse(const std::string &bytes,
                                       const std::string &name) {
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0)
    return fileError(name, "not a .npy file (bad magic)");
  int major = uint8_t(bytes[6]);
  size_t headerLen, headerStart;
  if (major == 1) {
    headerLen = uint8_t(bytes[8]) | (size_t(uint8_t(bytes[9])) << 8);
    headerStart = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12)
      return fileError(name, "truncated .npy header");
    headerLen = 0;
    for (int i = 0; i < 4; ++i)
      headerLen |= size_t(uint8_t(bytes[8 + i])) << (8 * i);
    headerStart = 12;
  } else {
    return fileError(name, "unsupported .npy format version " +
                          llvm::Twine(major));
  }
  if (headerStart + headerLen > bytes.size())
    return fileError(name, "truncated .npy header");
  std::string header = bytes.substr(headerStart, headerLen);

  auto descr = dictValue(header, "descr");
  auto fortran = dictValue(header, "fortran_order");
  auto shapeText = dictValue(header, "shape");
  if (!descr || !fortran || !shapeText)
    return fileError(name, "malformed .npy header '" + trimSpaces(header) + "'");

  Array a;
  std::string d = *descr;
  if (d.size() < 2 || (d.front() != '\'' && d.front() != '"'))
    return fileError(name, "malformed dtype " + d);
  d = d.substr(1, d.size() - 2);
  static const std::pair<const char *, DType> kTypes[] = {
      {"<f2", DType::F16}, {"<f4", DType::F32}, {"<f8", DType::F64},
      {"|i1", DType::I8},  {"<i1", DType::I8},  {"<i2", DType::I16},
      {"<i4", DType::I32}, {"<i8", DType::I64}, {"|u1", DType::U8},
      {"<u1", DType::U8},  {"|b1", DType::Bool}};
  bool known = false;
  for (auto &[s, t] : kTypes)
    if (d == s) {
      a.dtype = t;
      known = true;
    }
  if (!known)
    return fileError(name, "unsupported dtype '" + d +
                          "' (supported: little-endian float16/32/64, "
                          "int8/16/32/64, uint8, bool)");
  if (*fortran != "False")
    return fileError(name, "Fortran-order arrays are not supported; save a "
                      "C-contiguous array (numpy.ascontiguousarray)");

  std::string s = *shapeText;
  if (s.size() < 2 || s.front() != '(' || s.back() != ')')
    return fileError(name, "malformed shape " + s);
  std::stringstream ss(s.substr(1, s.size() - 2));
  std::string item;
  while (std::getline(ss, item, ',')) {
    item = trimSpaces(item);
    if (item.empty())
      continue;
    char *end = nullptr;
    errno = 0;
    long long v = std::strtoll(item.c_str(), &end, 10);
    if (*end != '\0' || v < 0 || errno == ERANGE)
      return fileError(name, "malformed shape " + s);
    a.shape.push_back(v);
  }

  // The byte count is checked before anything trusts it: a shape whose
  // product wraps around must not pass as a small array.
  std::optional<int64_t> bytesNeeded =
      checkedProduct(a.shape, int64_t(elementSize(a.dtype)));
  if (!bytesNeeded)
    return fileError(name, "shape " + s + " is too large (its byte size "
                                          "overflows)");
  size_t dataStart = headerStart + headerLen;
  size_t expected = size_t(*bytesNeeded);
  size_t found = bytes.size() - dataStart;
  if (found < expected)
    return fileError(name, "truncated data: expected " + llvm::Twine(expected) +
                          " bytes for shape " + s + ", found " +
                          llvm::Twine(found));
  if (found > expected)
    return fileError(name, "trailing bytes: expected " + llvm::Twine(expected) +
                          " bytes for shape " + s + ", found " +
                          llvm::Twine(found));
  a.data.assign(bytes.begin() + dataStart, bytes.end());
  return a;
}

llvm::Expected<Array> rotq::npy::read(const std::string &path) {
  // MemoryBuffer reports a directory or an unreadable file as an error
  // (an ifstream on a directory throws while reading).
  auto buf = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                         /*RequiresNullTerminator=*/false);
  if (!buf)
    return fileError(path, "cannot read: " + buf.getError().message());
  return parse((*buf)->getBuffer().str(), path);
}

static std::string makeHeader(const char *descr,
                              const std::vector<int64_t> &shape) {
  std::ostringstream os;
  os << "{'descr': '" << descr << "', 'fortran_order': False, 'shape': (";
  for (size_t i = 0; i < shape.size(); ++i)
    os << shape[i] << (shape.size() == 1 || i + 1 < shape.size() ? "," : "")
       << (i + 1 < shape.size() ? " " : "");
  os << "), }";
  std::string h = os.str();
  size_t total = 10 + h.size() + 1;
  h.append((64 - total % 64) % 64, ' ');
  h += '\n';
  std::string out = "\x93NUMPY";
  out += char(1);
  out += char(0);
  out += char(h.size() & 0xff);
  out += char((h.size() >> 8) & 0xff);
  return out + h;
}

llvm::Error rotq::npy::write(const std::string &path, const Array &array,
                             llvm::ArrayRef<std::string> inputs) {
  return writeFile(
      path,
      [&](llvm::raw_ostream &os) {
        os << makeHeader(descriptor(array.dtype), array.shape);
        os.write(array.data.data(), array.data.size());
      },
      inputs);
}

llvm::Expected<StreamWriter>
StreamWriter::create(const std::string &path, int64_t rows, int64_t cols,
                     llvm::ArrayRef<std::string> inputs) {
  llvm::Expected<OutputFile> file = OutputFile::prepare(path, inputs);
  if (!file)
    return file.takeError();
  StreamWriter w;
  w.file = std::make_unique<OutputFile>(std::move(*file));
  std::error_code ec;
  w.out = std::make_unique<llvm::raw_fd_ostream>(w.file->path(), ec,
                                                 llvm::sys::fs::OF_None);
  if (ec)
    return fileError(path, "cannot write: " + ec.message());
  *w.out << makeHeader("<f8", {rows, cols});
  return std::move(w);
}

void StreamWriter::writeRows(const std::vector<double> &rowMajor) {
  out->write(reinterpret_cast<const char *>(rowMajor.data()),
             rowMajor.size() * sizeof(double));
}

llvm::Error StreamWriter::finish() { return file->closeAndCommit(*out); }

Array rotq::npy::fromInt64(const std::vector<int64_t> &values) {
  Array a;
  a.dtype = DType::I64;
  a.shape = {int64_t(values.size())};
  a.data.resize(values.size() * sizeof(int64_t));
  std::memcpy(a.data.data(), values.data(), a.data.size());
  return a;
}

Array rotq::npy::fromSequences(const std::vector<std::vector<int64_t>> &seqs) {
  std::vector<int64_t> flat;
  for (const std::vector<int64_t> &s : seqs)
    flat.insert(flat.end(), s.begin(), s.end());
  Array a = fromInt64(flat);
  a.shape = {int64_t(seqs.size()), seqs.empty() ? 0 : int64_t(seqs[0].size())};
  return a;
}

llvm::Expected<std::vector<std::vector<int64_t>>>
rotq::npy::readTokenSequences(const std::string &path) {
  llvm::Expected<Array> a = read(path);
  if (!a)
    return a.takeError();
  if (a->isFloat() || a->shape.empty() || a->shape.size() > 2 ||
      a->numElements() == 0)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        path + " must hold integer token ids, [tokens] or [sequences, tokens]");
  int64_t len = a->shape.back();
  std::vector<std::vector<int64_t>> seqs(a->numElements() / len,
                                         std::vector<int64_t>(len));
  for (size_t s = 0; s < seqs.size(); ++s)
    for (int64_t i = 0; i < len; ++i)
      seqs[s][i] = a->getInt(int64_t(s) * len + i);
  return seqs;
}

llvm::Error rotq::npy::checkTokenRange(
    const std::vector<std::vector<int64_t>> &seqs, int64_t vocab,
    const std::string &name) {
  for (size_t s = 0; s < seqs.size(); ++s)
    for (size_t i = 0; i < seqs[s].size(); ++i) {
      int64_t id = seqs[s][i];
      if (id >= 0 && (vocab <= 0 || id < vocab))
        continue;
      std::string where = seqs.size() > 1 ? "[" + std::to_string(s) + ", " +
                                                std::to_string(i) + "]"
                                          : "[" + std::to_string(i) + "]";
      return fileError(name, "token id " + llvm::Twine(id) + " at position " +
                                 where + " is outside the vocabulary [0, " +
                                 (vocab > 0 ? llvm::Twine(vocab)
                                            : llvm::Twine("?")) +
                                 ")");
    }
  return llvm::Error::success();
}
