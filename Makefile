# The two entry points: `make demo` and `make check`. Both install what is
# missing (Debian packages), configure and build first.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
MLIR_DIR ?= /usr/lib/llvm-22/lib/cmake/mlir

.PHONY: all deps peers python-package configure build demo check check-gpu bench gpu-cases clean docs

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD_DIR)/build.ninja:
	@$(MAKE) --no-print-directory deps
	cmake -G Ninja -S . -B $(BUILD_DIR) -DMLIR_DIR=$(MLIR_DIR) -DCMAKE_BUILD_TYPE=Release

configure: $(BUILD_DIR)/build.ninja

build: deps configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

demo: build peers
	-@bash scripts/python-package.sh $(BUILD_DIR)
	@bash scripts/demo.sh $(BUILD_DIR)

# The Python peers the comparison tests run against (transformers,
# torch-mlir, IREE) in .venv; tests that need a missing one are skipped and
# the reason is printed here.
peers:
	@bash scripts/setup-venv.sh

# The Python package (python/) built against $(BUILD_DIR) into .venv.
python-package: build peers
	@bash scripts/python-package.sh $(BUILD_DIR)

# The fuzz targets are built first so that the suite replays their saved
# inputs (test/Fuzz); then each fuzzes for its share of one minute.
check: build peers
	@bash scripts/python-package.sh $(BUILD_DIR)
	@bash scripts/fuzz.sh --build-only
	cmake --build $(BUILD_DIR) -j $(JOBS) --target check-rotq
	@bash scripts/fuzz.sh

# The tests that need a GPU (test/GPU); `make check` runs them too where
# rotq-run finds a CUDA driver and a GPU, and skips them elsewhere.
check-gpu: build
	@$(BUILD_DIR)/bin/rotq-run --cuda-check
	cmake --build $(BUILD_DIR) -j $(JOBS) --target check-rotq-gpu

bench: build
	@bash bench/run.sh $(BUILD_DIR)

# For a GPU machine without MLIR/LLVM (only a driver, Python and NumPy):
# the GPU cases and benchmarks compiled ahead of time into .gpu-cases/;
# there, `python3 scripts/gpu_cases.py run .gpu-cases` and `... bench`.
gpu-cases: build
	$$(grep -m1 "^ROTQ_PYTHON:" $(BUILD_DIR)/CMakeCache.txt | cut -d= -f2) scripts/gpu_cases.py prepare $(BUILD_DIR) .gpu-cases

docs: build
	cmake --build $(BUILD_DIR) --target rotq-docs

clean:
	rm -rf $(BUILD_DIR)

# libFuzzer targets (fuzz/; needs clang-22 and libclang-rt-22-dev, else it
# says so and does nothing), built with clang into build-fuzz/: `make fuzz`
# runs each FUZZ_SECONDS_PER_TARGET, going on after a crash; inputs that
# crash are saved in test/Fuzz/Inputs/crashes/<target>/. `make check-fuzz`
# replays the saved inputs (test/Fuzz) and fuzzes one minute in all.
FUZZ_SECONDS_PER_TARGET ?= 300
.PHONY: fuzz check-fuzz
fuzz: deps
	FUZZ_SECONDS_PER_TARGET=$(FUZZ_SECONDS_PER_TARGET) FUZZ_KEEP_GOING=1 bash scripts/fuzz.sh

check-fuzz: build
	@bash scripts/fuzz.sh --build-only
	$$(grep -m1 "^LLVM_EXTERNAL_LIT:" $(BUILD_DIR)/CMakeCache.txt | cut -d= -f2) -sv $(BUILD_DIR)/test/Fuzz
	@bash scripts/fuzz.sh
