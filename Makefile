# Terra: `make demo` builds and runs an example, `make test` runs every test.
# Both install missing system packages first (scripts/install-deps.sh).

BUILD_DIR ?= build
JOBS ?= 2
LLVM_PREFIX ?= /usr/lib/llvm-22
CMAKE_BUILD_TYPE ?= Release

.PHONY: all deps configure build demo test test-tsan test-asan test-asan-full \
	test-tsan-full fuzz bench bundle test-bundle test-ptx clean

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
	@$(MAKE) --no-print-directory test-asan
	@$(MAKE) --no-print-directory test-bundle
	@$(MAKE) --no-print-directory test-ptx

# The relocatable bundle (docs/bundle.md): terra-run with MLIR and LLVM
# linked statically, the shared libraries it needs, Python's standard
# library and NumPy, in BUILD_DIR/terra-<version>-linux-x86_64.tar.xz.
bundle: build
	@cmake --build $(BUILD_DIR) -j $(JOBS) --target terra-run-static
	@bash scripts/bundle.sh $(BUILD_DIR)

# Every block of the ten model-suite programs lowered with
# terra-lower-to-nvvm and its PTX assembled with ptxas for sm_80 and sm_90
# (scripts/ptx-suite.sh; about 7 minutes on 2 cores). PTX_PROGRAMS="a b"
# checks only those.
test-ptx: build
	@JOBS=$(JOBS) bash scripts/ptx-suite.sh $(BUILD_DIR) $(PTX_PROGRAMS)

# The bundle unpacked into an empty folder runs a training program with
# nothing from outside it but glibc (scripts/test-bundle.sh).
test-bundle: bundle
	@bash scripts/test-bundle.sh $(BUILD_DIR)

# $(call sanitized_build,DIR,SANITIZER): configures DIR as a build with
# LLVM's LLVM_USE_SANITIZER (Thread, or Address;Undefined).
sanitized_build = cmake -S . -B $(1) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_C_COMPILER=$(LLVM_PREFIX)/bin/clang \
	  -DCMAKE_CXX_COMPILER=$(LLVM_PREFIX)/bin/clang++ \
	  "-DLLVM_USE_SANITIZER=$(2)" \
	  -DMLIR_DIR=$(LLVM_PREFIX)/lib/cmake/mlir \
	  -DLLVM_EXTERNAL_LIT=$(LLVM_PREFIX)/bin/lit > $(1).log

# The thread-sharing code (the Python thread / GraphRunner queue) under
# ThreadSanitizer, in a build of its own.
TSAN_DIR ?= build-tsan
test-tsan: deps
	@$(call sanitized_build,$(TSAN_DIR),Thread)
	@cmake --build $(TSAN_DIR) -j $(JOBS) --target TerraQueueTests >> $(TSAN_DIR).log
	@TSAN_OPTIONS=halt_on_error=1 $(TSAN_DIR)/test/Unit/TerraQueueTests --gtest_brief=1
	@echo "terra: ThreadSanitizer tests passed"

# The eager kernels and the runner under AddressSanitizer and
# UndefinedBehaviorSanitizer, in a build of their own (no MLIR: the
# runtime's unit tests and the fuzzer's generator driving every kernel with
# random and ill-typed ops), and libFuzzer on the compile-cache reader.
ASAN_DIR ?= build-asan
test-asan: deps
	@$(call sanitized_build,$(ASAN_DIR),Address;Undefined)
	@cmake --build $(ASAN_DIR) -j $(JOBS) --target TerraEagerTests \
	  TerraRuntimeTests TerraQueueTests TerraCudaTests terra-fuzz-eager \
	  terra-fuzz-cache >> $(ASAN_DIR).log
	@export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1; \
	  $(ASAN_DIR)/test/Unit/TerraEagerTests --gtest_brief=1 && \
	  $(ASAN_DIR)/test/Unit/TerraRuntimeTests --gtest_brief=1 && \
	  $(ASAN_DIR)/test/Unit/TerraQueueTests --gtest_brief=1 && \
	  TERRA_CUDA_DRIVER=$(ASAN_DIR)/test/Unit/libFakeCudaDriver.so \
	    $(ASAN_DIR)/test/Unit/TerraCudaTests --gtest_brief=1 \
	    --gtest_filter='FakeDriver.*' && \
	  $(ASAN_DIR)/bin/terra-fuzz-eager --programs 300 && \
	  $(ASAN_DIR)/bin/terra-fuzz-cache -runs=20000 -seed=1 \
	    > $(ASAN_DIR)/cache-fuzz.log 2>&1 && tail -1 $(ASAN_DIR)/cache-fuzz.log
	@echo "terra: AddressSanitizer and UndefinedBehaviorSanitizer tests passed"

# Everything under AddressSanitizer and UndefinedBehaviorSanitizer: the
# trace, compiler and co-execution unit tests and terra-run programs
# (scripts/asan-programs.sh). Not part of `make test`: an instrumented build
# of the MLIR-heavy libraries takes long on two cores.
ASAN_FULL_DIR ?= build-asan-full
# $(call libfuzz,NAME,RUNS): runs terra-fuzz-NAME on its corpus
# (ASAN_FULL_DIR/NAME-corpus) for RUNS inputs; the log's last line shows.
libfuzz = ASAN_OPTIONS=detect_leaks=0 $(ASAN_FULL_DIR)/bin/terra-fuzz-$(1) \
	  $(ASAN_FULL_DIR)/$(1)-corpus -runs=$(2) -seed=1 \
	  > $(ASAN_FULL_DIR)/$(1)-fuzz.log 2>&1 \
	  && tail -1 $(ASAN_FULL_DIR)/$(1)-fuzz.log
