"""Fixtures: tiny synthetic checkpoints (rotq's --synthesize, seeded) and
the command-line tools of the build tree the package was built against
(ROTQ_BIN_DIR, else ../build/bin), for the tests that compare with them."""
import os
import shutil
import subprocess

import numpy as np
import pytest

import rotq

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
MODELS = os.path.join(REPO, "test", "Inputs", "models")


@pytest.fixture(scope="session")
def bin_dir():
    d = os.environ.get("ROTQ_BIN_DIR", os.path.join(REPO, "build", "bin"))
    if not os.path.exists(os.path.join(d, "rotq-eval")):
        pytest.skip(f"no rotq tools in {d} (set ROTQ_BIN_DIR) to compare with")
    return d


def run_tool(bin_dir, *args):
    r = subprocess.run([os.path.join(bin_dir, args[0]), *args[1:]],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return r.stdout


@pytest.fixture(scope="session")
def checkpoint(tmp_path_factory):
    """A 2-layer Llama (hidden 64, vocab 256) with planted outliers."""
    d = tmp_path_factory.mktemp("ck") / "llama"
    rotq.synthesize(os.path.join(MODELS, "llama-mha.json"), 2, True, str(d))
    return str(d)


@pytest.fixture(scope="session")
def tokens():
    """Two sequences of 24 ids, BOS first."""
    rng = np.random.default_rng(5)
    t = rng.integers(2, 256, size=(2, 24), dtype=np.int64)
    t[:, 0] = 1
    return t
