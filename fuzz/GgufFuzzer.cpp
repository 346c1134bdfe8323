//===- GgufFuzzer.cpp - fuzz the GGUF reader and its BPE tokenizer --------===//
//
// File::open and BpeTokenizer::fromGguf only take a path: the input is
// written to a scratch .gguf file, opened, and every tensor dequantized.
// The same file is loaded as a tokenizer; when that works, a fixed text and
// the input's tail (the bytes after its last NUL, where text appended to a
// GGUF file lands) are encoded, the tail only when it is valid UTF-8 (what
// callers of encode guarantee). Any bytes must give a File or an
// llvm::Error, and any valid text a token sequence.
//
//===----------------------------------------------------------------------===//
#include "rotq/Support/Gguf.h"
#include "rotq/Support/Tokenizer.h"

#include "Scratch.h"
#include "llvm/Support/ConvertUTF.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>

using namespace rotq;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const std::string &path = scratchPath("gguf");
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(path, ec);
    if (ec)
      std::abort();
    os.write(reinterpret_cast<const char *>(data), size);
  }
  volatile float sum = 0;
  if (auto file = gguf::File::open(path)) {
    std::vector<float> values;
    for (const gguf::TensorInfo &t : file->tensors()) {
      if (file->find(t.name) != &t)
        std::abort(); // tensors() and find() disagree
      if (llvm::Error e = file->dequantize(t, values)) {
        llvm::consumeError(std::move(e));
        continue;
      }
      if (int64_t(values.size()) != t.numElements())
        std::abort();
      for (float v : values)
        sum = sum + v;
    }
  } else {
    llvm::consumeError(file.takeError());
  }

  auto tok = tok::BpeTokenizer::fromGguf(path);
  if (!tok) {
    llvm::consumeError(tok.takeError());
    return 0;
  }
  volatile uint64_t ids = 0;
  for (int64_t id : tok->encode("Hello, world! It's 2024: 3.14 apples "
                                "\xc3\xa9t\xc3\xa9  caf\xc3\xa9\n\tx"))
    ids = ids + uint64_t(id);
  const uint8_t *nul = static_cast<const uint8_t *>(
      size ? memrchr(data, 0, size) : nullptr);
  const uint8_t *tail = nul ? nul + 1 : data;
  const uint8_t *check = tail; // isLegalUTF8String advances it
  if (tail < data + size && llvm::isLegalUTF8String(&check, data + size))
    for (int64_t id : tok->encode(llvm::StringRef(
             reinterpret_cast<const char *>(tail), size_t(data + size - tail))))
      ids = ids + uint64_t(id);
  return 0;
}
