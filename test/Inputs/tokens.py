"""tokens.py OUT.npy LENGTH VOCAB SEED [--bos ID]: random int64 token ids,
optionally starting with a BOS token, as models are fed in practice."""
import argparse

import numpy as np

ap = argparse.ArgumentParser()
ap.add_argument("out")
ap.add_argument("length", type=int)
ap.add_argument("vocab", type=int)
ap.add_argument("seed", type=int)
ap.add_argument("--bos", type=int)
a = ap.parse_args()
t = np.random.default_rng(a.seed).integers(0, a.vocab, a.length, dtype=np.int64)
if a.bos is not None:
    t[0] = a.bos
np.save(a.out, t)
