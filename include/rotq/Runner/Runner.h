//===- Runner.h - JIT-run a function of a rotq/tensor module ----*- C++ -*-===//
#ifndef ROTQ_RUNNER_RUNNER_H
#define ROTQ_RUNNER_RUNNER_H

#include "rotq/Materialize/Materialize.h"
#include "rotq/Pipelines/Pipelines.h"
#include "rotq/Support/Npy.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/Error.h"

#include <string>
#include <vector>

#include <memory>

namespace mlir {
class DialectRegistry;
class ExecutionEngine;
namespace func {
class FuncOp;
}
} // namespace mlir

namespace rotq::run {

/// Everything a module given to the runner may use: all upstream dialects
/// and extensions, rotq, and the LLVM IR translations the JIT needs.
void registerDialects(mlir::DialectRegistry &registry);

/// A host tensor: element type name ("f32", "i64", ...) plus the data as
/// an .npy array in the closest NumPy dtype.
struct HostTensor {
  std::string elementType;
  npy::Array array;
};

struct Signature {
  std::vector<mlir::RankedTensorType> args, results;
};

/// The argument and result types of `f`, which must all be ranked tensors
/// of element types the runner can carry.
llvm::Error signatureOf(mlir::func::FuncOp f, Signature &sig);

/// Parses FILE and checks that @func exists with tensor-only arguments and
/// results.
llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>>
loadModule(mlir::MLIRContext &ctx, const std::string &file,
           const std::string &func, Signature &sig);

/// Converts npy data to argument `index` of `sig` (checking the shape; floats
/// and integers are converted to the argument's element type).
llvm::Expected<HostTensor> prepareInput(const Signature &sig, unsigned index,
                                        const npy::Array &a,
                                        const std::string &name);

/// Random inputs: floats ~ N(0, 1), integers uniform in [0, intMax).
llvm::Expected<HostTensor> randomInput(const Signature &sig, unsigned index,
                                       uint64_t seed, int64_t intMax,
                                       int64_t dynamicSize);

struct RunOptions {
  /// Directory that relative rotq.param files are relative to (the module
  /// file's); empty: the current directory.
  std::string paramDir;
  unsigned optLevel = 2;
  bool dumpLowered = false;
  /// "cpu" (rotq-lower-to-llvm) or "cuda" (rotq-lower-to-nvvm, run on GPU 0).
  std::string device = "cpu";
  /// GPU chip to compile for; empty means the device's own (e.g. sm_90).
  std::string chip;
  /// Device code format for "cuda": isa (PTX, compiled by the driver), bin
  /// or fatbin (need ptxas).
  std::string gpuFormat = "isa";
  /// Use rotq's own GPU kernels (off: everything through linalg).
  bool gpuKernels = true;
  /// CPU: matmuls call librotq_cpu_runtime's microkernels (else loops).
  bool ukernels = true;
  /// CPU: operations per outlined function (rotq-outline-segments; 0: the
  /// function stays whole).
  int64_t outlineOps = mlir::rotq::kDefaultOutlineOps;
  /// CPU: weights are run-time arguments (mapped checkpoint tensors,
  /// chains evaluated once into buffers) rather than constants compiled
  /// into the program, when only the function run reads them.
  bool runtimeParams = true;
  /// rotq.qmatmul's tensor-core instruction: mma.sync or wgmma (sm_90a).
  std::string gpuMma = "mma.sync";
  /// CPU: reuse the code of an identical program (the same module once its
  /// weights are arguments) compiled earlier in this process (the tools'
  /// -rotq-reuse-code=false turns it off for the whole process).
  bool reuseCode = true;
};

/// Whether `rotq-run --device=cuda` can run here; `why` says why not.
bool cudaAvailable(std::string *why);

/// A JIT-compiled function, to be run on many inputs.
class Compiled {
public:
  /// `sig` is the function's full signature; its last `bound->args()`
  /// arguments are passed from `bound`, the others by the caller.
  Compiled(std::shared_ptr<mlir::ExecutionEngine> engine, std::string func,
           Signature sig, bool onGpu,
           std::unique_ptr<::rotq::materialize::BoundParameters> bound = {},
           bool reusedCode = false);
  ~Compiled();
  /// Whether the code came from an identical program compiled earlier.
  bool reusedCode() const { return reused; }
  llvm::Expected<std::vector<HostTensor>>
  run(const std::vector<HostTensor> &inputs);

  /// Calls the function on caller-owned row-major buffers of the given
  /// shapes (on the GPU: device or managed memory) and returns the result
  /// descriptors {allocated, aligned, offset, sizes..., strides...}; the
  /// results belong to the caller.
  llvm::Expected<std::vector<std::vector<int64_t>>>
  invoke(llvm::ArrayRef<void *> data,
         llvm::ArrayRef<std::vector<int64_t>> shapes);

private:
  /// Shared by the Compiled programs that differ only in their weights.
  std::shared_ptr<mlir::ExecutionEngine> engine;
  std::string func;
  Signature sig;
  /// Arguments go to (and results come from) CUDA managed memory.
  bool onGpu;
  std::unique_ptr<::rotq::materialize::BoundParameters> bound;
  bool reused;
};

/// Sets LLVM code generation options that lowered models need, once per
/// process and only where the command line left them alone: SelectionDAG's
/// store merging compares every store of a block with every other, and a
/// lowered model's straight-line blocks hold thousands (memref descriptors
/// for each microkernel call), so it is turned off.
void configureCodeGeneration();

/// Lowers the module in place for opts.device (after loading its parameters
/// and evaluating pending weight chains; rotq-lower-to-llvm, or
/// rotq-lower-to-nvvm for opts.chip, else the GPU's own chip when
/// `needDevice`, else sm_90a), with a C interface for @func.
llvm::Error lower(mlir::ModuleOp module, const std::string &func,
                  const RunOptions &opts, bool needDevice);

/// Lowers the module and writes a shared library with @func's C interface
/// `_mlir_ciface_FUNC` and its signature as the string `rotq_signature_FUNC`
/// ("device=cuda args=f16:?x4096,i64:7 results=i8:?x4096,f32:?x1"), compiled
/// for this host and linked with the system C compiler against
/// librotq_cuda_runtime.so ("cuda") or librotq_cpu_runtime.so (the CPU
/// microkernels), found next to the library or in `runtimeDir`.
llvm::Error compileLibrary(mlir::ModuleOp module, const std::string &func,
                           const Signature &sig, const RunOptions &opts,
                           const std::string &output,
                           const std::string &runtimeDir);

/// Lowers the module to LLVM in place and JIT-compiles @func.
llvm::Expected<std::unique_ptr<Compiled>>
compile(mlir::ModuleOp module, const std::string &func, const Signature &sig,
        const RunOptions &opts);

/// compile, then run once.
llvm::Expected<std::vector<HostTensor>>
runFunction(mlir::ModuleOp module, const std::string &func,
            const Signature &sig, const std::vector<HostTensor> &inputs,
            const RunOptions &opts);

/// Prints a tensor with one innermost row per line.
void printTensor(llvm::raw_ostream &os, const HostTensor &t);

} // namespace rotq::run

#endif
