"""hf_reference.py CHECKPOINT_DIR TOKENS.npy OUT.npy: float64 logits."""
import sys

import numpy as np

import hf_model

cfg, weights = hf_model.load_checkpoint(sys.argv[1])
np.save(sys.argv[3], hf_model.forward(cfg, weights, np.load(sys.argv[2])))
