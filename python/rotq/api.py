"""The Python flow over rotq's libraries: load, transform, evaluate."""
import atexit
import os
import shutil
import tempfile
import time

import numpy as np

from . import _progress
from ._rotq import (Compiled, Metrics, Module, RotqError, Tokenizer,
                    outlier_stats, read_text, to_sequences)

# The pipelines by name (rotq-opt --rotq-quarot=..., and so on); any other
# text is taken as a textual pass pipeline as it is.
PIPELINES = {
    "quarot": "rotq-quarot",
    "duquant": "rotq-duquant",
    "quantize": "rotq-quantize",
}

_scratch = None


def _scratch_dir():
    """A directory for files that live as long as this process (GGUF
    tensors dequantized on import, calibration tokens)."""
    global _scratch
    if _scratch is None:
        _scratch = tempfile.mkdtemp(prefix="rotq-")
        atexit.register(shutil.rmtree, _scratch, True)
    return _scratch


def _is_gguf(path):
    try:
        with open(path, "rb") as f:
            return f.read(4) == b"GGUF"
    except OSError:
        return False


def load(path, *, weights=None, progress=None):
    """A model as a Module: an .mlir file, a Hugging Face checkpoint
    directory (config.json, *.safetensors) or a GGUF file. A GGUF file's
    tensors are dequantized to float32 safetensors at `weights` (default: a
    temporary file removed when Python exits)."""
    path = os.fspath(path)
    if os.path.isdir(path) or _is_gguf(path):
        if _is_gguf(path) and weights is None:
            weights = tempfile.mktemp(suffix=".safetensors", dir=_scratch_dir())
        with _progress.bar(f"importing {os.path.basename(path)}",
                           enabled=progress):
            return Module.import_checkpoint(
                path, os.fspath(weights) if weights else None)
    if not os.path.exists(path):
        raise RotqError(f"{path}: no such file or directory")
    with _progress.bar(f"parsing {os.path.basename(path)}", enabled=progress):
        return Module.parse_file(path)


def _option_value(key, value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (np.ndarray, list)) and key == "calibration":
        tokens = np.asarray(value)
        if tokens.dtype.kind not in "iu":
            raise RotqError("calibration tokens must be integer ids")
        fd, path = tempfile.mkstemp(suffix=".npy", dir=_scratch_dir())
        os.close(fd)
        np.save(path, tokens.astype(np.int64))
        return path
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    text = str(value)
    if any(c in text for c in "{} ") and not (text.startswith("'") or
                                              text.startswith('"')):
        raise RotqError(f"option {key}={text!r}: spaces and braces cannot be "
                        "passed in a pipeline option")
    return text


def pipeline_text(pipeline, **options):
    """'quarot' + seed=1 -> 'rotq-quarot{seed=1}'. Option names take '_'
    or '-'; booleans become true/false; calibration= may be token ids (an
    array, saved to a temporary .npy). Any other pipeline text is returned
    as it is (options are then an error)."""
    name = PIPELINES.get(pipeline)
    if name is None:
        if options:
            raise RotqError(f"options {sorted(options)} given with the pass "
                            f"pipeline text '{pipeline}': put them in it")
        return pipeline
    opts = " ".join(f"{k.replace('_', '-')}={_option_value(k, v)}"
                    for k, v in options.items() if v is not None)
    return f"{name}{{{opts}}}" if opts else name


def apply(module, pipeline, *, progress=None, **options):
    """Runs a named pipeline ('quarot', 'duquant', 'quantize') with options,
    or any textual pass pipeline, on `module` in place. Returns the
    diagnostics (the passes' remarks with report=True)."""
    text = pipeline_text(pipeline, **options)
    if not _progress.active(progress):
        return module.run_passes(text)
    with _progress.bar(f"{pipeline}", unit="pass", enabled=True) as b:
        def step(arg, op):
            b.update(1)
            b.set_postfix_str(arg)
        return module.run_passes(text, progress=step)


def load_tokenizer(path):
    """The model's tokenizer: tokenizer.json, a checkpoint directory holding
    one, or a GGUF file."""
    return Tokenizer(os.fspath(path))


