"""drop_online.py IN.mlir OUT.mlir [--index I]: replaces the I-th
rotq.hadamard op (default the first) by an identity tensor.cast, keeping
everything else, to show that an online transform and its fused partner
only work as a pair."""
import argparse
import re

ap = argparse.ArgumentParser()
ap.add_argument("input")
ap.add_argument("output")
ap.add_argument("--index", type=int, default=0)
a = ap.parse_args()
op = re.compile(r"(%[\w.]+) = rotq\.hadamard (%[\w.]+)(?: \{[^}]*\})? : "
                r"(tensor<[^>]*>)")
text = open(a.input).read()
matches = list(op.finditer(text))
if len(matches) <= a.index:
    raise SystemExit("only %d rotq.hadamard ops" % len(matches))
m = matches[a.index]
repl = "%s = tensor.cast %s : %s to %s" % (m.group(1), m.group(2),
                                          m.group(3), m.group(3))
open(a.output, "w").write(text[:m.start()] + repl + text[m.end():])
