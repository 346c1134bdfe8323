# The two entry points: `make demo` and `make check`. Both install what is
# missing (Debian packages), configure and build first.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
MLIR_DIR ?= /usr/lib/llvm-22/lib/cmake/mlir

.PHONY: all deps configure build demo check clean docs

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD_DIR)/build.ninja:
	@$(MAKE) --no-print-directory deps
	cmake -G Ninja -S . -B $(BUILD_DIR) -DMLIR_DIR=$(MLIR_DIR) -DCMAKE_BUILD_TYPE=Release

configure: $(BUILD_DIR)/build.ninja

build: deps configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

demo: build
	@bash scripts/demo.sh $(BUILD_DIR)

check: build
	cmake --build $(BUILD_DIR) -j $(JOBS) --target check-rotq

docs: build
	cmake --build $(BUILD_DIR) --target rotq-docs

clean:
	rm -rf $(BUILD_DIR)
