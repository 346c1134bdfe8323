//===- OutputFile.cpp - writing a tool's output safely --------------------===//
#include "rotq/Support/OutputFile.h"
#include "rotq/Support/FileError.h"
#include "rotq/Support/SameFile.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

using namespace rotq;
namespace fs = llvm::sys::fs;

llvm::Expected<OutputFile>
OutputFile::prepare(const std::string &target,
                    llvm::ArrayRef<std::string> inputs) {
  for (const std::string &in : inputs)
    if (target != "-" && sameFile(target, in))
      return fileError(target, "refusing to overwrite the input " + in);
  OutputFile f;
  f.target = target;
  f.writePath = target;
  fs::file_status st;
  bool exists = !fs::status(target, st);
  if (target == "-" || (exists && !fs::is_regular_file(st)))
    return std::move(f);
  // Write beside the file a symlink names, so the rename replaces the file
  // (as writing through the link would), not the link.
  llvm::SmallString<256> real;
  if (exists && !fs::real_path(target, real))
    f.target = std::string(real);
  llvm::SmallString<256> dir(llvm::sys::path::parent_path(f.target));
  if (dir.empty())
    dir = ".";
  if (!fs::is_directory(dir))
    return fileError(target, "cannot write: no directory " + std::string(dir));
  llvm::SmallString<256> model(dir);
  llvm::sys::path::append(model, "." +
                                     llvm::sys::path::filename(f.target).str() +
                                     ".tmp-%%%%%%%%");
  int fd;
  llvm::SmallString<256> tmp;
  if (std::error_code ec = fs::createUniqueFile(model, fd, tmp))
    return fileError(target, "cannot write: " + ec.message());
  fs::closeFile(fd);
  f.writePath = std::string(tmp);
  f.temporary = true;
  return std::move(f);
}

OutputFile::OutputFile(OutputFile &&o)
    : target(std::move(o.target)), writePath(std::move(o.writePath)),
      temporary(o.temporary), committed(o.committed) {
  o.temporary = false;
}

OutputFile::~OutputFile() {
  if (temporary && !committed)
    fs::remove(writePath);
}

llvm::Error OutputFile::commit() {
  committed = true;
  if (!temporary)
    return llvm::Error::success();
  if (std::error_code ec = fs::rename(writePath, target)) {
    fs::remove(writePath);
    return fileError(target, "cannot write: " + ec.message());
  }
  return llvm::Error::success();
}

llvm::Error OutputFile::closeAndCommit(llvm::raw_fd_ostream &os) {
  os.close();
  if (os.has_error()) {
    std::error_code err = os.error();
    os.clear_error();
    return fileError(target, "cannot write: " + err.message());
  }
  return commit();
}

llvm::Error
OutputFile::write(llvm::function_ref<void(llvm::raw_ostream &)> contents) {
  std::error_code ec;
  llvm::raw_fd_ostream os(writePath, ec, fs::OF_None);
  if (ec)
    return fileError(target, "cannot write: " + ec.message());
  contents(os);
  return closeAndCommit(os);
}

llvm::Error rotq::writeFile(const std::string &target,
                            llvm::function_ref<void(llvm::raw_ostream &)> write,
                            llvm::ArrayRef<std::string> inputs) {
  llvm::Expected<OutputFile> out = OutputFile::prepare(target, inputs);
  if (!out)
    return out.takeError();
  return out->write(write);
}
