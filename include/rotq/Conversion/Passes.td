//===- Passes.td - rotq conversion passes --------------------*- tablegen -*-===//
#ifndef ROTQ_CONVERSION_PASSES_TD
#define ROTQ_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertRotqToLinalg : Pass<"convert-rotq-to-linalg"> {
  let summary = "Lower rotq ops to linalg, tensor, arith and math";
  let description = [{
    Rewrites every rotq op into upstream tensor-level dialects, so that the
    standard bufferization and LLVM lowering can run the result on a CPU:

    * `rotq.hadamard`: sign multiply, then one `linalg.generic` per dense
      Kronecker factor `K` (a `K x K` product along one axis of the reshaped
      row) and one radix-2 butterfly `linalg.generic` per stage of the
      `2^m` Sylvester part, then the `1/sqrt(n)` scale: O(n (sum K + log n))
      work per row, never a dense `n x n` product;
    * `rotq.rotate`: a contraction with the (block) matrix;
    * `rotq.permute`: a gather along the last dimension;
    * `rotq.quantize` / `rotq.dequantize`: reductions for the dynamic
      scales, then element-wise rounding (ties to even), clamping in float
      and conversion, exactly as the op documentation specifies;
    * `rotq.qmatmul`: an `i32` contraction per scale group and an `f32`
      epilogue;
    * `rotq.pack` / `rotq.unpack`: bit manipulation on `i8`.

    Computation happens in `f32` (`f64` for `f64` data); narrower float
    inputs are extended first and the result truncated at the end.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

#endif // ROTQ_CONVERSION_PASSES_TD
