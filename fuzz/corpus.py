#!/usr/bin/env python3
"""Seed corpora and corpus replay for the fuzz targets in fuzz/.

  corpus.py collect TARGET OUTDIR    seeds for TARGET into OUTDIR: the
                                     checked-in test/Fuzz/Inputs/corpus/TARGET
                                     plus inputs of the regular tests
  corpus.py replay BINARY TARGET     runs BINARY once on every seed
  corpus.py crashes BINARY TARGET    runs BINARY on every saved crash input of
                                     TARGET, one process each, so that every
                                     input still crashing is named
  corpus.py make-seeds               rewrites the generated binary seeds

Plain Python 3 (no NumPy), so that it runs wherever the tests do.
"""
import glob
import os
import struct
import subprocess
import sys
import tempfile

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), ".."))
TARGETS = ["npy", "safetensors", "config", "gguf", "mlir"]
# Generous for the slowest seed under ASan (a real hang still shows up); the
# memory limit is libFuzzer's default, as when fuzzing.
REPLAY_FLAGS = ["-timeout=60", "-rss_limit_mb=2048"]


def checked_in(kind, target):
    return os.path.join(ROOT, "test", "Fuzz", "Inputs", kind, target)


def files_under(pattern):
    return sorted(p for p in glob.glob(os.path.join(ROOT, pattern),
                                       recursive=True) if os.path.isfile(p))


def split_mlir(text):
    """The chunks of a `// -----` split file, without comment lines (RUN and
    CHECK lines are noise to the fuzzer)."""
    for chunk in text.split("// -----"):
        lines = [l for l in chunk.splitlines()
                 if not l.lstrip().startswith("//")]
        body = "\n".join(lines).strip()
        if body:
            yield body + "\n"


def collect(target, out):
    os.makedirs(out, exist_ok=True)
    n = 0

    def add(name, data):
        nonlocal n
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
        n += 1

    for p in files_under(os.path.join(checked_in("corpus", target), "*")):
        add(os.path.basename(p), open(p, "rb").read())
    if target == "npy":
        for p in files_under("test/**/Inputs/**/*.npy"):
            if os.sep + "Fuzz" + os.sep in p:
                continue
            add("test-" + os.path.basename(p), open(p, "rb").read())
    elif target == "config":
        for p in files_under("test/Inputs/models/*.json"):
            add("test-" + os.path.basename(p), open(p, "rb").read())
    elif target == "mlir":
        for p in (files_under("test/Dialect/**/*.mlir") +
                  files_under("test/Conversion/**/*.mlir")):
            stem = os.path.relpath(p, ROOT).replace("/", "_")[:-5]
            for i, chunk in enumerate(split_mlir(open(p).read())):
                add("%s.%d.mlir" % (stem, i), chunk.encode())
    return n


def run(cmd):
    print("$ " + " ".join(cmd[:4]) + (" ..." if len(cmd) > 4 else ""),
          flush=True)
    env = dict(os.environ)
    env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1")
    return subprocess.call(cmd, env=env)


def replay(binary, target):
    with tempfile.TemporaryDirectory() as tmp:
        n = collect(target, tmp)
        print("%s: %d seed inputs" % (target, n))
        files = sorted(glob.glob(os.path.join(tmp, "*")))
        # An empty file too: no bytes at all must not crash either.
        empty = os.path.join(tmp, "empty")
        open(empty, "wb").close()
        return run([binary] + REPLAY_FLAGS + files + [empty])


def crashes(binary, target):
    files = files_under(os.path.join(checked_in("crashes", target), "*"))
    files = [f for f in files if not f.endswith(".md")]
    print("%s: %d saved crash inputs" % (target, len(files)))
    failed = [f for f in files if run([binary] + REPLAY_FLAGS + [f]) != 0]
    for f in failed:
        print("still fails: " + os.path.relpath(f, ROOT))
    return 1 if failed else 0


def npy(descr, shape, payload, version=1):
    dims = "%d," % shape[0] if len(shape) == 1 else ", ".join(map(str, shape))
    header = "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }" % (
        descr, dims)
    prefix = 10 if version == 1 else 12
    header += " " * ((64 - (prefix + len(header) + 1) % 64) % 64) + "\n"
    size = (struct.pack("<H", len(header)) if version == 1 else
            struct.pack("<I", len(header)))
    return (b"\x93NUMPY" + bytes([version, 0]) + size + header.encode() +
            payload)


