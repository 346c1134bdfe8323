"""drop_online.py IN.mlir OUT.mlir [--index I] [--op OP]: replaces the I-th
online rotq.OP op (hadamard by default; rotate, permute or scale; one on
activations, whose type has a dynamic sequence dimension; default the
first) by an identity tensor.cast, keeping
everything else, to show that an online transform and its fused partner
only work as a pair."""
import argparse
import re

ap = argparse.ArgumentParser()
ap.add_argument("input")
ap.add_argument("output")
ap.add_argument("--index", type=int, default=0)
ap.add_argument("--op", default="hadamard",
                choices=["hadamard", "rotate", "permute", "scale"])
a = ap.parse_args()
# The op, its input, a matrix operand (rotate), a permutation (permute),
# attributes, then the input's type (and the matrix's).
op = re.compile(r"(%[\w.]+) = rotq\." + a.op + r" (%[\w.]+)(?:, %[\w.]+)?"
                r"(?: \[[^\]]*\])?(?: \{[^}]*\})? : (tensor<[^>]*>)"
                r"(?:, tensor<[^>]*>)?")
text = open(a.input).read()
matches = [m for m in op.finditer(text) if "?" in m.group(3)]
if len(matches) <= a.index:
    raise SystemExit("only %d online rotq.%s ops" % (len(matches), a.op))
m = matches[a.index]
repl = "%s = tensor.cast %s : %s to %s" % (m.group(1), m.group(2),
                                          m.group(3), m.group(3))
open(a.output, "w").write(text[:m.start()] + repl + text[m.end():])
