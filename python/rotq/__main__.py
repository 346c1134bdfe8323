"""python -m rotq: the common flow from the command line.

    python -m rotq quantize MODEL --method quarot --w-bits 4 --a-bits 4 \\
        --kv-bits 4 --calibration TEXT -o OUT
    python -m rotq eval MODEL OUT [OUT...] --text TEXT
    python -m rotq eval MODEL --pipeline 'rotq-quarot{seed={seed}},...' \\
        --seeds 3 --text TEXT
    python -m rotq plot MODEL [OUT] --text TEXT --linear NAME -o FIG.png
    python -m rotq export MODEL --method quarot -o HF_DIR

MODEL: a Hugging Face checkpoint directory (config.json, *.safetensors,
tokenizer.json) or a GGUF file; OUT: the directory `quantize` writes
(model.mlir reading model.safetensors, calibration.npy, rotq.json) or an
.mlir file.
"""
import argparse
import json
import os
import shutil
import sys
import time

import numpy as np

from . import _progress, api
from ._rotq import Module, RotqError


def _say(msg):
    print(f"rotq: {msg}", file=sys.stderr)


def _tokenizer_of(model):
    """MODEL's tokenizer: its tokenizer.json or the GGUF file itself."""
    if os.path.isdir(model):
        tj = os.path.join(model, "tokenizer.json")
        if not os.path.exists(tj):
            raise RotqError(f"{model}: no tokenizer.json (give --tokenizer)")
        return tj
    if api._is_gguf(model):
        return model
    raise RotqError(f"{model}: not a checkpoint directory or a GGUF file; "
                    "give --tokenizer")


def _model_file(out):
    """OUT of `quantize` (a directory) or an .mlir file."""
    if os.path.isdir(out):
        f = os.path.join(out, "model.mlir")
        if not os.path.exists(f):
            raise RotqError(f"{out}: no model.mlir (not written by "
                            "`python -m rotq quantize`?)")
        return f
    return out


def _check_output_dir(out, model):
    """OUT must not be (or hold) the model it is made from."""
    src = os.path.abspath(model)
    src_dir = src if os.path.isdir(src) else os.path.dirname(src)
    if os.path.abspath(out) == src_dir or (
            os.path.exists(out) and os.path.samefile(out, src_dir)):
        raise RotqError(f"refusing to write into {out}, which holds the "
                        f"model {model}")


def _quantize_pipeline(args, calibration):
    parts = []
    if args.method == "quarot":
        parts.append(api.pipeline_text("quarot", seed=args.seed))
    elif args.method == "duquant":
        parts.append(api.pipeline_text("duquant", seed=args.seed,
                                       calibration=calibration))
    q = {"w_bits": args.w_bits, "a_bits": args.a_bits,
         "kv_bits": args.kv_bits, "w_method": args.w_method,
         "calibration": calibration, "report": True}
    # Always explicit (0 included), so that the printed pipeline says what
    # runs.
    q["protect_directions"] = args.protect_directions
    text = api.pipeline_text("quantize", **q)
    if args.quantize_options:
        text = text[:-1] + " " + args.quantize_options + "}"
    parts.append(text)
    return ",".join(parts)