def safetensors(tensors, metadata=True):
    """tensors: (name, dtype, shape, raw bytes)."""
    import json
    header, data = {}, b""
    if metadata:
        header["__metadata__"] = {"format": "pt"}
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": shape,
                        "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header, separators=(",", ":"))
    text += " " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text.encode() + data


GGUF_STRING, GGUF_ARRAY = 8, 9
GGUF_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i",
                6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}


def gguf_value(vtype, value):
    if vtype == GGUF_STRING:
        raw = value.encode() if isinstance(value, str) else value
        return struct.pack("<Q", len(raw)) + raw
    if vtype == GGUF_ARRAY:
        etype, elems = value
        return (struct.pack("<IQ", etype, len(elems)) +
                b"".join(gguf_value(etype, e) for e in elems))
    return struct.pack(GGUF_SCALARS[vtype], value)


def gguf(kvs, tensors, alignment=32, tail=b""):
    """A GGUF v3 file. kvs: (key, value type, value), an array's value
    (element type, elements); tensors: (name, dims innermost first, ggml
    type, raw bytes); `tail` follows the data (readers ignore it)."""
    out = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(kvs))
    for key, vtype, value in kvs:
        out += gguf_value(GGUF_STRING, key) + struct.pack("<I", vtype)
        out += gguf_value(vtype, value)
    data = b""
    for name, dims, ggml_type, raw in tensors:
        data += b"\0" * (-len(data) % alignment)
        out += gguf_value(GGUF_STRING, name) + struct.pack("<I", len(dims))
        out += struct.pack("<%dQ" % len(dims), *dims)
        out += struct.pack("<IQ", ggml_type, len(data))
        data += raw
    out += b"\0" * (-len(out) % alignment)
    return out + data + tail


def gpt2_byte_symbols():
    """GPT-2's printable stand-in for each byte, as byte-level BPE
    vocabularies spell them."""
    printable = (list(range(ord("!"), ord("~") + 1)) +
                 list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100)))
    n, out = 0, []
    for b in range(256):
        if b in printable:
            out.append(chr(b))
        else:
            out.append(chr(256 + n))
            n += 1
    return out


def gguf_seeds():
    f16 = lambda *v: struct.pack("<%de" % len(v), *v)
    f32 = lambda *v: struct.pack("<%df" % len(v), *v)
    ramp = lambda n, k=7: bytes((i * k + 3) % 256 for i in range(n))
    arch = [("general.architecture", GGUF_STRING, "llama"),
            ("general.name", GGUF_STRING, "fuzz")]
    # Types (ggml ids) and blocks: Q4_0 d + 16 nibble bytes per 32, Q8_0 d +
    # 32 int8, Q4_1 d, m + 16, Q4_K d, dmin, 12 scale bytes, 128 per 256,
    # Q5_K d, dmin, 12, 32 high bits, 128, Q6_K 128 low, 64 high, 16
    # scales, d.
    q4_0 = f16(0.5) + ramp(16) + f16(-0.25) + ramp(16, 11)
    q8_0 = f16(0.125) + ramp(32, 13)
    q4_1 = f16(0.5, -1.0) + ramp(16)
    q4_k = f16(0.01, 0.002) + ramp(12, 5) + ramp(128)
    q5_k = f16(0.01, 0.002) + ramp(12, 5) + ramp(32, 3) + ramp(128)
    q6_k = ramp(128) + ramp(64, 9) + ramp(16, 17) + f16(0.003)
    syms = gpt2_byte_symbols()
    sp = syms[ord(" ")]
    merges = [sp + " t", "h e", sp + "t he", "l l", "e ll", "o r",
              sp + " w", sp + "w or", "1 2", "c a", "ca f"]
    tokens = syms + [m.replace(" ", "") for m in merges] + ["<|endoftext|>"]
    types = [1] * (len(tokens) - 1) + [3]
    tokenizer = [("tokenizer.ggml.model", GGUF_STRING, "gpt2"),
                 ("tokenizer.ggml.pre", GGUF_STRING, "smollm"),
                 ("tokenizer.ggml.tokens", GGUF_ARRAY, (GGUF_STRING, tokens)),
                 ("tokenizer.ggml.token_type", GGUF_ARRAY, (5, types)),
                 ("tokenizer.ggml.merges", GGUF_ARRAY, (GGUF_STRING, merges)),
                 ("tokenizer.ggml.bos_token_id", 4, len(tokens) - 1),
                 ("tokenizer.ggml.eos_token_id", 4, len(tokens) - 1)]
    text = "Hello the world, 12 caf\u00e9 it's<|endoftext|> x\n".encode()
    return {
        "f32-f16.gguf": gguf(arch, [
            ("w", [3, 2], 0, f32(1, -2, 3.5, 0, 1e-3, -7)),
            ("h", [4], 1, f16(1, -2, 65504, 6e-8))]),
        "q4_0-q8_0.gguf": gguf(arch, [("a", [32, 2], 2, q4_0),
                                      ("b", [32], 8, q8_0)]),
        "q4_k-q6_k.gguf": gguf(arch, [("k4", [256], 12, q4_k),
                                      ("k6", [256, 1], 14, q6_k)]),
        "q4_1-q5_k-bf16-align64.gguf": gguf(
            arch + [("general.alignment", 4, 64)],
            [("a", [32], 3, q4_1), ("b", [256], 13, q5_k),
             ("c", [2, 1, 1], 30, struct.pack("<2H", 0x3f80, 0xc000)),
             ("q2k", [256], 10, ramp(84))], alignment=64),
        "metadata-only.gguf": gguf(arch + [
            ("u8", 0, 7), ("i64", 11, -5), ("f64", 12, 0.5), ("b", 7, True),
            ("ints", GGUF_ARRAY, (5, [1, -2, 3]))], []),
        "tokenizer.gguf": gguf(arch + tokenizer, [], tail=text),
        "tokenizer-q8_0.gguf": gguf(
            arch + tokenizer[:2] + [
                ("tokenizer.ggml.tokens", GGUF_ARRAY,
                 (GGUF_STRING, syms[:8] + ["ab"])),
                ("tokenizer.ggml.merges", GGUF_ARRAY, (GGUF_STRING, ["a b"]))],
            [("e", [32, 9], 8, q8_0 * 9)], tail=b"abc 9"),
    }


