//===- SameFile.h - whether two paths name one file -------------*- C++ -*-===//
#ifndef ROTQ_SUPPORT_SAMEFILE_H
#define ROTQ_SUPPORT_SAMEFILE_H

#include "llvm/Support/FileSystem.h"

#include <string>

namespace rotq {

/// True if both paths exist and are the same file (links and relative
/// spellings included): tools use it never to overwrite an input.
inline bool sameFile(const std::string &a, const std::string &b) {
  llvm::sys::fs::UniqueID ia, ib;
  if (llvm::sys::fs::getUniqueID(a, ia) || llvm::sys::fs::getUniqueID(b, ib))
    return false;
  return ia == ib;
}

} // namespace rotq

#endif
