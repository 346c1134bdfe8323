"""The figure of the QuaRot and DuQuant papers: per-channel max|x| of a
linear layer's input before and after the transforms (matplotlib, an
optional dependency)."""
import numpy as np

from . import api
from ._rotq import RotqError


def _pick(inputs, linear):
    if linear is None:
        return max(range(len(inputs)),
                   key=lambda i: float(np.abs(inputs[i][1]).max()))
    for i, (name, _) in enumerate(inputs):
        names = name.split(",")
        prefix = names[0].rsplit(".", 1)[0]
        full = [names[0]] + [prefix + "." + n for n in names[1:]]
        if linear in full or linear == name:
            return i
    raise RotqError(f"no linear named {linear!r}; the inputs are: " +
                    ", ".join(n for n, _ in inputs))


def channel_max(before, after, tokens, linear, path):
    """Writes a PNG of max over `tokens` of |x| per channel at the input of
    `linear` (a module name, e.g. 'model.layers.3.mlp.down_proj'; None: the
    input with the largest max|x|) of the Module `before` and, if given,
    of `after` (matched by position among the distinct linear inputs).
    Returns `path`."""
    try:
        # A Figure of its own: no pyplot state, no change of the backend.
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as e:
        raise RotqError("plots need matplotlib (pip install matplotlib): "
                        f"{e}") from None
    ins_b = api.linear_inputs(before, tokens)
    i = _pick(ins_b, linear)
    panels = [("before", ins_b[i])]
    if after is not None:
        ins_a = api.linear_inputs(after, tokens)
        if len(ins_a) != len(ins_b):
            raise RotqError(f"the models have {len(ins_b)} and {len(ins_a)} "
                            "distinct linear inputs (compare float models: "
                            "quantized linears are not captured)")
        if ins_a[i][0] != ins_b[i][0]:
            raise RotqError(f"the models' inputs differ: {ins_b[i][0]} and "
                            f"{ins_a[i][0]}")
        panels.append(("after", ins_a[i]))
    fig = Figure(figsize=(6 * len(panels), 3.6))
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, len(panels), squeeze=False)
    for ax, (label, (name, values)) in zip(axes[0], panels):
        v = np.abs(values.reshape(-1, values.shape[-1])).max(axis=0)
        # A line, not bars: at figure resolution thin bars alias away the
        # very channels the plot is about.
        ax.plot(np.arange(v.size), v, lw=0.7, color="tab:blue")
        ax.set_ylim(bottom=0)
        ax.set_title(f"{label}: max|x| {v.max():.3g}, median "
                     f"{np.median(v):.3g}", fontsize=9)
        ax.set_xlabel("channel")
        ax.set_ylabel("max |x| over tokens")
    fig.suptitle(f"input of {ins_b[i][0]}", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return path
