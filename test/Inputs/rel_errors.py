"""rel_errors.py REF.npy A.npy B.npy RATIO: ||A - REF|| / ||REF|| must be at
least RATIO times ||B - REF|| / ||REF|| (float64); prints both."""
import sys

import numpy as np

ref, a, b = (np.load(p).astype(np.float64) for p in sys.argv[1:4])
ratio = float(sys.argv[4])
ea = np.linalg.norm(a - ref) / np.linalg.norm(ref)
eb = np.linalg.norm(b - ref) / np.linalg.norm(ref)
print("errors %.3g and %.3g: %.2fx" % (ea, eb, ea / eb))
sys.exit(0 if ea >= ratio * eb else 1)
