//===- Materialize.h - evaluating weight chains offline ---------*- C++ -*-===//
//
// The model passes never touch weight data: they rewrite the IR that reads
// a weight (a `rotq.param` or a constant) into a chain of rotq ops. This
// layer evaluates such chains, in float64 (each op's result rounded to its
// declared element type, as the op would store it), one stored tensor at a
// time, multi-threaded within a tensor:
//
//  - materializeInMemory: before a module is lowered and run, every
//    parameter and every pending chain becomes an inline constant;
//  - materializeToDirectory: every tensor the model reads is written to
//    OUTDIR/model.safetensors (streamed: memory is bounded by the tensors
//    one chain needs, not by the model) and the module is rewritten to read
//    it through rotq.param.
//
// Run-time views stay in the IR instead of being folded into their input:
// rotq.unpack and rotq.dequantize (so weights stay packed codes and
// scales), and with files also arith.extf (so bf16 stays bf16).
//
//===----------------------------------------------------------------------===//
#ifndef ROTQ_MATERIALIZE_MATERIALIZE_H
#define ROTQ_MATERIALIZE_MATERIALIZE_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace rotq::materialize {

struct Options {
  /// Directory that relative rotq.param files are relative to; empty: that
  /// of the file the module was parsed from (its location), else the
  /// current directory.
  std::string baseDir;
  /// Progress (tensor i of N, MB/s, ETA) on stderr when it is a terminal.
  bool progress = true;
};

struct Summary {
  int64_t tensors = 0;   // tensors written or inlined
  int64_t evaluated = 0; // of which computed from a chain
  uint64_t bytes = 0;    // bytes written
};

/// The files the module's rotq.param ops read, resolved as materialization
/// resolves them (inputs a tool must not write over).
std::vector<std::string> parameterFiles(mlir::ModuleOp module,
                                        const Options &options);

/// Replaces parameters and pending chains by inline constants.
llvm::Error materializeInMemory(mlir::ModuleOp module, const Options &options,
                                Summary *summary = nullptr);

/// Writes `outDir`/`fileName` with every tensor the module reads and
/// rewrites the module to read them from there (a relative file name, so
/// that the module is written to `outDir` too). Refuses to write over any
/// file the module reads.
llvm::Error materializeToDirectory(mlir::ModuleOp module,
                                   const std::string &outDir,
                                   const std::string &fileName,
                                   const Options &options,
                                   Summary *summary = nullptr);

/// The value of `v` (a weight: a constant, a rotq.param or a chain of
/// evaluable ops on them, static shape), evaluated in float64 and rounded
/// to its element type, row-major.
llvm::Expected<std::vector<double>> evaluate(mlir::Value v,
                                             const Options &options);

/// Whether evaluate(v) can compute `v`: a static tensor whose whole
/// backward slice is constants, parameters and evaluable ops.
bool isEvaluableWeight(mlir::Value v);

class ParamFiles;

/// The tensors a function reads at run time instead of compiling them in:
/// checkpoint tensors stay in their mapped files (copied only when their
/// offset is misaligned for the element type), pending weight chains are
/// evaluated once into owned buffers in the stored type.
class BoundParameters {
public:
  struct Arg {
    const void *data;
    std::vector<int64_t> shape;
    /// For a checkpoint tensor: the file (resolved) and the tensor's name.
    std::string file, name;
  };
  ~BoundParameters();
  /// Arguments appended to the function, in order.
  const std::vector<Arg> &args() const { return bound; }
  /// Bytes evaluated or copied (not mapped).
  uint64_t ownedBytes() const;

private:
  friend llvm::Expected<std::unique_ptr<BoundParameters>>
  bindParameters(mlir::ModuleOp, llvm::StringRef, const Options &, bool);
  BoundParameters();
  std::unique_ptr<ParamFiles> files;
  std::vector<std::vector<char>> owned;
  std::vector<Arg> bound;
};

/// Makes every tensor that @`func` reads from a parameter, a pending weight
/// chain or a dense_resource constant a new trailing argument of @`func`
/// (a plain parameter is read where it is: bf16 stays bf16, the extf stays
/// in the function), and returns the data to pass for them. Weights of
/// other functions stay (for materializeInMemory); a function that others
/// call is left as it is (nothing bound). With `checkpointOnly`, only
/// checkpoint tensors read as they are are bound (chains stay for
/// materializeInMemory): what a library compiled ahead of time can find on
/// its own at run time.
llvm::Expected<std::unique_ptr<BoundParameters>>
bindParameters(mlir::ModuleOp module, llvm::StringRef func,
               const Options &options, bool checkpointOnly = false);

/// A module pass doing materializeInMemory (first step of the lowering
/// pipelines).
std::unique_ptr<mlir::Pass> createInlineParametersPass();

/// The directory of `file` ("" for standard input), for Options::baseDir.
std::string directoryOf(const std::string &file);

/// Where relative parameter files are when Options::baseDir does not say:
/// tools that read one module file set its directory here, so that passes
/// reading parameters (the calibration) find them whatever the current
/// directory. It takes precedence over the module's location, which names
/// the file the module was first printed from when it kept its locations
/// (rotq-materialize's output), or is loc(unknown); without it, that
/// location's directory, else the current directory.
void setDefaultBaseDir(const std::string &dir);

} // namespace rotq::materialize

#endif
