//===- UninstrumentedLLVM.h - LLVM headers as libLLVM/libMLIR see them ----===//
//
// Included first in every fuzz translation unit (-include). Under ASan,
// LLVM's headers poison and unpoison BumpPtrAllocator slabs, but the
// installed libLLVM.so and libMLIR.so are not instrumented and share those
// allocators with the inline code compiled here: a slab poisoned by our copy
// of StartNewSlab and handed out by theirs of Allocate gives false
// use-after-poison reports. The annotations are therefore switched off, as
// in the libraries.
//
//===----------------------------------------------------------------------===//
#ifndef ROTQ_FUZZ_UNINSTRUMENTEDLLVM_H
#define ROTQ_FUZZ_UNINSTRUMENTEDLLVM_H

#include "llvm/Support/Compiler.h"

#undef LLVM_ADDRESS_SANITIZER_BUILD
#define LLVM_ADDRESS_SANITIZER_BUILD 0
#define __asan_poison_memory_region(p, size) ((void)(p), (void)(size))
#define __asan_unpoison_memory_region(p, size) ((void)(p), (void)(size))

#endif
