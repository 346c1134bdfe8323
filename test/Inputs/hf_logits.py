"""hf_logits.py CHECKPOINT_DIR TOKENS.npy OUT.npy

transformers' own float32 forward (eager attention) of a checkpoint on one
sequence of token ids: logits [S, vocab]."""
import sys

import numpy as np
import torch
from transformers import AutoModelForCausalLM

model = AutoModelForCausalLM.from_pretrained(
    sys.argv[1], dtype=torch.float32, attn_implementation="eager").eval()
ids = torch.from_numpy(np.load(sys.argv[2]).astype(np.int64).reshape(1, -1))
with torch.no_grad():
    out = model(input_ids=ids, use_cache=False).logits[0]
np.save(sys.argv[3], out.numpy())