def cmd_quantize(args):
    start = time.perf_counter()
    model = args.model
    tokenizer = args.tokenizer or _tokenizer_of(model)
    if os.path.exists(args.output) and not os.path.isdir(args.output):
        raise RotqError(f"{args.output} exists and is not a directory")
    _check_output_dir(args.output, model)
    os.makedirs(args.output, exist_ok=True)
    calibration = None
    if args.calibration:
        seqs = api.text_sequences(args.calibration, tokenizer,
                                  seq_len=args.calibration_seq_len,
                                  max_sequences=args.calibration_sequences,
                                  add_bos=args.add_bos)
        calibration = os.path.join(args.output, "calibration.npy")
        np.save(calibration, seqs)
        _say(f"calibration: {seqs.shape[0]} x {seqs.shape[1]} tokens of "
             f"{args.calibration} -> {calibration}")
    else:
        _say("no --calibration text: the passes calibrate on random tokens")
    if args.protect_directions is None:
        # rotq-quantize's own default, written out.
        args.protect_directions = 4 if (args.w_bits <= 4 and calibration
                                        and args.w_method == "rtn") else 0
    pipeline = _quantize_pipeline(args, calibration)
    _say(f"pipeline: {pipeline}")
    t0 = time.perf_counter()
    module = api.load(model)
    t_import = time.perf_counter() - t0
    t0 = time.perf_counter()
    diags = api.apply(module, pipeline)
    t_passes = time.perf_counter() - t0
    for d in diags:
        if d.severity == "warning":
            _say(f"warning: {d.location}: {d.message}")
    # What a runtime must apply besides the weights (the export's sidecar).
    with open(os.path.join(args.output, "online.json"), "w") as f:
        f.write(module.online_report() + "\n")
    t0 = time.perf_counter()
    summary = module.materialize(args.output)
    t_mat = time.perf_counter() - t0
    if os.path.isdir(model) and os.path.exists(
            os.path.join(model, "tokenizer.json")):
        shutil.copyfile(os.path.join(model, "tokenizer.json"),
                        os.path.join(args.output, "tokenizer.json"))
    info = {
        "source": os.path.abspath(model),
        "tokenizer": os.path.abspath(tokenizer),
        "pipeline": pipeline,
        "method": args.method,
        "w_bits": args.w_bits, "a_bits": args.a_bits, "kv_bits": args.kv_bits,
        "tensors": summary["tensors"], "bytes": summary["bytes"],
        "seconds": {"import": t_import, "passes": t_passes,
                    "materialize": t_mat},
        "remarks": [{"location": d.location, "message": d.message}
                    for d in diags if d.severity == "remark"],
    }
    with open(os.path.join(args.output, "rotq.json"), "w") as f:
        json.dump(info, f, indent=1)
    print(f"{args.output}: {summary['tensors']} tensors, "
          f"{summary['bytes'] / 1e6:.1f} MB; import {t_import:.1f} s, passes "
          f"{t_passes:.1f} s, materialize {t_mat:.1f} s, total "
          f"{time.perf_counter() - start:.1f} s")
    return 0


def _eval_table(ref_name, ref, names, rows, summary, positions, what):
    width = max([10, len(ref_name)] + [len(n) for n in names])
    lines = [f"{positions} positions{what}",
             f"{'model':<{width}} {'rel. logit err':>14} {'KL(ref||q)':>12} "
             f"{'top-1':>8} {'perplexity':>12}",
             f"{ref_name:<{width}} {'(reference)':>14} {'':>12} {'':>8} "
             f"{ref['perplexity']:12.3f}"]
    fmt = "{:<{w}} {:14.4f} {:12.5f} {:7.1f}% {:12.3f}"
    for n, r in zip(names, rows):
        lines.append(fmt.format(n, r["rel_logit_error"], r["kl"],
                                100 * r["top1_agreement"], r["perplexity"],
                                w=width))
    if summary:
        for k in ("mean", "min", "max"):
            lines.append(fmt.format(
                f"{k} of {len(rows)}", summary["rel_logit_error"][k],
                summary["kl"][k], 100 * summary["top1_agreement"][k],
                summary["perplexity"][k], w=width))
    return "\n".join(lines)


