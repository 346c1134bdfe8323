//===- CPUPipeline.cpp - rotq-lower-to-llvm -------------------------------===//
//
// Takes a module of rotq and upstream tensor ops down to the LLVM dialect, so
// that the ExecutionEngine (rotq-run) or mlir-translate can take over.
//
//===----------------------------------------------------------------------===//
#include "rotq/Pipelines/Pipelines.h"
#include "rotq/Conversion/Passes.h"
#include "rotq/Materialize/Materialize.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void mlir::rotq::buildTensorToBuffersPipeline(OpPassManager &pm) {
  pm.addPass(createConvertRotqToLinalg());
  // Element-wise arith on whole tensors (the extf of a bf16 weight that is
  // a run-time argument) becomes linalg, which bufferization knows.
  pm.addPass(createConvertElementwiseToLinalgPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createRotqFuseElementwise());
  pm.addPass(createCSEPass());

  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  bufferization::buildBufferDeallocationPipeline(pm);
  // Clones the deallocation pipeline inserts (e.g. for returned arguments).
  pm.addPass(createConvertBufferizationToMemRefPass());
}

void mlir::rotq::buildLowerToLLVMPipeline(OpPassManager &pm, bool ukernels,
                                          int64_t outlineOps) {
  pm.addPass(::rotq::materialize::createInlineParametersPass());
  if (ukernels)
    pm.addPass(createConvertAttentionToUkernel());
  buildTensorToBuffersPipeline(pm);
  // The contractions that dominate a model's time: packed, vectorized,
  // threaded library kernels rather than scalar loops (as IREE's ukernels).
  if (ukernels)
    pm.addPass(createConvertLinalgToUkernels());
  // Peak memory one layer's activations rather than the whole model's.
  pm.addPass(createRotqDeallocateEarly());
  // LLVM's cost grows faster than a function's size: many small functions.
  RotqOutlineSegmentsOptions outline;
  outline.maxOps = outlineOps;
  pm.addPass(createRotqOutlineSegments(outline));

  pm.addPass(createConvertLinalgToLoopsPass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  // LLVM intrinsics first (rsqrt expands to 1/sqrt there; libm has no
  // rsqrtf), then libm calls for what has no intrinsic.
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  // bf16 conversions as integer arithmetic (round to nearest even): without
  // AVX512-BF16 LLVM would call __truncsfbf2, which libgcc may not have.
  arith::ArithExpandOpsPassOptions expand;
  expand.includeBf16 = true;
  pm.addPass(arith::createArithExpandOpsPass(expand));
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}

void mlir::rotq::registerLowerToLLVMPipeline() {
  // registerPassPipeline so that stray options get a message (a
  // PassPipelineRegistration without options fails silently on them).
  registerPassPipeline(
      "rotq-lower-to-llvm",
      "Lower rotq and upstream tensor IR to the LLVM dialect (CPU); "
      "ukernels=true (default) calls librotq_cpu_runtime for matmuls; "
      "outline-ops=N (default 200, 0: off) splits long functions",
      [](OpPassManager &pm, StringRef options,
         function_ref<LogicalResult(const Twine &)> error) {
        bool ukernels = true;
        int64_t outlineOps = kDefaultOutlineOps;
        for (StringRef opt : llvm::split(options.trim(), ' ')) {
          if (opt.empty())
            continue;
          if (opt.consume_front("outline-ops=")) {
            if (opt.getAsInteger(10, outlineOps) || outlineOps < 0)
              return error("rotq-lower-to-llvm: outline-ops takes an "
                           "integer >= 0, got '" + opt + "'");
            continue;
          }
          if (opt == "ukernels=true" || opt == "ukernels=1" || opt == "ukernels")
            ukernels = true;
          else if (opt == "ukernels=false" || opt == "ukernels=0")
            ukernels = false;
          else
            return error("rotq-lower-to-llvm: unknown option '" + opt +
                         "' (it takes ukernels=true|false, outline-ops=N)");
        }
        buildLowerToLLVMPipeline(pm, ukernels, outlineOps);
        return success();
      },
      [](function_ref<void(const detail::PassOptions &)>) {});
}
