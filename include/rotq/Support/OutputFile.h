//===- OutputFile.h - writing a tool's output safely ------------*- C++ -*-===//
//
// Every file a tool writes goes through here, so that
//  - an output that is one of the tool's inputs (the same file, through
//    symlinks or hard links too) is refused before anything is opened;
//  - a regular file is written to a temporary file beside it (beside the
//    file a symlink points to) and renamed over it only when complete, so a
//    failure never leaves a truncated file, and writing the output never
//    truncates a file that is still being read (an mmapped input);
//  - every write and the close are checked: a full disk is an error.
// "-" is standard output, and an existing non-regular target (a device such
// as /dev/null or /dev/full) is written in place.
//
//===----------------------------------------------------------------------===//
#ifndef ROTQ_SUPPORT_OUTPUTFILE_H
#define ROTQ_SUPPORT_OUTPUTFILE_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

namespace rotq {

class OutputFile {
public:
  /// Prepares writing `target`; an error if it is one of `inputs`.
  static llvm::Expected<OutputFile> prepare(const std::string &target,
                                            llvm::ArrayRef<std::string> inputs);
  OutputFile(OutputFile &&other);
  OutputFile &operator=(OutputFile &&) = delete;
  ~OutputFile();

  /// The path to write the contents to (a temporary file, or the target
  /// itself for "-" and devices).
  const std::string &path() const { return writePath; }
  /// Moves the written contents into place.
  llvm::Error commit();
  /// Closes `os` (a stream on path()), reports any write or close error,
  /// then commits.
  llvm::Error closeAndCommit(llvm::raw_fd_ostream &os);
  /// Writes the contents with `write` to path(), checked, and commits.
  llvm::Error write(llvm::function_ref<void(llvm::raw_ostream &)> write);

private:
  OutputFile() = default;
  std::string target, writePath;
  bool temporary = false, committed = false;
};

/// Writes `target` through an OutputFile with `write`, checking the stream.
llvm::Error writeFile(const std::string &target,
                      llvm::function_ref<void(llvm::raw_ostream &)> write,
                      llvm::ArrayRef<std::string> inputs = {});

} // namespace rotq

#endif
