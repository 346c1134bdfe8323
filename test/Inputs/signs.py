"""signs.py N SEED: prints `array<i8: ...>` with the signs check_hadamard.py uses."""
import sys
import numpy as np

n, seed = int(sys.argv[1]), int(sys.argv[2])
s = np.where(np.random.default_rng(seed).random(n) < 0.5, -1, 1)
print("array<i8: " + ", ".join(str(v) for v in s) + ">")
