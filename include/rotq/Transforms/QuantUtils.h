//===- QuantUtils.h - writing quantized weights into the IR -----*- C++ -*-===//
#ifndef ROTQ_TRANSFORMS_QUANTUTILS_H
#define ROTQ_TRANSFORMS_QUANTUTILS_H

#include "rotq/Dialect/Rotq/IR/RotqOps.h"
#include "rotq/Support/Quantizer.h"

#include "mlir/IR/Builders.h"

#include <optional>

namespace mlir::rotq::quantutil {

/// Checks the options every quantization pass shares: `bits` in 2..8 and,
/// when given, `mode` real | fake and `clipRatio` in (0, 1]; errors on `op`.
LogicalResult checkOptions(Operation *op, int64_t bits,
                           std::optional<StringRef> mode = std::nullopt,
                           std::optional<double> clipRatio = std::nullopt);

/// An error on `lin` unless `groupSize` is 0 or divides its input channels.
LogicalResult checkGroupSize(LinearOp lin, int64_t groupSize);

/// Says what a quantization pass named `pass` cannot see in `root`: a
/// warning for each weighted matmul that is not a rotq.linear (it stays
/// float), and an error when there is no rotq.linear at all but such
/// matmuls exist (the model was not raised). A module without either gets
/// a warning that there is nothing to quantize.
LogicalResult checkRaised(Operation *root, StringRef pass);

/// The LM head: a linear whose result the function returns, directly or
/// through reshapes and casts.
bool isLmHead(LinearOp lin);

/// Makes `lin` use the quantized weight `q`: with `fake`, a float constant
/// of the dequantized values; otherwise int8 codes (packed for 2 and 4
/// bits), f32 scales and zero points as dense_resource constants, unpacked
/// and dequantized in the IR (what rotq-quantize-activations turns into a
/// rotq.qmatmul). Both give the same weights bit for bit.
void replaceWeight(LinearOp lin, const ::rotq::quant::Quantized &q, int bits,
                   bool fake);

/// What protecting `k` input directions of a linear adds, for the reports:
/// "K protected input directions holding E % of the input energy (largest
/// channel and its share: ...), B kB in float, R % of the quantized
/// weight", from the linear's full output metric `m` (rank >= k).
/// `extraBytes` is what the directions and the correction take in float,
/// `quantizedBytes` the quantized weight.
std::string protectionSummary(const ::rotq::quant::OutputMetric &m, int64_t k,
                              double extraBytes, double quantizedBytes);

/// The function's line: "protected directions: N linears, X MB in float,
/// R % of their B-bit codes".
std::string protectionTotals(int64_t linears, double floatBytes,
                             double quantizedBytes, int bits);

/// Float bytes of a rank-k correction of `lin` (directions [k, in] and
/// correction [out, k] in its input's element type) and the bytes of its
/// `bits`-bit weight.
std::pair<double, double> protectionBytes(LinearOp lin, int64_t k, int bits);

/// Puts rotq.protect after `lin` and makes lin's users read it.
/// `directions` [K, in] is f32 (cast here to lin's element type),
/// `correction` [out, K] of lin's element type.
ProtectOp addProtection(OpBuilder &b, LinearOp lin, Value directions,
                        Value correction);

/// A dense_resource constant named `name` holding `data`.
template <typename T>
Value blobConstant(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                   Type et, ArrayRef<T> data, StringRef name);

/// The results of a dynamic rotq.quantize (zeroPoint null when symmetric).
struct Codes {
  Value codes, scale, zeroPoint;
};

/// Dynamic quantization of `x` along its last dimension: one scale per row
/// (`groupSize` 0: every leading index, e.g. per token, or per token and
/// head) or per group of `groupSize` elements of each row.
Codes quantizeDynamic(OpBuilder &b, Location loc, Value x, int64_t bits,
                      bool asymmetric, int64_t groupSize, double clipRatio,
                      std::optional<double> clipSearch = std::nullopt,
                      ElementsAttr clipMetric = {},
                      bool metricRounding = false);

/// A [rows, cols] weight quantized as IR: rotq.quantize per row (or per
/// group of `groupSize` columns), searching each row's clip ratio down to
/// `clipSearch` when given (minimising the output error under
/// `clipMetric` when given, see rotq.quantize); with `pack`, 4- and 2-bit codes go through
/// rotq.pack / rotq.unpack so that they are stored packed; then
/// rotq.dequantize back to the weight's type.
Value quantizeWeight(OpBuilder &b, Location loc, Value w, int64_t bits,
                     bool asymmetric, int64_t groupSize,
                     std::optional<double> clipSearch, bool pack,
                     ElementsAttr clipMetric = {},
                     bool metricRounding = false);

/// quantizeDynamic followed by rotq.dequantize back to x's type.
Value fakeQuantize(OpBuilder &b, Location loc, Value x, int64_t bits,
                   bool asymmetric, int64_t groupSize, double clipRatio);

} // namespace mlir::rotq::quantutil

#endif
