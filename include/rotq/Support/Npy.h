//===- Npy.h - reading and writing NumPy .npy files -------------*- C++ -*-===//
//
// Little-endian, C-order .npy files (format versions 1.0, 2.0, 3.0) of
// float16/32/64, int8/16/32/64, uint8 and bool. Errors name the file and say
// what is wrong; nothing here aborts on bad input.
//
//===----------------------------------------------------------------------===//
#ifndef ROTQ_SUPPORT_NPY_H
#define ROTQ_SUPPORT_NPY_H

#include "rotq/Support/OutputFile.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace rotq::npy {

enum class DType { F16, F32, F64, I8, I16, I32, I64, U8, Bool };

/// Size of one element in bytes.
size_t elementSize(DType t);
/// The .npy descriptor, e.g. "<f4".
const char *descriptor(DType t);

struct Array {
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  std::vector<char> data; // raw little-endian elements, C order

  int64_t numElements() const;
  /// Element i converted to double / int64.
  double getDouble(int64_t i) const;
  int64_t getInt(int64_t i) const;
  bool isFloat() const {
    return dtype == DType::F16 || dtype == DType::F32 || dtype == DType::F64;
  }
};

llvm::Expected<Array> read(const std::string &path);

/// A 1-D int64 array holding `values` (token ids fed to a model).
Array fromInt64(const std::vector<int64_t> &values);

/// A 2-D int64 array [sequences, tokens] of sequences of one length (the
/// form readTokenSequences reads back).
Array fromSequences(const std::vector<std::vector<int64_t>> &seqs);

/// Token id sequences from an .npy of integers, [tokens] or
/// [sequences, tokens].
llvm::Expected<std::vector<std::vector<int64_t>>>
readTokenSequences(const std::string &path);
/// Every id in [0, vocab): one rule for all tools, checked before a model
/// runs; the error names `name` and the position ([sequence, token] for
/// several sequences). vocab <= 0 (unknown) checks only for negative ids.
llvm::Error checkTokenRange(const std::vector<std::vector<int64_t>> &seqs,
                            int64_t vocab, const std::string &name);

/// Writes `array`; refuses a path that is one of `inputs` (OutputFile).
llvm::Error write(const std::string &path, const Array &array,
                  llvm::ArrayRef<std::string> inputs = {});

/// Parses the bytes of a whole .npy file; `name` is used in messages.
llvm::Expected<Array> parse(const std::string &bytes, const std::string &name);

/// Writes a 2-D float64 array row block by row block, for matrices too large
/// to hold in memory.
class StreamWriter {
public:
  static llvm::Expected<StreamWriter>
  create(const std::string &path, int64_t rows, int64_t cols,
         llvm::ArrayRef<std::string> inputs = {});
  void writeRows(const std::vector<double> &rowMajor);
  llvm::Error finish();

private:
  std::unique_ptr<OutputFile> file;
  std::unique_ptr<llvm::raw_fd_ostream> out;
};

} // namespace rotq::npy

#endif