test-asan-full: deps
	@$(call sanitized_build,$(ASAN_FULL_DIR),Address;Undefined) \
	  -DTERRA_FUZZ_COVERAGE=ON
	@cmake --build $(ASAN_FULL_DIR) -j $(JOBS) --target TerraTraceTests \
	  TerraCompilerTests TerraCoExecutionTests terra-run >> $(ASAN_FULL_DIR).log
	@export ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1; \
	  $(ASAN_FULL_DIR)/test/Unit/TerraTraceTests --gtest_brief=1 && \
	  $(ASAN_FULL_DIR)/test/Unit/TerraCompilerTests --gtest_brief=1 && \
	  $(ASAN_FULL_DIR)/test/Unit/TerraCoExecutionTests --gtest_brief=1
	@bash scripts/sanitized-programs.sh $(ASAN_FULL_DIR)
	@cmake --build $(ASAN_FULL_DIR) -j $(JOBS) --target terra-fuzz-dialect \
	  terra-fuzz-load _terra TerraDialectTests >> $(ASAN_FULL_DIR).log
	@$(ASAN_FULL_DIR)/test/Unit/TerraDialectTests --gtest_brief=1
	@rm -rf $(ASAN_FULL_DIR)/dialect-corpus $(ASAN_FULL_DIR)/load-corpus
	@/usr/bin/python3 tools/terra-fuzz/mutate_inputs.py corpus \
	  --out $(ASAN_FULL_DIR)/dialect-corpus
	@$(call libfuzz,dialect,20000)
	@/usr/bin/python3 tools/terra-fuzz/mutate_inputs.py checkpoint \
	  --out $(ASAN_FULL_DIR)/load-corpus
	@$(call libfuzz,load,5000)

# The same under ThreadSanitizer: the trace, compiler and co-execution unit
# tests and the programs.
TSAN_FULL_DIR ?= build-tsan-full
test-tsan-full: deps
	@$(call sanitized_build,$(TSAN_FULL_DIR),Thread)
	@cmake --build $(TSAN_FULL_DIR) -j $(JOBS) --target TerraTraceTests \
	  TerraCompilerTests TerraCoExecutionTests terra-run >> $(TSAN_FULL_DIR).log
	@export TSAN_OPTIONS=halt_on_error=1; \
	  $(TSAN_FULL_DIR)/test/Unit/TerraTraceTests --gtest_brief=1 && \
	  $(TSAN_FULL_DIR)/test/Unit/TerraCompilerTests --gtest_brief=1 && \
	  $(TSAN_FULL_DIR)/test/Unit/TerraCoExecutionTests --gtest_brief=1
	@bash scripts/sanitized-programs.sh $(TSAN_FULL_DIR)

# Differential fuzzing for SECONDS seconds, on both cores at once: compiled
# blocks against the eager kernels (terra-fuzz), and random Python programs
# co-executed against --imperative (python_programs.py); then 4000 seeds of
# blocks with symbolic sizes (terra-fuzz --dynamic), 2000 damaged
# checkpoints through terra.load and 300 mutated terra-dialect files
# through terra-opt (mutate_inputs.py). Findings
# (minimised blocks, programs with both outputs) in BUILD_DIR/fuzz-findings.
SECONDS ?= 60
fuzz: build
	@seed=$$(date +%s); \
	$(BUILD_DIR)/bin/terra-fuzz --seconds $(SECONDS) --seed $$seed \
	  --out $(BUILD_DIR)/fuzz-findings & blocks=$$!; \
	/usr/bin/python3 tools/terra-fuzz/python_programs.py --build $(BUILD_DIR) \
	  --seconds $(SECONDS) --seed $$seed --out $(BUILD_DIR)/fuzz-findings; \
	programs=$$?; wait $$blocks; blocks=$$?; \
	$(BUILD_DIR)/bin/terra-fuzz --dynamic --programs 4000 --seed $$seed; \
	dynamic=$$?; \
	/usr/bin/python3 tools/terra-fuzz/mutate_inputs.py load --build $(BUILD_DIR) \
	  --count 2000 --seed $$seed --out $(BUILD_DIR)/fuzz-findings; loads=$$?; \
	/usr/bin/python3 tools/terra-fuzz/mutate_inputs.py terra-opt --build $(BUILD_DIR) \
	  --count 300 --seed $$seed --out $(BUILD_DIR)/fuzz-findings; texts=$$?; \
	test $$blocks -eq 0 -a $$programs -eq 0 -a $$dynamic -eq 0 -a \
	  $$loads -eq 0 -a $$texts -eq 0

# QUICK=1: only the model suite, a few steps of each program (a smoke check).
bench: build
	@QUICK=$(QUICK) bash bench/run.sh $(BUILD_DIR)

clean:
	rm -rf $(BUILD_DIR)
