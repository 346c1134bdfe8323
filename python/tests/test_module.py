"""Modules, pass pipelines, diagnostics and the runner, against
independent routes (NumPy, the module text, transformers)."""
import os

import numpy as np
import pytest

import rotq

MATMUL = """
func.func @f(%a: tensor<3x4xf32>, %b: tensor<4x2xf32>) -> tensor<3x2xf32> {
  %z = tensor.empty() : tensor<3x2xf32>
  %c = arith.constant 0.0 : f32
  %i = linalg.fill ins(%c : f32) outs(%z : tensor<3x2xf32>) -> tensor<3x2xf32>
  %r = linalg.matmul ins(%a, %b : tensor<3x4xf32>, tensor<4x2xf32>)
                     outs(%i : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %r : tensor<3x2xf32>
}
"""


def test_run_matches_numpy():
    m = rotq.Module.parse(MATMUL)
    f = m.compile("f")
    assert f.arg_types == ["tensor<3x4xf32>", "tensor<4x2xf32>"]
    rng = np.random.default_rng(0)
    a = rng.standard_normal((3, 4)).astype(np.float32)
    b = rng.standard_normal((4, 2)).astype(np.float32)
    (r,) = f(a, b)
    np.testing.assert_allclose(r, a.astype(np.float64) @ b, rtol=1e-5,
                               atol=1e-6)
    # Non-contiguous and float64 inputs are converted.
    (r2,) = f(np.asfortranarray(a), b.astype(np.float64))
    np.testing.assert_array_equal(r, r2)


def test_run_errors():
    f = rotq.Module.parse(MATMUL).compile("f")
    with pytest.raises(rotq.RotqError, match="takes 2 arguments"):
        f(np.zeros((3, 4), np.float32))
    with pytest.raises(rotq.RotqError):
        f(np.zeros((3, 5), np.float32), np.zeros((4, 2), np.float32))
    with pytest.raises(rotq.RotqError, match="no function @g"):
        rotq.Module.parse(MATMUL).compile("g")
    with pytest.raises(rotq.RotqError, match="device must be"):
        rotq.Module.parse(MATMUL).compile("f", device="tpu")


def test_parse_errors(tmp_path):
    with pytest.raises(rotq.RotqError, match="unregistered dialect"):
        rotq.Module.parse('"nope.op"() : () -> ()')
    with pytest.raises(rotq.RotqError, match="no such file"):
        rotq.load(tmp_path / "missing.mlir")


def test_torch_tensors_through_dlpack():
    torch = pytest.importorskip("torch")
    f = rotq.Module.parse(MATMUL).compile("f")
    a, b = torch.randn(3, 4), torch.randn(4, 2)
    (r,) = f(a, b)
    np.testing.assert_allclose(r, (a.double() @ b.double()).numpy(),
                               rtol=1e-5, atol=1e-6)


def test_operations_and_functions(checkpoint):
    m = rotq.load(checkpoint)
    assert m.functions() == ["forward"]
    ops = m.operations()
    # 2 layers x 7 projections + the LM head.
    assert ops["rotq.linear"] == 15
    assert ops["rotq.param"] >= 15
    assert str(m).count("rotq.linear") == 15


def test_pipeline_diagnostics_and_progress(checkpoint):
    m = rotq.load(checkpoint)
    steps = []
    diags = rotq.apply(m, "quarot", seed=1, report=True,
                       progress=False)
    assert all(isinstance(d, rotq.Diagnostic) for d in diags)
    fused = [d for d in diags if "fused the norm weight" in d.message]
    assert len(fused) == 5  # 2 layers x (attention, MLP) norms + final
    assert fused[0].severity == "remark"
    assert fused[0].location == "model.layers.0.input_layernorm"
    assert m.diagnostics[0].message == diags[0].message
    m2 = rotq.load(checkpoint)
    m2.run_passes("rotq-quarot{seed=1}",
                  progress=lambda arg, op: steps.append((arg, op)))
    assert ("rotq-rotate-residual", "func.func") in steps
    assert str(m) == str(m2)  # the same seed, the same rotation