def text_sequences(text, tokenizer, seq_len=512, max_sequences=0,
                   add_bos=False, bos=None):
    """A text file tokenized with the model's tokenizer (a Tokenizer or its
    path) and cut into [sequences, seq_len] token ids, exactly as
    `rotq-eval --text` cuts it: with add_bos each sequence starts with BOS
    (`bos`, else the tokenizer's) and seq_len - 1 text tokens follow; a last
    partial sequence is dropped."""
    if not isinstance(tokenizer, Tokenizer):
        tokenizer = load_tokenizer(tokenizer)
    ids = tokenizer.encode(read_text(os.fspath(text)))
    first = None
    if add_bos:
        first = bos if bos is not None else tokenizer.bos_id
        if first is None:
            raise RotqError(f"{tokenizer.path}: no BOS token known; give bos=")
    return to_sequences(ids, seq_len, max_sequences, first)


def _compiled(model):
    if isinstance(model, Compiled):
        return model
    if isinstance(model, Module):
        return model.compile()
    raise RotqError(f"expected a Module or a Compiled model, got {type(model)}")


def _row(metrics):
    return {"rel_logit_error": metrics.rel_logit_error, "kl": metrics.kl,
            "top1_agreement": metrics.top1_agreement,
            "perplexity": metrics.perplexity}


def evaluate(reference, models, sequences, *, progress=None, on_row=None):
    """rotq-eval's metrics: each model (a Module, a Compiled model, or a
    callable returning one, built when its turn comes so that one model at
    a time is in memory) against `reference` on token `sequences` ([N, L]
    or [L]). Returns (reference row, model rows): perplexity; and for the
    models the relative logit error, KL(p_ref || p), top-1 agreement.
    `on_row(i, row, reference_row)`, if given, is called as soon as model i
    is measured (long evaluations can report and save as they go)."""
    seqs = np.asarray(sequences)
    if seqs.ndim == 1:
        seqs = seqs[None, :]
    if seqs.ndim != 2 or seqs.dtype.kind not in "iu":
        raise RotqError("sequences must be integer token ids [N, L] or [L]")
    seqs = seqs.astype(np.int64)
    ref = _compiled(reference)
    ref_metrics = Metrics()
    # The reference's logits go to files (they grow with the text) and are
    # read back, memory-mapped, once per model.
    spill = tempfile.mkdtemp(prefix="ref-", dir=_scratch_dir())
    ref_logits = []
    with _progress.bar("reference", total=len(seqs), unit="seq",
                       enabled=progress) as b:
        for i, s in enumerate(seqs):
            logits = ref.logits(s)
            ref_metrics.add(s, logits, logits)
            path = os.path.join(spill, f"{i}.npy")
            np.save(path, logits)
            ref_logits.append(path)
            del logits
            b.update()
    del ref
    ref_row = {"perplexity": ref_metrics.perplexity,
               "positions": ref_metrics.positions}
    rows = []
    for i, model in enumerate(models):
        start = time.perf_counter()
        if callable(model) and not isinstance(model, (Module, Compiled)):
            model = model()
        compiled = _compiled(model)
        m = Metrics()
        with _progress.bar(f"model {i + 1}/{len(models)}", total=len(seqs),
                           unit="seq", enabled=progress) as b:
            for s, path in zip(seqs, ref_logits):
                rl = np.load(path, mmap_mode="r")
                logits = compiled.logits(s)
                if logits.shape != rl.shape:
                    raise RotqError(f"model {i + 1}: logits {logits.shape}, "
                                    f"the reference's {rl.shape}")
                m.add(s, rl, logits)
                b.update()
        row = _row(m)
        row["seconds"] = time.perf_counter() - start
        rows.append(row)
        del compiled, model
        if on_row is not None:
            on_row(i, row, ref_row)
    shutil.rmtree(spill, True)
    return ref_row, rows


def summarize(rows):
    """Mean, min and max of each metric over model rows (rotation draws)."""
    keys = ["rel_logit_error", "kl", "top1_agreement", "perplexity"]
    out = {}
    for k in keys:
        v = [r[k] for r in rows]
        out[k] = {"mean": sum(x / len(v) for x in v), "min": min(v),
                  "max": max(v)}
    return out


def linear_inputs(module, tokens, func="forward"):
    """[(linears, values)]: the input of every distinct linear layer on
    `tokens` (a 1-D array of ids), in program order, as rotq-outliers
    captures it; `linears` names the linears reading it."""
    t = np.asarray(tokens)
    if t.dtype.kind not in "iu":
        raise RotqError("tokens must be integer ids")
    return module.linear_inputs(t.astype(np.int64), func)


def outliers(module, tokens, block_size=128, func="forward"):
    """rotq-outliers' statistics of every distinct linear input: a list of
    (linears, {max_abs, median_abs, ratio, kurtosis, block, ...})."""
    return [(name, outlier_stats(values, block_size))
            for name, values in linear_inputs(module, tokens, func)]
