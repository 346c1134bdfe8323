#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ with clang into build-fuzz/ and runs
# each for a while, starting from seeds taken from the tests. Inputs that
# crash, time out or run out of memory are saved under
# test/Fuzz/Inputs/crashes/<target>/, where test/Fuzz replays them.
#
#   scripts/fuzz.sh [--build-only] [TARGET...]    (npy safetensors config gguf mlir)
#
#   FUZZ_SECONDS             total fuzzing time, split over the targets (60)
#   FUZZ_SECONDS_PER_TARGET  per target instead (make fuzz: 300)
#   FUZZ_KEEP_GOING=1        go on after a crash (libFuzzer -fork=1), to find
#                            more than one per target
#   FUZZ_MLIR=0              leave out the MLIR target (its build takes minutes)
#   FUZZ_BUILD_DIR           build-fuzz     FUZZ_CXX   clang++ of LLVM 22
#   FUZZ_JOBS                compile jobs (2)
#
# Without clang or its libFuzzer runtime this prints why and exits 0; it
# exits 1 when a target crashed, timed out or ran out of memory.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

build_only=0
targets=()
for a in "$@"; do
  case $a in
    --build-only) build_only=1 ;;
    npy|safetensors|config|gguf|mlir) targets+=("$a") ;;
    *) echo "fuzz.sh: unknown argument '$a'" >&2; exit 2 ;;
  esac
done
if ((${#targets[@]} == 0)); then
  targets=(npy safetensors config gguf)
  [ "${FUZZ_MLIR:-1}" = 0 ] || targets+=(mlir)
fi

skip() { echo "fuzz: skipped: $*"; exit 0; }
cxx=${FUZZ_CXX:-/usr/lib/llvm-22/bin/clang++}
[ -x "$cxx" ] || cxx=$(command -v clang++-22 || true)
[ -n "$cxx" ] || skip "no clang++ of LLVM 22 (Debian package clang-22)"
# libFuzzer ships apart from clang (Debian: libclang-rt-22-dev); a one-line
# target tells whether it links.
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
echo 'extern "C" int LLVMFuzzerTestOneInput(const char *, unsigned long) {
  return 0; }' > "$probe/p.cpp"
"$cxx" -fsanitize=fuzzer,address,undefined "$probe/p.cpp" -o "$probe/p" \
    2>/dev/null ||
  skip "$cxx cannot link -fsanitize=fuzzer (Debian package libclang-rt-22-dev)"

bdir=${FUZZ_BUILD_DIR:-build-fuzz}
mkdir -p "$bdir"
# Keeps the whole build directory out of git without touching .gitignore.
echo '*' > "$bdir/.gitignore"
cmake -G Ninja -S fuzz -B "$bdir" -DCMAKE_CXX_COMPILER="$cxx" \
  -DCMAKE_C_COMPILER="$(dirname "$cxx")/clang" \
  -DMLIR_DIR="${MLIR_DIR:-/usr/lib/llvm-22/lib/cmake/mlir}" \
  -DROTQ_FUZZ_MLIR="$([[ " ${targets[*]} " == *" mlir "* ]] && echo ON ||
                      echo OFF)" >"$bdir/configure.log" 2>&1 ||
  { cat "$bdir/configure.log"; exit 1; }
cmake --build "$bdir" -j "${FUZZ_JOBS:-2}" \
  --target "${targets[@]/#/rotq-fuzz-}"
((build_only)) && exit 0

# Scratch files of the targets and of libFuzzer's -fork jobs stay in the
# build directory (a crashed job leaves its own behind).
export TMPDIR=$(cd "$bdir" && pwd)/tmp
rm -rf "$TMPDIR" && mkdir -p "$TMPDIR"
# Stacks for UBSan reports too, symbolized.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
sym=$(dirname "$cxx")/llvm-symbolizer
[ -x "$sym" ] && export ASAN_SYMBOLIZER_PATH=${ASAN_SYMBOLIZER_PATH:-$sym}

secs=${FUZZ_SECONDS_PER_TARGET:-$(( ${FUZZ_SECONDS:-60} / ${#targets[@]} ))}
((secs > 0)) || secs=1
failed=()
for t in "${targets[@]}"; do
  seeds=$bdir/seeds/$t work=$bdir/corpus/$t logs=$bdir/logs
  crashes=$root/test/Fuzz/Inputs/crashes/$t
  rm -rf "$seeds"
  mkdir -p "$work" "$logs" "$crashes"
  before=$(ls "$crashes" | wc -l)
  python3 fuzz/corpus.py collect "$t" "$seeds"
  flags=(-max_total_time="$secs" -timeout=10 -rss_limit_mb=2048
         -artifact_prefix="$crashes/" -print_final_stats=1 -dict="fuzz/$t.dict")
  # The first directory collects what the run discovers (kept in the build
  # directory between runs); the seeds are only read.
  [ "${FUZZ_KEEP_GOING:-0}" = 1 ] &&
    flags+=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
  echo "fuzz: $t for ${secs}s (log: $logs/$t.log)"
  rc=0
  "$bdir/bin/rotq-fuzz-$t" "${flags[@]}" "$work" "$seeds" \
    >"$logs/$t.log" 2>&1 || rc=$?
  # What went wrong, once per kind and place, and where inputs were saved.
  grep -E 'ERROR: (AddressSanitizer|libFuzzer)|Test unit written to|runtime error|^Done [0-9]+ runs|INFO: exiting' \
    "$logs/$t.log" | sed -E 's/^==[0-9]+==//; s/( on address| at pc) .*//' |
    awk '{ k = /runtime error/ ? $1 : $0 } !seen[k]++ { print "  " $0 }' |
    head -40 || true
  found=$(( $(ls "$crashes" | wc -l) - before ))
  rmdir "$crashes" 2>/dev/null || true
  if ((rc != 0 || found > 0)); then
    failed+=("$t")
  fi
done
if ((${#failed[@]})); then
  echo "fuzz: FAILED: ${failed[*]} (inputs saved under test/Fuzz/Inputs/crashes/)"
  exit 1
fi
echo "fuzz: no crash in ${targets[*]}"
