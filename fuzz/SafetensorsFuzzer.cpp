//===- SafetensorsFuzzer.cpp - fuzz the safetensors reader ----------------===//
//
// Checkpoint::open only takes a path: the input is written to a scratch
// .safetensors file, opened, and every tensor read back as float32 with its
// own shape. Any bytes must give a Checkpoint or an llvm::Error.
//
//===----------------------------------------------------------------------===//
#include "rotq/Support/Safetensors.h"

#include "Scratch.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <cstdlib>

using namespace rotq;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(scratchPath("safetensors"), ec);
    if (ec)
      std::abort();
    os.write(reinterpret_cast<const char *>(data), size);
  }
  auto ckpt = safetensors::Checkpoint::open(scratchPath("safetensors"));
  if (!ckpt) {
    llvm::consumeError(ckpt.takeError());
    return 0;
  }
  volatile float sum = 0;
  for (const std::string &name : ckpt->names()) {
    const safetensors::TensorInfo *t = ckpt->find(name);
    if (!t)
      std::abort(); // names() and find() disagree
    auto values = ckpt->readFloat(name, t->shape);
    if (!values) {
      llvm::consumeError(values.takeError());
      continue;
    }
    for (float v : *values)
      sum = sum + v;
  }
  return 0;
}
