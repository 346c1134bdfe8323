//===- RotqDialect.td - rotq dialect definition -------------*- tablegen -*-===//
#ifndef ROTQ_DIALECT_TD
#define ROTQ_DIALECT_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

def Rotq_Dialect : Dialect {
  let name = "rotq";
  let cppNamespace = "::mlir::rotq";
  let summary = "Rotations, permutations and low-bit quantization for LLMs";
  let description = [{
    The `rotq` dialect models the transforms of rotation-based quantization
    (QuaRot, DuQuant): normalized Hadamard transforms of any order the rotq
    Hadamard library can build, dense or block-diagonal orthogonal rotations,
    static permutations, quantize/dequantize with explicit scales and zero
    points, and matmuls on quantized operands.

    All ops work on ranked tensors and transform the last dimension; leading
    dimensions are batch dimensions.

    **Integer codes.** Quantized values of every bit width `b` (2..8) are
    carried as `i8`, one code per byte, in the signed range
    `[-2^(b-1), 2^(b-1)-1]`. Asymmetric quantization uses the same signed
    range with a zero point in it, so `x ~ scale * (q - zero_point)` in both
    modes. Packing for storage is explicit: `rotq.pack` puts two 4-bit (or
    four 2-bit) codes in a byte, low bits first, and `rotq.unpack` undoes it.

    **Scales** keep the rank of the quantized tensor. Along every leading
    dimension a scale dimension is either 1 (shared) or the full size; along
    the last dimension it is the number of groups `G`, which must divide the
    size `K` (group size `K/G`). Per-tensor, per-row (per token, or per
    output channel of a `[N,K]` weight), per-column and per-group scales are
    all instances of this rule.
  }];
  let useDefaultAttributePrinterParser = 1;
  // Canonicalization creates arith constants (composed rotations).
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def Rotq_Granularity : I32EnumAttr<"Granularity",
    "what one scale of a quantizer covers", [
  I32EnumAttrCase<"Tensor", 0, "tensor">,
  I32EnumAttrCase<"Row", 1, "row">,
  I32EnumAttrCase<"Column", 2, "column">,
  I32EnumAttrCase<"Group", 3, "group">]> {
  let cppNamespace = "::mlir::rotq";
  let genSpecializedAttr = 0;
}

def Rotq_GranularityAttr : EnumAttr<Rotq_Dialect, Rotq_Granularity,
                                    "granularity"> {
  let assemblyFormat = "`<` $value `>`";
}

class Rotq_Op<string mnemonic, list<Trait> traits = []>
    : Op<Rotq_Dialect, mnemonic, traits>;

#endif // ROTQ_DIALECT_TD
