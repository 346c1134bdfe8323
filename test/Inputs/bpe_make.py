"""bpe_make.py [--vocab N] CORPUS OUT_DIR TEXT...: a byte-level BPE
tokenizer trained by the `tokenizers` library on CORPUS (vocabulary N,
default 600, special tokens
<|endoftext|> and <|im_start|>), written as OUT_DIR/plain.json (GPT-2's
pre-tokenizer), OUT_DIR/digits.json (each digit on its own first, as
SmolLM's and StarCoder's tokenizers do) and OUT_DIR/tok.gguf (the digits
variant as GGUF tokenizer metadata, llama.cpp's "smollm" pre-tokenizer,
written by the `gguf` package); and for each TEXT file the library's own
ids, OUT_DIR/<plain|digits>.<name>.npy."""
import json
import os
import sys

import numpy as np
import gguf
from tokenizers import Tokenizer, models, pre_tokenizers, trainers, decoders

args = sys.argv[1:]
vocab_size = 600
if args[0] == "--vocab":
    vocab_size, args = int(args[1]), args[2:]
corpus, out, texts = args[0], args[1], args[2:]
os.makedirs(out, exist_ok=True)
tk = Tokenizer(models.BPE())
tk.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
tk.decoder = decoders.ByteLevel()
trainer = trainers.BpeTrainer(
    vocab_size=vocab_size, special_tokens=["<|endoftext|>", "<|im_start|>"],
    initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
tk.train([corpus], trainer)
tk.save(os.path.join(out, "plain.json"))
j = json.load(open(os.path.join(out, "plain.json")))
j["pre_tokenizer"] = {"type": "Sequence", "pretokenizers": [
    {"type": "Digits", "individual_digits": True}, j["pre_tokenizer"]]}
json.dump(j, open(os.path.join(out, "digits.json"), "w"))

vocab = j["model"]["vocab"]
tokens = [None] * len(vocab)
for t, i in vocab.items():
    tokens[i] = t
merges = [m if isinstance(m, str) else " ".join(m) for m in j["model"]["merges"]]
specials = {a["content"] for a in j["added_tokens"]}
w = gguf.GGUFWriter(os.path.join(out, "tok.gguf"), "llama")
w.add_string("tokenizer.ggml.model", "gpt2")
w.add_string("tokenizer.ggml.pre", "smollm")
w.add_array("tokenizer.ggml.tokens", tokens)
w.add_array("tokenizer.ggml.token_type",
            [3 if t in specials else 1 for t in tokens])
w.add_array("tokenizer.ggml.merges", merges)
w.add_uint32("tokenizer.ggml.bos_token_id", 0)
w.write_header_to_file()
w.write_kv_data_to_file()
w.write_tensors_to_file()
w.close()

for name in ("plain", "digits"):
    t = Tokenizer.from_file(os.path.join(out, name + ".json"))
    for path in texts:
        ids = t.encode(open(path, encoding="utf-8").read(),
                       add_special_tokens=False).ids
        base = os.path.splitext(os.path.basename(path))[0]
        np.save(os.path.join(out, "%s.%s.npy" % (name, base)),
                np.array(ids, np.int64))
