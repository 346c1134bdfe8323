"""hand.py OUT.npy 'nested list' [dtype]: writes a hand-written array
(the names nan and inf may be used)."""
import sys
import numpy as np

dtype = sys.argv[3] if len(sys.argv) > 3 else "float32"
values = eval(sys.argv[2], {"__builtins__": {}}, {"nan": np.nan, "inf": np.inf})
np.save(sys.argv[1], np.array(values, dtype=dtype))