def cmd_eval(args):
    if args.seeds < 1:
        raise RotqError("--seeds must be at least 1")
    if args.seeds > 1 and not args.pipeline:
        raise RotqError("--seeds needs --pipeline (the seeds are the "
                        "pipeline's)")
    if args.seeds > 1 and "{seed}" not in args.pipeline:
        raise RotqError(f"--seeds {args.seeds}: the pipeline has no {{seed}} "
                        "to vary")
    if args.tokens is None and args.text is None:
        raise RotqError("give --text FILE (or --tokens IDS.npy)")
    if args.tokens is not None:
        seqs = np.load(args.tokens)
        what = f" in {seqs.shape[0] if seqs.ndim == 2 else 1} sequence(s)"
    else:
        tokenizer = args.tokenizer or _tokenizer_of(args.model)
        seqs = api.text_sequences(args.text, tokenizer, seq_len=args.seq_len,
                                  max_sequences=args.max_sequences,
                                  add_bos=args.add_bos)
        what = (f" in {seqs.shape[0]} sequence(s) of {args.seq_len} tokens "
                f"of {args.text}")
    reference = api.load(args.model)
    names, models = [], []
    files = []
    for out in args.outputs:
        f = _model_file(out)
        names.append(os.path.basename(os.path.normpath(out)))
        files.append(f)
        models.append(lambda f=f: api.load(f))
    for s in range(1, args.seeds + 1) if args.pipeline else []:
        text = args.pipeline.replace("{seed}", str(s))

        def transformed(text=text):
            m = reference.clone()
            api.apply(m, text)
            return m
        names.append("pipeline" if "{seed}" not in args.pipeline
                     else f"pipeline, seed {s}")
        files.append(text)
        models.append(transformed)
    if not models:
        raise RotqError("nothing to compare: give OUT directories or "
                        "--pipeline")
    ref, rows = api.evaluate(reference, models, seqs)
    summary = api.summarize(rows) if len(rows) > 1 else None
    if args.json:
        out = {"positions": ref["positions"],
               "reference": {"file": args.model,
                             "perplexity": ref["perplexity"]},
               "models": [dict(r, file=f, name=n)
                          for f, n, r in zip(files, names, rows)]}
        if summary:
            out["summary"] = dict(summary, models=len(rows))
        print(json.dumps(out, indent=2))
    else:
        print(_eval_table(os.path.basename(os.path.normpath(args.model)), ref,
                          names, rows, summary, ref["positions"], what))
    return 0


def cmd_export(args):
    _check_output_dir(args.output, args.model)
    method = args.method
    if method is None:  # an .mlir may be rotated already
        method = "none" if args.model.endswith(".mlir") else "quarot"
    module = api.load(args.model)
    if not module.config and not args.config:
        raise RotqError(f"{args.model}: no config.json known for an .mlir "
                        "file; give --config")
    if method == "quarot":
        api.apply(module, "quarot", seed=args.seed, online_ffn=False,
                  online_attn_output=False, online_qk=False)
    config = None
    if args.config:
        with open(args.config) as f:
            config = f.read()
    s = module.export_hf(args.output, config=config)
    print(f"{args.output}: config.json + model.safetensors ({s['tensors']} "
          f"tensors, {s['bytes'] / 1e6:.1f} MB, float32)")
    return 0


def cmd_plot(args):
    from . import plot
    tokenizer = args.tokenizer or _tokenizer_of(args.model)
    seqs = api.text_sequences(args.text, tokenizer, seq_len=args.seq_len,
                              max_sequences=1, add_bos=args.add_bos)
    before = api.load(args.model)
    if args.output_model:
        after = api.load(_model_file(args.output_model))
    else:
        after = before.clone()
        api.apply(after, args.pipeline)
    path = plot.channel_max(before, after, seqs[0], args.linear, args.output)
    print(path)
    return 0