def make_seeds():
    f32 = lambda *v: struct.pack("<%df" % len(v), *v)
    seeds = {
        "npy": {
            "f32-2x3.npy": npy("<f4", [2, 3], f32(1, -2, 3.5, 0, 1e-3, -7)),
            # Finite values only: non-finite ones are in crashes/npy (getInt).
            "f16-4.npy": npy("<f2", [4], struct.pack("<4H", 0x3c00, 0xc000,
                                                     0x7bff, 0x0001)),
            "f64-scalar.npy": npy("<f8", [], struct.pack("<d", 3.25)),
            "i64-tokens-2x3.npy": npy("<i8", [2, 3],
                                      struct.pack("<6q", 1, 5, 9, 1, 7, 2)),
            "i32-v2.npy": npy("<i4", [3], struct.pack("<3i", -1, 0, 7), 2),
            "i16-empty.npy": npy("<i2", [0, 4], b""),
            "u8-2.npy": npy("|u1", [2], b"\x00\xff"),
            "i8-3.npy": npy("|i1", [3], b"\x80\x00\x7f"),
            "bool-2x2.npy": npy("|b1", [2, 2], b"\x00\x01\x02\x00"),
        },
        "safetensors": {
            "f32.safetensors": safetensors(
                [("w", "F32", [2, 2], f32(1, 2, 3, 4))]),
            "mixed.safetensors": safetensors([
                ("a", "F16", [3], struct.pack("<3H", 0x3c00, 0x8000, 0x7e00)),
                ("b", "BF16", [1, 2], struct.pack("<2H", 0x3f80, 0xff80)),
                ("c", "F64", [], struct.pack("<d", -0.5))]),
            "empty-tensor.safetensors": safetensors(
                [("e", "F32", [0, 3], b"")], metadata=False),
            "no-tensors.safetensors": safetensors([]),
        },
        "gguf": gguf_seeds(),
    }
    for target, files in seeds.items():
        d = checked_in("corpus", target)
        os.makedirs(d, exist_ok=True)
        for name, data in files.items():
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
    return 0


def main(argv):
    if len(argv) == 2 and argv[1] == "make-seeds":
        return make_seeds()
    if len(argv) == 4 and argv[1] == "collect" and argv[2] in TARGETS:
        print("%s: %d seed inputs" % (argv[2], collect(argv[2], argv[3])))
        return 0
    if len(argv) == 4 and argv[1] in ("replay", "crashes") and \
            argv[3] in TARGETS:
        return (replay if argv[1] == "replay" else crashes)(argv[2], argv[3])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