def test_pipeline_errors(checkpoint):
    m = rotq.load(checkpoint)
    with pytest.raises(rotq.RotqError, match="nope"):
        m.run_passes("rotq-quarot,nope")
    with pytest.raises(rotq.RotqError, match="put them in it"):
        rotq.apply(m, "rotq-quarot", seed=1)
    with pytest.raises(rotq.RotqError, match="w-bits"):
        rotq.apply(m, "quantize", w_bits=1)
    # A failing callback stops nothing inside but is raised after the run.
    with pytest.raises(rotq.RotqError, match="progress callback failed"):
        m.run_passes("canonicalize", progress=lambda a, o: 1 / 0)


def test_pipeline_text():
    assert rotq.pipeline_text("quarot", seed=3, fuse_norm_scales=False) == \
        "rotq-quarot{seed=3 fuse-norm-scales=false}"
    assert rotq.pipeline_text("canonicalize,cse") == "canonicalize,cse"
    assert rotq.pipeline_text("quantize") == "rotq-quantize"


def test_save_never_overwrites_inputs(checkpoint, tmp_path):
    m = rotq.load(checkpoint)
    weights = m.parameter_files()
    assert weights and all(w.startswith(checkpoint) for w in weights)
    before = open(weights[0], "rb").read()
    with pytest.raises(rotq.RotqError):
        m.save(weights[0])
    assert open(weights[0], "rb").read() == before
    m.save(tmp_path / "m.mlir")
    again = rotq.load(tmp_path / "m.mlir")
    assert str(again) == str(m)


def test_forward_matches_transformers(checkpoint, tokens):
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    hf = transformers.AutoModelForCausalLM.from_pretrained(
        checkpoint, torch_dtype=torch.float32)
    with torch.no_grad():
        ref = hf(input_ids=torch.from_numpy(tokens[:1])).logits[0].numpy()
    got = rotq.load(checkpoint).compile().logits(tokens[0])
    err = np.linalg.norm(got - ref) / np.linalg.norm(ref)
    assert err < 1e-5, err


def test_quarot_is_exact_and_quantization_is_not(checkpoint, tokens):
    ref = rotq.load(checkpoint)
    rot = ref.clone()
    rotq.apply(rot, "quarot", seed=2)
    q = rot.clone()
    rotq.apply(q, "quantize", w_bits=4, a_bits=4, kv_bits=4,
               calibration=tokens)
    seen = []
    r, rows = rotq.evaluate(ref, [rot, q], tokens,
                            on_row=lambda i, row, rr: seen.append((i, row, rr)))
    # Each row is reported once, in order, as it is measured.
    assert [i for i, _, _ in seen] == [0, 1]
    assert [row for _, row, _ in seen] == rows
    assert all(rr == r for _, _, rr in seen)
    assert rows[0]["rel_logit_error"] < 1e-5
    assert rows[0]["top1_agreement"] == 1.0
    assert rows[1]["rel_logit_error"] > 1e-3
    assert r["positions"] == tokens.size


