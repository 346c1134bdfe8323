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
enum class Online { AttnOutput, FFN, QK, None };

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
  ListOption<Online> online{
      *this, "online",
      llvm::cl::desc("Online transforms to insert (default: all)"),
      llvm::cl::values(
          clEnumValN(Online::AttnOutput, "attn-output",
                     "cross-head Hadamard before o_proj (v_proj/o_proj fused)"),
          clEnumValN(Online::FFN, "ffn",
                     "Hadamard before down_proj (fused into it)"),
          clEnumValN(Online::QK, "qk", "Hadamard on queries and keys"),
          clEnumValN(Online::None, "none", "no online transform"))};
  Option<bool> report{*this, "report",
                      llvm::cl::desc("Emit a remark for every transform"),
                      llvm::cl::init(false)};
};

void buildQuaRot(OpPassManager &pm, const QuaRotOptions &o) {
  auto wants = [&](Online k) {
    if (o.online.empty())
      return true;
    return llvm::is_contained(o.online, k);
  };
  OpPassManager &f = pm.nest<func::FuncOp>();
  f.addPass(rotq::createRaiseModel());
  f.addPass(rotq::createFuseNormScales({o.report}));
  rotq::RotateResidualOptions rr;
  rr.seed = o.seed;
  rr.rotation = o.rotation;
  rr.rotationFile = o.rotationFile;
  rr.report = o.report;
  f.addPass(rotq::createRotateResidual(rr));
  if (wants(Online::AttnOutput))
    f.addPass(rotq::createRotateAttentionOutput({o.report}));
  if (wants(Online::FFN))
    f.addPass(rotq::createRotateFFN({o.report}));
  if (wants(Online::QK))
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
