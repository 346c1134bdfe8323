"""torch_export.py CHECKPOINT_DIR SEQ_LEN OUT.mlir [--dynamic] [--tokens T.npy]

Loads a Hugging Face causal-LM checkpoint directory with transformers (in
float32, whatever dtype it was saved in) and exports forward(input_ids) ->
logits through torch-mlir's FX importer as linalg-on-tensors MLIR text:

    func.func @main(%arg0: tensor<1xSEQ_LENxi64>) -> tensor<1xSEQ_LENxVOCABxf32>

The sequence length is static (SEQ_LEN) unless --dynamic is given, which makes
it `?` (traced at SEQ_LEN, valid for 2..4096); the batch is always 1.  Weights
are embedded as dense_resource constants.

Next to OUT.mlir it writes OUT.tokens.npy (int64, shape [1, SEQ_LEN], @main's
input: --tokens, or (7 * i + 3) % vocab) and OUT.logits.npy (the PyTorch float32 logits for
those tokens, shape [SEQ_LEN, vocab]).

Needs the peers venv (scripts/setup-venv.sh): torch, transformers 5, torch-mlir.
"""
import argparse
import os

import numpy as np
import torch
from torch_mlir import fx
from transformers import AutoModelForCausalLM
from transformers.utils import logging as hf_logging


class LogitsOnly(torch.nn.Module):
    """forward(input_ids) -> logits tensor.  torch.export cannot return a
    ModelOutput holding a DynamicCache, hence no cache and a plain tensor out.
    The all-ones attention mask stops transformers' packed-sequence check,
    whose cumsum would lower to tm_tensor.scan (torch-mlir's own dialect, which
    upstream mlir-opt cannot parse); the output is then upstream MLIR only."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids):
        mask = torch.ones_like(input_ids)
        return self.model(input_ids=input_ids, attention_mask=mask,
                          use_cache=False, return_dict=False)[0]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("checkpoint")
    ap.add_argument("seq_len", type=int)
    ap.add_argument("out")
    ap.add_argument("--dynamic", action="store_true", help="dynamic sequence length")
    ap.add_argument("--tokens", help="int64 .npy of SEQ_LEN token ids")
    a = ap.parse_args()
    hf_logging.disable_progress_bar()

    model = AutoModelForCausalLM.from_pretrained(
        a.checkpoint, dtype=torch.float32, attn_implementation="eager").eval()
    # torch-mlir's frozen import looks buffers up in state_dict, which leaves
    # out non-persistent ones (the rotary inv_freq): make them persistent.
    for m in model.modules():
        m._non_persistent_buffers_set.clear()

    vocab = model.config.vocab_size
    if a.tokens:
        tokens = np.load(a.tokens).astype(np.int64).reshape(-1)
        assert tokens.size == a.seq_len, "--tokens must hold SEQ_LEN ids"
    else:
        tokens = (7 * np.arange(a.seq_len, dtype=np.int64) + 3) % vocab
    ids = torch.from_numpy(tokens).reshape(1, -1)

    wrapped = LogitsOnly(model)
    with torch.no_grad():
        logits = wrapped(ids)[0].float().numpy()

    dynamic_shapes = None
    if a.dynamic:
        dynamic_shapes = {"input_ids": {1: torch.export.Dim("seq", min=2, max=4096)}}
    module = fx.export_and_import(wrapped, ids, output_type="linalg-on-tensors",
                                  dynamic_shapes=dynamic_shapes, func_name="main")

    with open(a.out, "w") as f:
        f.write(str(module))
    stem = os.path.splitext(a.out)[0]
    np.save(stem + ".tokens.npy", tokens.reshape(1, -1))  # @main's input
    np.save(stem + ".logits.npy", logits)


if __name__ == "__main__":
    main()
