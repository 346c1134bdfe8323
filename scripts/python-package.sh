#!/usr/bin/env bash
# python-package.sh [BUILD_DIR] [VENV_DIR]
#
# Builds and installs the Python package (python/) into the project's venv
# (default .venv), linking the C++ libraries of BUILD_DIR (default build)
# instead of building them again: `pip install ./python` with
# ROTQ_BUILD_DIR set, without build isolation (scikit-build-core and
# nanobind come pinned from scripts/peers-requirements.txt). The pytest
# suite (test/Python) then runs against it.
#
# Where the venv or the build tools are missing (PyPI unreachable), it prints
#   rotq: python package not installed: <reason>
# and exits 0, so that the tests skip; a build error of the package itself
# is a failure (exit 1).
set -u
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
build="$(cd "${1:-$root/build}" 2>/dev/null && pwd)" || {
  echo "rotq: python package not installed: no build directory ${1:-build}"; exit 0; }
venv="${2:-$root/.venv}"
vpy="$venv/bin/python"
skip() { echo "rotq: python package not installed: $*"; exit 0; }

[ -x "$vpy" ] || skip "no $vpy (scripts/setup-venv.sh makes it)"
missing="$("$vpy" -c '
import importlib.util as u
print(" ".join(m for m in ("numpy", "nanobind", "scikit_build_core", "pytest")
               if u.find_spec(m) is None))' 2>&1)" || skip "$vpy does not run"
[ -z "$missing" ] || skip "the venv lacks $missing (scripts/setup-venv.sh installs them)"
[ -f "$build/RotqTargets.cmake" ] || skip "$build has no RotqTargets.cmake (configure and build rotq first)"

log="$venv/.rotq-python-package.log"
echo "rotq: building the Python package against $build"
if ! ROTQ_BUILD_DIR="$build" "$vpy" -m pip install --no-deps --no-build-isolation \
     --no-input --disable-pip-version-check --progress-bar off \
     "$root/python" >"$log" 2>&1; then
  grep -E "error|Error" "$log" | head -n 20
  echo "rotq: error: building the Python package failed (log: $log)"
  exit 1
fi
echo "rotq: python package installed in $venv"
