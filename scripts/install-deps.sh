#!/usr/bin/env bash
# Installs what building and testing rotq needs, if it is missing.
# Debian 12 (bookworm) packages only; safe to run repeatedly.
set -euo pipefail

need=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
for p in cmake ninja-build g++ make python3 python3-numpy \
         libmlir-22-dev mlir-22-tools llvm-22-dev llvm-22-tools \
         libgtest-dev libgmock-dev zlib1g-dev libzstd-dev libxml2-dev libedit-dev \
         clang-22 libclang-rt-22-dev; do
  have_pkg "$p" || need+=("$p")
done

if ((${#need[@]})); then
  echo "rotq: installing ${need[*]}"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# ptxas is optional: GPU assembly tests run only where the CUDA toolkit is.
if ! command -v ptxas >/dev/null && [ ! -x /usr/local/cuda/bin/ptxas ]; then
  echo "rotq: note: no ptxas found; tests that assemble PTX will be skipped"
fi
