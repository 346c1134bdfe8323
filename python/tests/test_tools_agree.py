"""The Python API and python -m rotq give the C++ tools' results bit for
bit: rotq-eval's metrics, rotq-outliers' statistics, and the checkpoint
rotq-import + rotq-opt + rotq-materialize write."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import rotq
from conftest import run_tool

def byte_alphabet():
    """GPT-2's byte -> printable character map."""
    keep = (list(range(ord("!"), ord("~") + 1)) +
            list(range(ord("\u00a1"), ord("\u00ac") + 1)) +
            list(range(ord("\u00ae"), ord("\u00ff") + 1)))
    chars, n = {}, 0
    for b in range(256):
        if b in keep:
            chars[b] = chr(b)
        else:
            chars[b] = chr(256 + n)
            n += 1
    return chars


def write_byte_tokenizer(path):
    """A byte-level BPE tokenizer without merges: token id = byte value,
    for the synthetic 256-token models."""
    chars = byte_alphabet()
    vocab = {chars[b]: b for b in range(256)}
    json.dump({"version": "1.0", "added_tokens": [],
               "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space":
                                 False, "trim_offsets": True,
                                 "use_regex": True},
               "model": {"type": "BPE", "vocab": vocab, "merges": []}},
              open(path, "w"))


def test_byte_tokenizer(tmp_path):
    tj = tmp_path / "tokenizer.json"
    write_byte_tokenizer(tj)
    t = rotq.Tokenizer(str(tj))
    text = "héllo, wörld 42!"
    assert list(t.encode(text)) == list(text.encode("utf-8"))
    (tmp_path / "t.txt").write_text(text * 3)
    s = rotq.text_sequences(tmp_path / "t.txt", t, seq_len=8, add_bos=True,
                            bos=1)
    ids = list(text.encode("utf-8")) * 3
    assert s.shape == (len(ids) // 7, 8)
    assert list(s[1]) == [1] + ids[7:14]


PIPE = "rotq-quarot{seed={seed}},rotq-quantize{w-bits=4 a-bits=8}"


def test_eval_matches_rotq_eval(bin_dir, checkpoint, tokens, tmp_path):
    np.save(tmp_path / "tok.npy", tokens)
    run_tool(bin_dir, "rotq-import", checkpoint, "-o", str(tmp_path / "f.mlir"))
    out = run_tool(bin_dir, "rotq-eval", str(tmp_path / "f.mlir"),
                   "--pipeline", PIPE, "--seeds", "2",
                   "--input", str(tmp_path / "tok.npy"), "--json")
    want = json.loads(out)
    ref = rotq.load(tmp_path / "f.mlir")

    def made(seed):
        m = ref.clone()
        m.run_passes(PIPE.replace("{seed}", str(seed)))
        return m
    r, rows = rotq.evaluate(ref, [lambda: made(1), lambda: made(2)], tokens)
    assert r["perplexity"] == want["reference"]["perplexity"]
    for got, w in zip(rows, want["models"]):
        for k in ("rel_logit_error", "kl", "top1_agreement", "perplexity"):
            assert got[k] == w[k], k
    s = rotq.summarize(rows)
    for k in ("kl", "perplexity"):
        assert s[k] == {x: want["summary"][k][x] for x in ("mean", "min",
                                                            "max")}
    # The command line prints the same JSON numbers.
    cli = subprocess.run(
        [sys.executable, "-m", "rotq", "eval", str(tmp_path / "f.mlir"),
         "--pipeline", PIPE, "--seeds", "2", "--tokens",
         str(tmp_path / "tok.npy"), "--json"],
        capture_output=True, text=True)
    assert cli.returncode == 0, cli.stderr
    got = json.loads(cli.stdout)
    assert [m["perplexity"] for m in got["models"]] == \
        [m["perplexity"] for m in want["models"]]


def test_outliers_match_rotq_outliers(bin_dir, checkpoint, tokens, tmp_path):
    np.save(tmp_path / "t.npy", tokens[0])
    run_tool(bin_dir, "rotq-import", checkpoint, "-o", str(tmp_path / "f.mlir"))
    want = json.loads(run_tool(bin_dir, "rotq-outliers",
                               str(tmp_path / "f.mlir"), "--input",
                               str(tmp_path / "t.npy"), "--json"))
    got = rotq.outliers(rotq.load(tmp_path / "f.mlir"), tokens[0])
    assert [n for n, _ in got] == [w["input_of"] for w in want]
    for (_, s), w in zip(got, want):
        for k in ("max_abs", "median_abs", "kurtosis", "block_mean_var_rel"):
            assert s[k] == w["model"][k], k


def test_quantize_cli_matches_tools(bin_dir, checkpoint, tmp_path):
    text = tmp_path / "calib.txt"
    # Byte-level text of the synthetic model's 256-token vocabulary is not
    # needed: calibration comes as token ids through the tools' route too.
    tok = np.random.default_rng(1).integers(2, 256, (4, 16), dtype=np.int64)
    np.save(tmp_path / "cal.npy", tok)
    opts = f"w-bits=4 a-bits=4 kv-bits=4 calibration={tmp_path}/cal.npy"
    # The tools' route.
    run_tool(bin_dir, "rotq-import", checkpoint, "-o", str(tmp_path / "f.mlir"))
    run_tool(bin_dir, "rotq-opt", str(tmp_path / "f.mlir"),
             "--rotq-quarot=seed=3", f"--rotq-quantize={opts}",
             "-o", str(tmp_path / "q.mlir"))
    run_tool(bin_dir, "rotq-materialize", str(tmp_path / "q.mlir"), "-o",
             str(tmp_path / "tools"))
    # The API's.
    m = rotq.load(checkpoint)
    m.run_passes(f"rotq-quarot{{seed=3}},rotq-quantize{{{opts}}}")
    m.materialize(str(tmp_path / "api"), progress=False)
    a = open(tmp_path / "tools" / "model.safetensors", "rb").read()
    b = open(tmp_path / "api" / "model.safetensors", "rb").read()
    assert a == b
    del text


def test_quantize_and_eval_commands(checkpoint, tmp_path):
    """python -m rotq quantize writes a loadable OUT; eval reads it."""
    tj = tmp_path / "tokenizer.json"
    write_byte_tokenizer(tj)
    text = tmp_path / "t.txt"
    text.write_text("The quick brown fox jumps over the lazy dog. " * 40)
    out = tmp_path / "out"
    r = subprocess.run(
        [sys.executable, "-m", "rotq", "quantize", checkpoint, "--w-bits", "4",
         "--a-bits", "8", "--calibration", str(text), "--tokenizer", str(tj),
         "--calibration-sequences", "2", "--calibration-seq-len", "32",
         "-o", str(out)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    info = json.load(open(out / "rotq.json"))
    assert "protect-directions=4" in info["pipeline"]
    assert np.load(out / "calibration.npy").shape == (2, 32)
    r = subprocess.run(
        [sys.executable, "-m", "rotq", "eval", checkpoint, str(out),
         "--text", str(text), "--tokenizer", str(tj), "--seq-len", "64",
         "--max-sequences", "2", "--json"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout)
    assert res["positions"] == 128
    assert 0 < res["models"][0]["kl"] < 1
