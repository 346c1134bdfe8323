"""bpe_make.py [--vocab N] CORPUS OUT_DIR TEXT...: byte-level BPE
tokenizers trained by the `tokenizers` library, with special tokens
<|endoftext|> and <|im_start|>:

  * on CORPUS (vocabulary N, default 600): OUT_DIR/plain.json (GPT-2's
    pre-tokenizer), OUT_DIR/digits.json (each digit on its own first, as
    SmolLM's and StarCoder's tokenizers do) and OUT_DIR/tok.gguf (the digits
    variant as GGUF tokenizer metadata, llama.cpp's "smollm" pre-tokenizer,
    written by the `gguf` package);
  * on overlapping chunks of CORPUS and the TEXTs, not pre-tokenized
    (vocabulary 2000), so that merges cross every boundary of the
    patterns: OUT_DIR/llama3.json and OUT_DIR/qwen2.json, pre-tokenized as
    Llama 3's and Qwen2's tokenizer.json are (Split with their pattern,
    Isolated, then ByteLevel without its regex); Llama 3's has
    ignore_merges and, as extra tokens, every other piece of the TEXTs
    that no merge makes. The same as GGUF metadata: OUT_DIR/llama3.gguf
    ("llama-bpe") and OUT_DIR/qwen2.gguf ("qwen2"); OUT_DIR/other.gguf is
    the Llama 3 vocabulary with llama.cpp's "deepseek-llm" pre-tokenizer,
    which rotq does not have;
  * OUT_DIR/qwen2-nfc.json: Qwen2's with the NFC normalizer (as Qwen2's
    tokenizer.json has) and more added tokens: <|w\u0301|> and |r>
    (special, not normalized: found in the raw text), <|e\u0301|> and <n|
    (normalized: found, as NFC makes them, in the text after NFC);

and for each TEXT file (read with its CRs) the library's own ids,
OUT_DIR/<plain|digits|llama3|qwen2|qwen2-nfc>.<name>.npy."""
import json
import os
import sys
import unicodedata

import numpy as np
import gguf
from tokenizers import (Tokenizer, Regex, AddedToken, models, normalizers,
                        pre_tokenizers, trainers, decoders)

LLAMA3 = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|"
          r"\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
QWEN2 = LLAMA3.replace(r"\p{N}{1,3}", r"\p{N}")
SPECIALS = ["<|endoftext|>", "<|im_start|>"]

args = sys.argv[1:]
vocab_size = 600
if args[0] == "--vocab":
    vocab_size, args = int(args[1]), args[2:]
corpus, out, texts = args[0], args[1], args[2:]
os.makedirs(out, exist_ok=True)


def trainer(size):
    return trainers.BpeTrainer(
        vocab_size=size, special_tokens=SPECIALS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False)


def write_gguf(path, j, pre):
    vocab = j["model"]["vocab"]
    tokens = [None] * len(vocab)
    for t, i in vocab.items():
        tokens[i] = t
    merges = [m if isinstance(m, str) else " ".join(m)
              for m in j["model"]["merges"]]
    specials = {a["content"] for a in j["added_tokens"]}
    w = gguf.GGUFWriter(path, "llama")
    w.add_string("tokenizer.ggml.model", "gpt2")
    w.add_string("tokenizer.ggml.pre", pre)
    w.add_array("tokenizer.ggml.tokens", tokens)
    w.add_array("tokenizer.ggml.token_type",
                [3 if t in specials else 1 for t in tokens])
    w.add_array("tokenizer.ggml.merges", merges)
    w.add_uint32("tokenizer.ggml.bos_token_id", 0)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


tk = Tokenizer(models.BPE())
tk.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
tk.decoder = decoders.ByteLevel()
tk.train([corpus], trainer(vocab_size))
tk.save(os.path.join(out, "plain.json"))
j = json.load(open(os.path.join(out, "plain.json")))
j["pre_tokenizer"] = {"type": "Sequence", "pretokenizers": [
    {"type": "Digits", "individual_digits": True}, j["pre_tokenizer"]]}
json.dump(j, open(os.path.join(out, "digits.json"), "w"))
write_gguf(os.path.join(out, "tok.gguf"), j, "smollm")

# No pre-tokenizer while training, on overlapping chunks that cross lines:
# merges that a wrong split would use.
chunks = []
for path in [corpus] + texts:
    with open(path, encoding="utf-8", newline="") as f:
        s = f.read()
    chunks += [s[i:i + 96] for i in range(0, len(s), 48)]
    # And after NFC, so that merges join what NFC composes.
    if unicodedata.normalize("NFC", s) != s:
        s = unicodedata.normalize("NFC", s)
        chunks += [s[i:i + 96] for i in range(0, len(s), 48)]
tk = Tokenizer(models.BPE())
tk.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False,
                                            use_regex=False)
tk.decoder = decoders.ByteLevel()
tk.train_from_iterator(chunks, trainer(2000))
for name, pattern, pre in (("llama3", LLAMA3, "llama-bpe"),
                           ("qwen2", QWEN2, "qwen2")):
    tk.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(pattern), behavior="isolated",
                             invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    j = json.loads(tk.to_str())
    j["model"]["ignore_merges"] = name == "llama3"
    if name == "llama3":
        # Every other piece of the texts as a token no merge makes: found
        # whole only with ignore_merges (as in Llama 3's vocabulary).
        pieces = set()
        for path in texts:
            with open(path, encoding="utf-8", newline="") as f:
                for p, _ in tk.pre_tokenizer.pre_tokenize_str(f.read()):
                    pieces.add(p)
        vocab = j["model"]["vocab"]
        for p in sorted(pieces - set(vocab))[::2]:
            vocab[p] = len(vocab)
    json.dump(j, open(os.path.join(out, name + ".json"), "w"))
    write_gguf(os.path.join(out, name + ".gguf"), j, pre)
    if name == "llama3":
        write_gguf(os.path.join(out, "other.gguf"), j, "deepseek-llm")

# Qwen2's (the loop leaves tk with its pre-tokenizer) with NFC, serialised
# by the library; the added tokens after the normalizer, as loading a
# tokenizer.json adds them.
tk.normalizer = normalizers.NFC()
tk.add_special_tokens([AddedToken("<|w\u0301|>", special=True,
                                  normalized=False),
                       AddedToken("|r>", special=True, normalized=False)])
tk.add_tokens([AddedToken("<|e\u0301|>", normalized=True),
               AddedToken("<n|", normalized=True)])
with open(os.path.join(out, "qwen2-nfc.json"), "w") as f:
    f.write(tk.to_str())

for name in ("plain", "digits", "llama3", "qwen2", "qwen2-nfc"):
    t = Tokenizer.from_file(os.path.join(out, name + ".json"))
    for path in texts:
        with open(path, encoding="utf-8", newline="") as f:
            ids = t.encode(f.read(), add_special_tokens=False).ids
        base = os.path.splitext(os.path.basename(path))[0]
        np.save(os.path.join(out, "%s.%s.npy" % (name, base)),
                np.array(ids, np.int64))
