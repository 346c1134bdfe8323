//===- Scratch.h - one scratch file per fuzzing process ---------*- C++ -*-===//
#ifndef ROTQ_FUZZ_SCRATCH_H
#define ROTQ_FUZZ_SCRATCH_H

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"

#include <cstdlib>
#include <string>

/// File-based readers get the fuzz input through one scratch file per
/// process (libFuzzer's -fork/-jobs children each get their own), removed
/// when the process exits normally.
inline const std::string &scratchPath(const char *suffix) {
  struct Scratch {
    std::string path;
    explicit Scratch(const char *suffix) {
      llvm::SmallString<128> p;
      if (llvm::sys::fs::createTemporaryFile("rotq-fuzz", suffix, p))
        std::abort();
      path = std::string(p);
    }
    ~Scratch() { llvm::sys::fs::remove(path); }
  };
  static Scratch scratch(suffix);
  return scratch.path;
}

#endif
