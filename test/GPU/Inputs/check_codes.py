"""check_codes.py GPU_CODES.npy CPU_CODES.npy GPU_SCALES.npy CPU_SCALES.npy
[--max-mismatch FRACTION]

Fused Hadamard + quantize on the GPU against the CPU path: the transforms
sum in different orders, so a value within float rounding of a rounding
boundary may land one code apart. Passes if every code differs by at most 1,
at most FRACTION (default 1e-3) of them differ at all, and the scales agree
to 1e-5 relative.
"""
import sys
import numpy as np

args = sys.argv[1:]
frac = float(args[args.index("--max-mismatch") + 1]) if "--max-mismatch" in args else 1e-3
qg, qc, sg, sc = (np.load(f) for f in args[:4])
d = np.abs(qg.astype(np.int32) - qc.astype(np.int32))
srel = np.abs(sg.astype(np.float64) - sc) / np.maximum(np.abs(sc), 1e-30)
print("codes: max diff %d, %d of %d differ; scales: max rel diff %.2e"
      % (d.max(), np.count_nonzero(d), d.size, srel.max()))
ok = d.max() <= 1 and np.count_nonzero(d) <= frac * d.size and srel.max() <= 1e-5
print("OK" if ok else "FAIL")
sys.exit(0 if ok else 1)
