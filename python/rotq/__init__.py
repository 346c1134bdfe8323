"""rotq: rotation-based low-bit quantization of LLMs (QuaRot, DuQuant) as
an MLIR compiler, from Python.

    import rotq
    model = rotq.load("SmolLM2-135M-Instruct.Q4_1.gguf")   # or an HF dir, .mlir
    quant = model.clone()
    rotq.apply(quant, "quarot", seed=1)
    rotq.apply(quant, "quantize", w_bits=4, a_bits=4, kv_bits=4,
               calibration=tokens)                       # token ids [N, L]
    seqs = rotq.text_sequences("text.txt", "SmolLM2-135M-Instruct.Q4_1.gguf",
                               seq_len=256)
    ref, rows = rotq.evaluate(model, [quant], seqs)
    print(ref["perplexity"], rows[0]["perplexity"], rows[0]["kl"])

Everything runs in rotq's C++ libraries (the extension module rotq._rotq):
the pass pipelines, the JIT-compiled CPU (or GPU) code and the metrics,
which are rotq-eval's own, so results match the command-line tools bit for
bit. `python -m rotq quantize|eval|plot` is the command line.
"""
from ._rotq import (  # noqa: F401
    Compiled,
    Diagnostic,
    Metrics,
    Module,
    RotqError,
    Tokenizer,
    cuda_available,
    outlier_stats,
    read_text,
    synthesize,
    to_sequences,
)
from .api import (  # noqa: F401
    PIPELINES,
    apply,
    evaluate,
    linear_inputs,
    load,
    load_tokenizer,
    outliers,
    pipeline_text,
    summarize,
    text_sequences,
)

__version__ = "0.1.0"
