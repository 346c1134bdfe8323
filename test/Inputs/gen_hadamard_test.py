"""gen_hadamard_test.py N ROWS [--signs SEED] [--block B] [--transpose]
[--dtype f32]: prints a module with @h applying rotq.hadamard to ROWSxN."""
import sys
import numpy as np

args = sys.argv[1:]
n, rows = int(args[0]), int(args[1])
attrs = []
if "--signs" in args:
    seed = int(args[args.index("--signs") + 1])
    s = np.where(np.random.default_rng(seed).random(n) < 0.5, -1, 1)
    attrs.append("signs = array<i8: " + ", ".join(str(v) for v in s) + ">")
if "--block" in args:
    attrs.append("block_size = %s" % args[args.index("--block") + 1])
if "--transpose" in args:
    attrs.append("transpose")
dt = args[args.index("--dtype") + 1] if "--dtype" in args else "f32"
t = "tensor<%dx%dx%s>" % (rows, n, dt)
print("func.func @h(%%x: %s) -> %s {" % (t, t))
print("  %%y = rotq.hadamard %%x {%s} : %s" % (", ".join(attrs), t))
print("  return %%y : %s" % t)
print("}")
