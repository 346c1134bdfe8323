//===- QuaRotPipeline.cpp - rotq-quarot -----------------------------------===//
//
// QuaRot as a pipeline of the individual passes: raise the model, fold norm
// weights, rotate the residual stream, then the online/fused pairs the
// options ask for.
//
//===----------------------------------------------------------------------===//
#include "rotq/Pipelines/Pipelines.h"
#include "rotq/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/PassOptions.h"
#include "mlir/Pass/PassRegistry.h"

using namespace mlir;

namespace {
struct QuaRotOptions : PassPipelineOptions<QuaRotOptions> {
  Option<uint64_t> seed{*this, "seed",
                        llvm::cl::desc("Seed of the residual rotation"),
                        llvm::cl::init(0)};
  Option<std::string> rotation{
      *this, "rotation",
      llvm::cl::desc("Residual rotation: hadamard | random-orthogonal | file"),
      llvm::cl::init("hadamard")};
  Option<std::string> rotationFile{
      *this, "rotation-file",
      llvm::cl::desc("A [d, d] orthogonal .npy matrix for rotation=file")};
  Option<bool> fuseNormScales{
      *this, "fuse-norm-scales",
      llvm::cl::desc("Fold the norm weights into the linears and rotate the "
                     "residual stream (default); false: keep them and "
                     "rotate each norm's output online"),
      llvm::cl::init(true)};
  // One switch per online transform (each fused partner follows it).
  Option<bool> onlineAttnOutput{
      *this, "online-attn-output",
      llvm::cl::desc("Cross-head Hadamard before o_proj, with the head-wise "
                     "one fused into v_proj and the full one into o_proj"),
      llvm::cl::init(true)};
  Option<bool> onlineFFN{
      *this, "online-ffn",
      llvm::cl::desc("Hadamard before down_proj, fused into its weight"),
      llvm::cl::init(true)};
  Option<bool> onlineQK{
      *this, "online-qk",
      llvm::cl::desc("Hadamard on queries and keys after RoPE"),
      llvm::cl::init(true)};
  Option<bool> report{*this, "report",
                      llvm::cl::desc("Emit a remark for every transform"),
                      llvm::cl::init(false)};
};

void buildQuaRot(OpPassManager &pm, const QuaRotOptions &o) {
  OpPassManager &f = pm.nest<func::FuncOp>();
  f.addPass(rotq::createRaiseModel());
  if (o.fuseNormScales)
    f.addPass(rotq::createFuseNormScales({o.report}));
  rotq::RotateResidualOptions rr;
  rr.seed = o.seed;
  rr.rotation = o.rotation;
  rr.rotationFile = o.rotationFile;
  rr.onlineAfterNorm = !o.fuseNormScales;
  rr.report = o.report;
  f.addPass(rotq::createRotateResidual(rr));
  if (o.onlineAttnOutput)
    f.addPass(rotq::createRotateAttentionOutput({o.report}));
  if (o.onlineFFN)
    f.addPass(rotq::createRotateFFN({o.report}));
  if (o.onlineQK)
    f.addPass(rotq::createRotateQK({o.report}));
}
} // namespace

void rotq::buildQuaRotPipeline(OpPassManager &pm) {
  buildQuaRot(pm, QuaRotOptions());
}

void rotq::registerQuaRotPipeline() {
  PassPipelineRegistration<QuaRotOptions>(
      "rotq-quarot",
      "QuaRot: fold norms, rotate the residual stream, and insert the online "
      "Hadamards with their fused partners",
      buildQuaRot);
}