def main(argv=None):
    p = argparse.ArgumentParser(
        prog="python -m rotq",
        description="rotq: rotation-based low-bit LLM quantization")
    sub = p.add_subparsers(dest="command", required=True)

    q = sub.add_parser("quantize", help="rotate and quantize a model")
    q.add_argument("model", help="HF checkpoint directory or GGUF file")
    q.add_argument("-o", "--output", required=True, help="output directory")
    q.add_argument("--method", choices=["none", "quarot", "duquant"],
                   default="quarot")
    q.add_argument("--w-bits", type=int, default=4)
    q.add_argument("--a-bits", type=int, default=16)
    q.add_argument("--kv-bits", type=int, default=16)
    q.add_argument("--w-method", choices=["rtn", "gptq"], default="rtn")
    q.add_argument("--seed", type=int, default=1, help="rotation draw")
    q.add_argument("--calibration", metavar="TEXT",
                   help="calibration text file (tokenized with the model's "
                        "tokenizer)")
    q.add_argument("--calibration-seq-len", type=int, default=128)
    q.add_argument("--calibration-sequences", type=int, default=8)
    q.add_argument("--add-bos", action="store_true",
                   help="start each calibration sequence with BOS")
    q.add_argument("--protect-directions", type=int, default=None,
                   help="float rank-K correction per linear (default: 4 "
                        "for RTN weights of <= 4 bits with calibration, "
                        "else 0)")
    q.add_argument("--quantize-options", default="",
                   help="more rotq-quantize options, e.g. 'w-clip-min=0.5'")
    q.add_argument("--tokenizer", help="default: the model's")
    q.set_defaults(fn=cmd_quantize)

    e = sub.add_parser("eval", help="perplexity, KL and top-1 against the "
                                    "float model")
    e.add_argument("model", help="the float model: HF directory, GGUF or "
                                 ".mlir")
    e.add_argument("outputs", nargs="*", help="quantized models (OUT "
                                              "directories or .mlir files)")
    e.add_argument("--text", help="text file to measure perplexity on")
    e.add_argument("--tokens", help="instead of --text: token ids (.npy)")
    e.add_argument("--tokenizer", help="default: the model's")
    e.add_argument("--seq-len", type=int, default=512)
    e.add_argument("--max-sequences", type=int, default=0)
    e.add_argument("--add-bos", action="store_true")
    e.add_argument("--pipeline", help="also evaluate the model transformed "
                                      "by this pass pipeline; {seed} is "
                                      "replaced by each seed of --seeds")
    e.add_argument("--seeds", type=int, default=1)
    e.add_argument("--json", action="store_true")
    e.set_defaults(fn=cmd_eval)

    x = sub.add_parser("export", help="a Hugging Face checkpoint of the "
                                      "model with its rotation fused")
    x.add_argument("model", help="HF checkpoint directory, GGUF or .mlir")
    x.add_argument("-o", "--output", required=True, help="output directory")
    x.add_argument("--method", choices=["none", "quarot"], default=None,
                   help="quarot: the residual and head-wise V/O rotations "
                        "and the norm scales fused, no online transform "
                        "(default for checkpoints; none for .mlir files)")
    x.add_argument("--seed", type=int, default=1)
    x.add_argument("--config", help="the config.json to start from "
                                    "(default: the model's)")
    x.set_defaults(fn=cmd_export)

    g = sub.add_parser("plot", help="per-channel max|x| of a linear's input "
                                    "before and after the transforms (PNG)")
    g.add_argument("model")
    g.add_argument("output_model", nargs="?",
                   help="the transformed model (OUT or .mlir)")
    g.add_argument("--text", required=True)
    g.add_argument("--tokenizer")
    g.add_argument("--seq-len", type=int, default=256)
    g.add_argument("--add-bos", action="store_true")
    g.add_argument("--pipeline", default="rotq-quarot{seed=1}",
                   help="without OUTPUT_MODEL: the transforms to plot "
                        "(default: QuaRot, seed 1)")
    g.add_argument("--linear", default=None,
                   help="a linear's module name (default: the input with "
                        "the largest max|x|)")
    g.add_argument("-o", "--output", required=True, help="PNG file")
    g.set_defaults(fn=cmd_plot)

    args = p.parse_args(argv)
    try:
        return args.fn(args)
    except (RotqError, OSError) as err:
        print(f"rotq: error: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
