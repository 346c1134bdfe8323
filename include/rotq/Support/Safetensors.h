//===- Safetensors.h - reading and writing .safetensors files ---*- C++ -*-===//
//
// The format: an 8-byte little-endian header length N, N bytes of JSON
// mapping tensor names to {dtype, shape, data_offsets: [begin, end)} (offsets
// relative to the byte after the header, plus an optional "__metadata__"
// object), then the data. A Checkpoint is a directory of such files (one, or
// several shards). Every inconsistency is reported with the file's name;
// nothing here aborts on bad input.
//
//===----------------------------------------------------------------------===//
#ifndef ROTQ_SUPPORT_SAFETENSORS_H
#define ROTQ_SUPPORT_SAFETENSORS_H

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace rotq::safetensors {

enum class DType { F32, F16, BF16, F64, I8 };

const char *dtypeName(DType t);
size_t elementSize(DType t);

struct TensorInfo {
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  const char *data = nullptr; // into the file's buffer
  size_t fileIndex = 0;

  int64_t numElements() const;
};

/// All tensors of all *.safetensors files of a directory (or one file).
class Checkpoint {
public:
  static llvm::Expected<Checkpoint> open(const std::string &path);

  bool contains(llvm::StringRef name) const { return tensors.count(name); }
  const TensorInfo *find(llvm::StringRef name) const;
  /// The file holding `name`, for messages.
  const std::string &fileOf(const TensorInfo &t) const {
    return files[t.fileIndex];
  }
  /// The tensor converted to float32; checks the expected shape.
  llvm::Expected<std::vector<float>>
  readFloat(llvm::StringRef name, llvm::ArrayRef<int64_t> shape) const;
  std::vector<std::string> names() const;
  /// The directory (or file) the checkpoint was opened from.
  const std::string &location() const { return path; }
  /// The .safetensors files read.
  const std::vector<std::string> &fileNames() const { return files; }

private:
  std::string path;
  std::vector<std::string> files;
  std::vector<std::unique_ptr<llvm::MemoryBuffer>> buffers;
  llvm::StringMap<TensorInfo> tensors;
};

/// A tensor to write: float32 values stored as `dtype`.
struct OutTensor {
  std::string name;
  std::vector<int64_t> shape;
  std::vector<float> values;
};

/// Writes one .safetensors file (tensors in the given order, 8-byte
/// aligned header, "format": "pt" metadata as Hugging Face writers do).
llvm::Error write(const std::string &path,
                  const std::vector<OutTensor> &tensors, DType dtype);

/// Parses a dtype name ("F32", "F16", "BF16", "F64", "I8").
std::optional<DType> parseDType(llvm::StringRef name);

/// Drops `t`'s pages of the mapped file from this process's resident set
/// once read (they stay in the page cache), so that streaming a large
/// checkpoint keeps memory bounded.
void releasePages(const TensorInfo &t);

/// Elements [begin, begin + count) of `t`, widened to double.
void readDoubles(const TensorInfo &t, int64_t begin, int64_t count,
                 double *out);

/// One tensor of a file written by StreamWriter.
struct TensorSpec {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  int64_t numElements() const;
};

/// Writes a .safetensors file whose tensors are known up front but whose
/// data arrive one tensor at a time, in order, so that a whole model never
/// has to be in memory. Written through an OutputFile (temporary file,
/// renamed by finish()).
class StreamWriter {
public:
  static llvm::Expected<std::unique_ptr<StreamWriter>>
  create(const std::string &path, std::vector<TensorSpec> tensors,
         llvm::ArrayRef<std::string> inputs = {});
  ~StreamWriter();
  /// The next `count` values, as doubles converted to their tensor's dtype
  /// (rounded to nearest even; I8 values must be integers in range). A
  /// tensor may arrive in several pieces; a piece never spans two tensors.
  llvm::Error append(const double *values, int64_t count);
  /// Checks that every tensor was written and moves the file into place.
  llvm::Error finish();
  uint64_t bytesWritten() const { return written; }

private:
  StreamWriter() = default;
  struct Impl;
  std::unique_ptr<Impl> impl;
  std::vector<TensorSpec> tensors;
  size_t next = 0;
  int64_t filled = 0; // values of tensors[next] written so far
  uint64_t written = 0;
};

} // namespace rotq::safetensors

#endif
