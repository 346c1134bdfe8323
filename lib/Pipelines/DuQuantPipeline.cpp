//===- DuQuantPipeline.cpp - rotq-duquant ---------------------------------===//
//
// DuQuant as a pipeline of the individual passes: raise the model,
// optionally QuaRot's norm folding and residual rotation first, then
// calibrate the per-input transforms once, fuse the smoothing, insert the
// block rotations and permutation, and the Q/K Hadamard for KV caches.
//
//===----------------------------------------------------------------------===//
#include "rotq/Pipelines/Pipelines.h"
#include "rotq/Calibration/Passes.h"
#include "rotq/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/PassOptions.h"
#include "mlir/Pass/PassRegistry.h"

using namespace mlir;

namespace {
struct DuQuantOptions : PassPipelineOptions<DuQuantOptions> {
  Option<double> alpha{*this, "alpha",
                       llvm::cl::desc("Smoothing strength (0: none)"),
                       llvm::cl::init(0.6)};
  Option<int64_t> blockSize{
      *this, "block-size",
      llvm::cl::desc("Rotation block size (adjusted when it does not divide)"),
      llvm::cl::init(128)};
  Option<int64_t> steps{*this, "steps",
                        llvm::cl::desc("Greedy rotation steps"),
                        llvm::cl::init(256)};
  Option<std::string> permutation{
      *this, "permutation", llvm::cl::desc("zigzag | none"),
      llvm::cl::init("zigzag")};
  Option<bool> secondRotation{
      *this, "second-rotation",
      llvm::cl::desc("Refit a block rotation after the permutation"),
      llvm::cl::init(true)};
  Option<uint64_t> seed{*this, "seed",
                        llvm::cl::desc("Seed of the rotations (DuQuant's "
                                       "random factors, QuaRot's residual "
                                       "rotation)"),
                        llvm::cl::init(0)};
  Option<std::string> calibration{
      *this, "calibration",
      llvm::cl::desc("Calibration tokens (.npy); empty: random")};
  Option<int64_t> calibrationSamples{
      *this, "calibration-samples",
      llvm::cl::desc("Random calibration sequences"), llvm::cl::init(8)};
  Option<int64_t> calibrationLength{
      *this, "calibration-length",
      llvm::cl::desc("Tokens per random calibration sequence"),
      llvm::cl::init(128)};
  Option<uint64_t> calibrationSeed{
      *this, "calibration-seed",
      llvm::cl::desc("Seed of random calibration tokens"), llvm::cl::init(0)};
  Option<bool> calibrationBos{
      *this, "calibration-bos",
      llvm::cl::desc("Start random calibration sequences with the model's "
                     "BOS token (rotq.bos_token_id)"),
      llvm::cl::init(true)};
  Option<bool> quarot{
      *this, "quarot",
      llvm::cl::desc("First fold the norm scales and rotate the residual "
                     "stream as rotq-quarot does"),
      llvm::cl::init(false)};
  Option<std::string> rotation{
      *this, "rotation",
      llvm::cl::desc("With quarot: the residual rotation, hadamard | "
                     "random-orthogonal | file"),
      llvm::cl::init("hadamard")};
  Option<std::string> rotationFile{
      *this, "rotation-file",
      llvm::cl::desc("With quarot and rotation=file: the .npy matrix")};
  Option<bool> fuseValueRotation{
      *this, "fuse-value-rotation",
      llvm::cl::desc("Fuse o_proj's first rotation into v_proj when the "
                     "block size divides the head size"),
      llvm::cl::init(true)};
  Option<bool> onlineQK{
      *this, "online-qk",
      llvm::cl::desc("Hadamard on queries and keys after RoPE"),
      llvm::cl::init(true)};
  Option<bool> skipLmHead{
      *this, "skip-lm-head",
      llvm::cl::desc("Leave the LM head's input alone"), llvm::cl::init(true)};
  Option<bool> report{*this, "report",
                      llvm::cl::desc("Emit a remark for every transform"),
                      llvm::cl::init(false)};
};

void buildDuQuant(OpPassManager &pm, const DuQuantOptions &o) {
  OpPassManager &f = pm.nest<func::FuncOp>();
  f.addPass(rotq::createRaiseModel());
  if (o.quarot) {
    f.addPass(rotq::createFuseNormScales({o.report}));
    rotq::RotateResidualOptions rr;
    rr.seed = o.seed;
    rr.rotation = o.rotation;
    rr.rotationFile = o.rotationFile;
    rr.report = o.report;
    f.addPass(rotq::createRotateResidual(rr));
  }
  rotq::DuQuantCalibrateOptions c;
  c.alpha = o.alpha;
  c.blockSize = o.blockSize;
  c.steps = o.steps;
  c.permutation = o.permutation;
  c.secondRotation = o.secondRotation;
  c.rotationSeed = o.seed;
  c.calibration = o.calibration;
  c.calibrationSamples = o.calibrationSamples;
  c.calibrationLength = o.calibrationLength;
  c.seed = o.calibrationSeed;
  c.calibrationBos = o.calibrationBos;
  c.skipLmHead = o.skipLmHead;
  c.report = o.report;
  pm.addPass(rotq::createDuQuantCalibrate(c));
  OpPassManager &g = pm.nest<func::FuncOp>();
  g.addPass(rotq::createDuQuantSmooth({o.report}));
  g.addPass(rotq::createDuQuantRotate({o.fuseValueRotation, o.report}));
  if (o.onlineQK)
    g.addPass(rotq::createRotateQK({o.report}));
}
} // namespace

void rotq::registerDuQuantPipeline() {
  PassPipelineRegistration<DuQuantOptions>(
      "rotq-duquant",
      "DuQuant: calibrated smoothing (fused where exact), outlier-aware "
      "block rotations and the zigzag permutation, online with fused "
      "partners; optionally on top of QuaRot's residual rotation",
      buildDuQuant);
}
