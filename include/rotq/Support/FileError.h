//===- FileError.h - errors that name the file at fault ---------*- C++ -*-===//
#ifndef ROTQ_SUPPORT_FILEERROR_H
#define ROTQ_SUPPORT_FILEERROR_H

#include "llvm/ADT/Twine.h"
#include "llvm/Support/Error.h"

#include <string>

namespace rotq {

/// "FILE: message", the form every reader and writer in Support reports.
inline llvm::Error fileError(const std::string &file, const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 file + ": " + msg.str());
}

} // namespace rotq

#endif
