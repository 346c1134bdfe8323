"""compare.py A.npy B.npy TOL: relative Frobenius error of A against B
(unit dimensions aside)."""
import sys

import numpy as np

a = np.load(sys.argv[1]).astype(np.float64)
b = np.load(sys.argv[2]).astype(np.float64)
if a.shape != b.shape and np.squeeze(a).shape == np.squeeze(b).shape:
    a, b = np.squeeze(a), np.squeeze(b)  # a batch of one against one sequence
if a.shape != b.shape:
    sys.exit("shape mismatch: %s vs %s" % (a.shape, b.shape))
err = np.linalg.norm(a - b) / np.linalg.norm(b)
print("rel_err %.3g" % err)
sys.exit(0 if err <= float(sys.argv[3]) else 1)
