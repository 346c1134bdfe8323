//===- NpyFuzzer.cpp - fuzz the .npy reader --------------------------------===//
//
// Any bytes must give an Array or an llvm::Error, never a crash. A parsed
// array's elements are all read back, and integer arrays also go through
// readTokenSequences, which only takes a path.
//
//===----------------------------------------------------------------------===//
#include "rotq/Support/Npy.h"

#include "Scratch.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <cstdlib>

using namespace rotq;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string bytes(reinterpret_cast<const char *>(data), size);
  llvm::Expected<npy::Array> a = npy::parse(bytes, "fuzz.npy");
  if (!a) {
    llvm::consumeError(a.takeError());
    return 0;
  }
  // Volatile sinks keep the reads from being optimised away.
  volatile double sumD = 0;
  volatile uint64_t sumI = 0; // wraps: the sum only keeps the reads
  for (int64_t i = 0, n = a->numElements(); i < n; ++i) {
    sumD = sumD + a->getDouble(i);
    sumI = sumI + uint64_t(a->getInt(i));
  }
  // Only a successful parse can get further in readTokenSequences, so the
  // scratch file is written only then (it is the slow part).
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(scratchPath("npy"), ec);
    if (ec)
      std::abort();
    os << bytes;
  }
  auto seqs = npy::readTokenSequences(scratchPath("npy"));
  if (!seqs)
    llvm::consumeError(seqs.takeError());
  return 0;
}
