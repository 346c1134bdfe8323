//===- Gguf.h - reading llama.cpp's GGUF files ------------------*- C++ -*-===//
//
// The format (versions 2 and 3, little-endian): the magic "GGUF", a version,
// the tensor and key-value counts, the key-value metadata (typed scalars,
// strings and arrays), one record per tensor (name, dimensions innermost
// first, ggml type, offset), then the tensor data from the next multiple of
// `general.alignment` (32 by default). Tensors of the types below are
// dequantized exactly as llama.cpp's reference dequantizers define them
// (ggml-quants.c, in float32). Every inconsistency is an error naming the
// file; nothing here aborts on bad input.
//
//===----------------------------------------------------------------------===//
#ifndef ROTQ_SUPPORT_GGUF_H
#define ROTQ_SUPPORT_GGUF_H

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace rotq::gguf {

/// ggml tensor types rotq reads (their ggml ids).
enum class Type : uint32_t {
  F32 = 0,
  F16 = 1,
  Q4_0 = 2,
  Q4_1 = 3,
  Q8_0 = 8,
  Q4_K = 12,
  Q5_K = 13,
  Q6_K = 14,
  BF16 = 30,
};

/// The ggml name of a type id ("Q4_K"), or "type N" for others.
std::string typeName(uint32_t id);

/// One metadata value: scalars widened (integers to int64 / uint64, floats
/// to double), strings, and arrays of them.
struct Value {
  enum Kind { Int, UInt, Float, Bool, String, Array } kind = Int;
  int64_t i = 0;
  uint64_t u = 0;
  double f = 0;
  bool b = false;
  std::string s;
  std::vector<Value> array;
  /// The value as an integer when it is one (a signed or unsigned integer
  /// that fits in int64).
  std::optional<int64_t> asInt() const;
  /// As a number (integers converted).
  std::optional<double> asNumber() const;
};

struct TensorInfo {
  std::string name;
  uint32_t type = 0;
  /// PyTorch order: outermost first (GGUF stores innermost first).
  std::vector<int64_t> shape;
  const char *data = nullptr;
  uint64_t bytes = 0;
  int64_t numElements() const;
};

class File {
public:
  static llvm::Expected<File> open(const std::string &path);

  uint32_t version() const { return fileVersion; }
  const Value *get(llvm::StringRef key) const;
  /// Keys in file order.
  const std::vector<std::string> &keys() const { return keyOrder; }
  const TensorInfo *find(llvm::StringRef name) const;
  const std::vector<TensorInfo> &tensors() const { return infos; }
  const std::string &path() const { return filePath; }

  /// The tensor's values in float32 (row-major, PyTorch order); an error
  /// for types rotq does not read.
  llvm::Error dequantize(const TensorInfo &t, std::vector<float> &out) const;

private:
  std::string filePath;
  uint32_t fileVersion = 0;
  std::unique_ptr<llvm::MemoryBuffer> buffer;
  llvm::StringMap<Value> metadata;
  std::vector<std::string> keyOrder;
  std::vector<TensorInfo> infos;
  llvm::StringMap<size_t> byName;
};

/// Bytes of `n` elements of type `id` (n a multiple of its block size);
/// nullopt for a type rotq does not read or a partial block.
std::optional<uint64_t> storageBytes(uint32_t id, int64_t n);

} // namespace rotq::gguf

#endif
