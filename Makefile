# Terra: `make demo` builds and runs an example, `make test` runs every test.
# Both install missing system packages first (scripts/install-deps.sh).

BUILD_DIR ?= build
JOBS ?= 2
LLVM_PREFIX ?= /usr/lib/llvm-22
CMAKE_BUILD_TYPE ?= Release

.PHONY: all deps configure build demo test test-tsan bench clean

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD_DIR)/build.ninja: CMakeLists.txt | deps
	cmake -S . -B $(BUILD_DIR) -G Ninja \
	  -DCMAKE_BUILD_TYPE=$(CMAKE_BUILD_TYPE) \
	  -DCMAKE_C_COMPILER=$(LLVM_PREFIX)/bin/clang \
	  -DCMAKE_CXX_COMPILER=$(LLVM_PREFIX)/bin/clang++ \
	  -DMLIR_DIR=$(LLVM_PREFIX)/lib/cmake/mlir \
	  -DLLVM_EXTERNAL_LIT=$(LLVM_PREFIX)/bin/lit

configure: deps $(BUILD_DIR)/build.ninja

build: configure
	@echo "terra: building in $(BUILD_DIR) with $(JOBS) jobs"
	cmake --build $(BUILD_DIR) -j $(JOBS)

demo: build
	@bash scripts/demo.sh $(BUILD_DIR)

test: build
	@bash scripts/test.sh $(BUILD_DIR) $(JOBS)
	@$(MAKE) --no-print-directory test-tsan

# The thread-sharing code (the Python thread / GraphRunner queue) under
# ThreadSanitizer, in a build of its own.
TSAN_DIR ?= build-tsan
test-tsan: deps
	@cmake -S . -B $(TSAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_C_COMPILER=$(LLVM_PREFIX)/bin/clang \
	  -DCMAKE_CXX_COMPILER=$(LLVM_PREFIX)/bin/clang++ \
	  -DCMAKE_CXX_FLAGS=-fsanitize=thread \
	  -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=thread \
	  -DMLIR_DIR=$(LLVM_PREFIX)/lib/cmake/mlir \
	  -DLLVM_EXTERNAL_LIT=$(LLVM_PREFIX)/bin/lit > $(TSAN_DIR).log
	@cmake --build $(TSAN_DIR) -j $(JOBS) --target TerraQueueTests >> $(TSAN_DIR).log
	@TSAN_OPTIONS=halt_on_error=1 $(TSAN_DIR)/test/Unit/TerraQueueTests --gtest_brief=1
	@echo "terra: ThreadSanitizer tests passed"

# QUICK=1: only the model suite, a few steps of each program (a smoke check).
bench: build
	@QUICK=$(QUICK) bash bench/run.sh $(BUILD_DIR)

clean:
	rm -rf $(BUILD_DIR)
