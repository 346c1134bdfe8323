"""st_equal.py A.safetensors B.safetensors: the two files hold the same
tensor names, shapes and dtypes, and bitwise-equal values; exits 1 (naming
the first difference) otherwise."""
import sys

import numpy as np
from safetensors.numpy import load_file

a, b = load_file(sys.argv[1]), load_file(sys.argv[2])
if set(a) != set(b):
    sys.exit("names differ: %s" % sorted(set(a) ^ set(b)))
for k in sorted(a):
    if a[k].dtype != b[k].dtype or a[k].shape != b[k].shape:
        sys.exit("%s: %s%s vs %s%s" % (k, a[k].dtype, a[k].shape, b[k].dtype, b[k].shape))
    if not np.array_equal(a[k].view(np.uint8), b[k].view(np.uint8)):
        d = np.abs(a[k].astype(np.float64) - b[k]).max()
        sys.exit("%s differs (max abs %g)" % (k, d))
print("%d tensors equal" % len(a))
