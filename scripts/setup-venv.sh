#!/usr/bin/env bash
# setup-venv.sh [VENV_DIR]
#
# Creates or updates a project-local Python virtual environment (default:
# .venv at the repository root) holding the peers that rotq's comparison tests
# run against: numpy, torch (used on the CPU), transformers 5, safetensors,
# torch-mlir, iree-base-compiler and iree-base-runtime, pinned in
# scripts/peers-requirements.txt and installed with `pip install --no-deps`.
#
# Never fails: for each peer that cannot be had it prints
#   rotq: <peer> not installed: <reason>
# and exits 0, so that tests needing it can skip.  Once everything is in, it
# stamps the venv with a hash of the requirements, this script and the Python
# version; a later run with the same stamp returns at once.
#
# Environment: ROTQ_PYTHON (default python3) makes the venv;
# ROTQ_TORCH_CUDA=pypi installs all of torch's CUDA libraries from PyPI
# instead of using a CUDA 13 toolkit found on the system.
set -u

here="$(cd "$(dirname "$0")" && pwd)"
venv="${1:-$here/../.venv}"
req="$here/peers-requirements.txt"
py="${ROTQ_PYTHON:-python3}"
peers=(numpy torch transformers safetensors torch-mlir iree-base-compiler iree-base-runtime)

say() { echo "rotq: $*"; }
all_missing() {  # reason
  local p
  for p in "${peers[@]}"; do say "$p not installed: $1"; done
  exit 0
}

command -v "$py" >/dev/null 2>&1 || all_missing "no $py to make a venv with"
[ -r "$req" ] || all_missing "cannot read $req"

venv="$(mkdir -p "$venv" 2>/dev/null && cd "$venv" && pwd)" ||
  all_missing "cannot create directory ${1:-$here/../.venv}"
vpy="$venv/bin/python"
stamp_file="$venv/.rotq-peers-stamp"
stamp="$( { cat "$req" "$0"; "$py" -VV; echo "${ROTQ_TORCH_CUDA:-}"; } | sha256sum | cut -c1-32)"

# Fast path: nothing changed since a complete install.
if [ -x "$vpy" ] && [ "$(cat "$stamp_file" 2>/dev/null)" = "$stamp" ]; then
  say "peers venv up to date: $venv"
  exit 0
fi

# One setup at a time per venv (tests may start several).
exec 9>"$venv/.rotq-setup.lock" && flock 9
if [ -x "$vpy" ] && [ "$(cat "$stamp_file" 2>/dev/null)" = "$stamp" ]; then
  say "peers venv up to date: $venv"
  exit 0
fi

# --- the venv itself ---
if [ ! -x "$vpy" ] || ! "$vpy" -c 'import pip' >/dev/null 2>&1; then
  if [ ! -f "$venv/pyvenv.cfg" ] &&
     find "$venv" -mindepth 1 -maxdepth 1 ! -name .rotq-setup.lock | grep -q .; then
    all_missing "$venv exists and is not a virtual environment"
  fi
  if ! "$py" -m venv --clear "$venv" >/dev/null 2>&1; then
    # Debian's python3 needs python3-venv for ensurepip.
    sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo -n"
    if command -v apt-get >/dev/null 2>&1; then
      say "python3 -m venv failed; installing python3-venv"
      DEBIAN_FRONTEND=noninteractive $sudo apt-get update -qq >/dev/null 2>&1
      DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3-venv >/dev/null 2>&1
    fi
    err="$("$py" -m venv --clear "$venv" 2>&1)" ||
      all_missing "$py -m venv failed: $(echo "$err" | tail -n1)"
  fi
  echo '*' >"$venv/.gitignore"  # keep git status clean inside the repository
fi

log="$venv/.rotq-pip.log"
: >"$log"
pip_install() {  # args...: pip install quietly, details to the log
  "$vpy" -m pip install --no-deps --no-input --disable-pip-version-check \
    --progress-bar off --retries 2 --timeout 60 "$@" >>"$log" 2>&1
}
pip_error() {  # the last error pip logged, on one line
  grep -E '^ERROR:' "$log" | tail -n1 | sed 's/^ERROR: *//' | cut -c1-200
}
offline() {
  grep -qiE 'NewConnectionError|Failed to establish a new connection|name resolution|Network is unreachable|No route to host|Connection refused|ConnectTimeout|Read timed out|ProxyError|SSLError' "$log"
}

# --- the pinned packages, all at once; one by one if that fails ---
declare -A failed=()
if ! pip_install -r "$req"; then
  if offline; then
    why="$(grep -oiE 'Failed to establish a new connection: [^'"'"']*|ConnectTimeout[^'"'"']*|Read timed out|ProxyError|SSLError' "$log" | head -n1)"
    reason="PyPI unreachable (${why:-connection failed})"
    for p in "${peers[@]}"; do failed[$p]="$reason"; done
  else
    while read -r line; do
      : >"$log"
      pip_install "$line" || failed[${line%%==*}]="pip: $(pip_error)"
    done < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$req" | grep .)
  fi
fi

# --- torch's CUDA libraries from PyPI when the system has none that fit ---
torch_ok() { "$vpy" -c 'import torch; x = torch.ones(4, 4); assert float((x @ x).sum()) == 64' >/dev/null 2>&1; }
if [ -z "${failed[torch]:-}" ] && { [ "${ROTQ_TORCH_CUDA:-}" = pypi ] || ! torch_ok; }; then
  mapfile -t cuda < <(sed -n 's/^#@cuda-fallback[[:space:]]*//p' "$req")
  : >"$log"
  if ! pip_install "${cuda[@]}"; then
    failed[torch]="its CUDA libraries: $(pip_error)"
  fi
fi

# --- check each peer for real ---
status="$("$vpy" - "$venv" 2>/dev/null <<'EOF'
import subprocess, sys
checks = {
    "numpy": "import numpy",
    "torch": "import torch; x = torch.ones(4, 4); assert float((x @ x).sum()) == 64",
    "transformers": "import transformers; assert transformers.__version__.startswith('5.'), transformers.__version__; from transformers import LlamaConfig",
    "safetensors": "import safetensors.numpy",
    "torch-mlir": "from torch_mlir import fx",
    "iree-base-compiler": "import iree.compiler; import subprocess, sys; subprocess.run([sys.argv[1] + '/bin/iree-compile', '--version'], check=True, capture_output=True)",
    "iree-base-runtime": "import iree.runtime",
}
for peer, code in checks.items():
    r = subprocess.run([sys.executable, "-c", code, sys.argv[1]], capture_output=True, text=True)
    lines = [l for l in r.stderr.strip().splitlines() if l.strip()]
    print(peer, "ok" if r.returncode == 0 else (lines[-1].split(". ")[0][:200] if lines else f"exit {r.returncode}"), sep="\t")
EOF
)"

deps=""  # pinned dependencies that pip could not install
for k in "${!failed[@]}"; do
  [[ " ${peers[*]} " == *" $k "* ]] || deps+="${deps:+, }$k"
done
missing=0
for p in "${peers[@]}"; do
  got="$(printf '%s\n' "$status" | awk -F'\t' -v p="$p" '$1 == p { print $2 }')"
  if [ "$got" != ok ]; then
    missing=$((missing + 1))
    say "$p not installed: ${failed[$p]:-${got:-check did not run}${deps:+ (pip failed for $deps)}}"
  fi
done

if [ "$missing" = 0 ]; then
  echo "$stamp" >"$stamp_file"
  say "peers venv ready: $venv"
else
  rm -f "$stamp_file"
fi
exit 0
