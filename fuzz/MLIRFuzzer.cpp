//===- MLIRFuzzer.cpp - fuzz rotq-opt's path through the rotq dialect ------===//
//
// The bytes as an MLIR module, then `rotq-opt --canonicalize
// --convert-rotq-to-linalg` (with the verifier after each pass). Invalid IR
// must end in a diagnostic, never a crash; a crash found here reproduces with
// that rotq-opt command line. Only the dialects rotq's IR and tests are
// written in are registered (rotq-opt has all): the fuzzer's time goes to
// rotq, not to the parsers of unrelated upstream dialects.
//
//===----------------------------------------------------------------------===//
#include "rotq/Conversion/Passes.h"
#include "rotq/Dialect/Rotq/IR/RotqDialect.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

#include <cstdint>

using namespace mlir;

static const DialectRegistry &registry() {
  static DialectRegistry *r = [] {
    auto *r = new DialectRegistry;
    r->insert<rotq::RotqDialect, affine::AffineDialect, arith::ArithDialect,
              bufferization::BufferizationDialect, func::FuncDialect,
              gpu::GPUDialect, linalg::LinalgDialect, math::MathDialect,
              memref::MemRefDialect, scf::SCFDialect, tensor::TensorDialect,
              vector::VectorDialect>();
    // As in rotq-opt: passes may need the interfaces these attach.
    registerAllExtensions(*r);
    return r;
  }();
  return *r;
}

/// Upstream crashes rotq cannot fix, skipped so that the fuzzer keeps looking
/// for rotq's own. LLVM 22's parsers of these ops store a null attribute when
/// `dimensions` / `permutation` is malformed and then crash (mlir-opt too;
/// llvm/llvm-project#132747), e.g. `dimensions = [0x]`.
static bool hitsKnownUpstreamCrash(llvm::StringRef text) {
  for (llvm::StringRef op :
       {"linalg.reduce", "linalg.transpose", "linalg.broadcast"})
    if (text.contains(op))
      return true;
  return false;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // A fresh context per input, so nothing uniqued by one input leaks into the
  // next; without threads, because a thread pool per input is most of the
  // cost and crashes are easier to read on one thread.
  MLIRContext ctx(registry(), MLIRContext::Threading::DISABLED);
  ScopedDiagnosticHandler quiet(&ctx, [](Diagnostic &) { return success(); });
  // The lexer reads the NUL after the buffer (as files from MemoryBuffer
  // have), which libFuzzer's data lacks; std::string supplies it.
  std::string text(reinterpret_cast<const char *>(data), size);
  if (hitsKnownUpstreamCrash(text))
    return 0;
  OwningOpRef<ModuleOp> module =
      parseSourceString<ModuleOp>(text, ParserConfig(&ctx));
  if (!module)
    return 0;
  PassManager pm(&ctx);
  pm.addPass(createCanonicalizerPass());
  pm.addPass(rotq::createConvertRotqToLinalg());
  (void)pm.run(*module);
  return 0;
}