def test_gguf_load_matches_checkpoint(tmp_path):
    """A GGUF written by the `gguf` package loads (dequantized into a
    temporary file) to the same model as its Hugging Face twin."""
    pytest.importorskip("gguf")
    pytest.importorskip("safetensors")
    import subprocess
    import sys
    from conftest import REPO
    r = subprocess.run([sys.executable,
                        os.path.join(REPO, "test", "Inputs", "gguf_make.py"),
                        "llama", str(tmp_path)], capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stderr
    g = rotq.load(tmp_path / "model.gguf")
    (w,) = g.parameter_files()
    assert os.path.dirname(w) != str(tmp_path)  # not beside the input
    h = rotq.load(tmp_path / "hf")
    t = np.arange(1, 17, dtype=np.int64)
    a, b = g.compile().logits(t), h.compile().logits(t)
    assert np.linalg.norm(a - b) / np.linalg.norm(b) < 1e-6


def test_export_fused_rotation_loads_in_transformers(checkpoint, tokens,
                                                     tmp_path):
    """QuaRot with every transform fused exports as a plain Hugging Face
    checkpoint: transformers' logits on it equal rotq's and the original
    model's."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    ref = rotq.load(checkpoint)
    m = ref.clone()
    rotq.apply(m, "quarot", seed=4, online_ffn=False,
               online_attn_output=False, online_qk=False)
    assert m.online_operations() == []
    s = m.export_hf(tmp_path / "hf", progress=False)
    assert s["tensors"] == 2 * 9 + 3  # per layer 7 linears + 2 norms
    hf = transformers.AutoModelForCausalLM.from_pretrained(
        str(tmp_path / "hf"), torch_dtype=torch.float32)
    with torch.no_grad():
        got = hf(input_ids=torch.from_numpy(tokens[:1])).logits[0].numpy()
    want = m.compile().logits(tokens[0])
    orig = ref.compile().logits(tokens[0])
    assert np.linalg.norm(got - want) / np.linalg.norm(want) < 1e-5
    assert np.linalg.norm(got - orig) / np.linalg.norm(orig) < 1e-5
    # The weights really are rotated.
    from safetensors.numpy import load_file
    a = load_file(str(tmp_path / "hf" / "model.safetensors"))
    b = load_file(os.path.join(checkpoint, "model.safetensors"))
    k = "model.layers.0.mlp.down_proj.weight"
    assert not np.allclose(a[k], b[k].astype(np.float32), atol=1e-3)


def test_export_refuses_online_operations(checkpoint, tmp_path):
    m = rotq.load(checkpoint)
    rotq.apply(m, "quarot", seed=1)  # online Hadamards by default
    ops = m.online_operations()
    assert ops and all(o["op"] == "rotq.hadamard" for o in ops)
    assert any(o["input_of"].endswith("mlp.down_proj") for o in ops)
    with pytest.raises(rotq.RotqError, match="online operation"):
        m.export_hf(tmp_path / "hf", progress=False)
    assert not (tmp_path / "hf" / "config.json").exists()
    q = rotq.load(checkpoint)
    rotq.apply(q, "quantize", w_bits=4, a_bits=4, kv_bits=4)
    kinds = {o["op"] for o in q.online_operations()}
    assert "rotq.qmatmul" in kinds or "rotq.quantize" in kinds
    import json
    rep = json.loads(q.online_report())
    assert rep["count"] == len(q.online_operations())


def test_materialized_module_saved_elsewhere(checkpoint, tokens, tmp_path):
    """A materialized module reads model.safetensors beside it; a copy
    saved in another directory names it absolutely and still runs."""
    m = rotq.load(checkpoint)
    rotq.apply(m, "quarot", seed=1)
    want = m.compile().logits(tokens[0])
    m.materialize(tmp_path / "mat", progress=False)
    # Passes that read the weights (calibration) find them, too.
    q = rotq.load(tmp_path / "mat" / "model.mlir")
    rotq.apply(q, "quantize", w_bits=8, a_bits=8, calibration=tokens)
    (tmp_path / "other").mkdir()
    m2 = rotq.load(tmp_path / "mat" / "model.mlir")
    m2.save(tmp_path / "other" / "copy.mlir")
    got = rotq.load(tmp_path / "other" / "copy.mlir").compile().logits(
        tokens[0])
    np.testing.assert_array_equal(got, want)


def test_token_ids_out_of_range(checkpoint):
    f = rotq.load(checkpoint).compile()
    with pytest.raises(rotq.RotqError, match="outside the vocabulary"):
        f.logits(np.array([1, 256], np.int64))
    with pytest.raises(rotq.RotqError, match="integer"):
        rotq.linear_inputs(rotq.load(checkpoint), np.array([1.5, 2.0]))


def test_diagnostics_are_copies(checkpoint):
    m = rotq.load(checkpoint)
    rotq.apply(m, "quarot", seed=1, report=True, progress=False)
    d = m.diagnostics
    first = d[0].message
    m.run_passes("canonicalize")
    assert d[0].message == first


def test_export_never_into_the_source(checkpoint, tmp_path):
    m = rotq.load(checkpoint)
    rotq.apply(m, "quarot", seed=1, online_ffn=False,
               online_attn_output=False, online_qk=False)
    before = open(os.path.join(checkpoint, "config.json")).read()
    with pytest.raises(rotq.RotqError, match="refusing to export"):
        m.export_hf(checkpoint, progress=False)
    assert open(os.path.join(checkpoint, "config.json")).read() == before
    # A config that describes other tensors than the model has.
    import json
    cfg = json.loads(before)
    cfg["num_hidden_layers"] = 3
    with pytest.raises(rotq.RotqError, match="no weight model.layers.2"):
        m.export_hf(tmp_path / "hf", config=json.dumps(cfg), progress=False)
