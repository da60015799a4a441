#!/usr/bin/env bash
# `make bench`: every benchmark as a ratio against a baseline measured in
# the same run: compiled kernels against memcpy bandwidth and OpenBLAS sgemm,
# eager ops, training steps and co-execution against PyTorch 1.13 eager.
# The model suite (bench/suite.py) runs ten programs under all three.
# Results are printed and kept in BUILD_DIR/bench/ (the suite's in
# bench/results/). Usage: [QUICK=1] bench/run.sh [BUILD_DIR]
# QUICK=1 runs only the model suite, a few steps of each program.
set -euo pipefail

BUILD_DIR=${1:-build}
OUT_DIR="$BUILD_DIR/bench"
mkdir -p "$OUT_DIR"

if [ "${QUICK:-}" = 1 ]; then
  echo "== model suite (quick): PyTorch 1.13 eager vs Terra imperative vs co-execution"
  exec /usr/bin/python3 "$(dirname "$0")/suite.py" --build "$BUILD_DIR" --quick \
    --out "$OUT_DIR/suite-quick"
fi

echo "== kernels: fused elementwise chain vs memcpy, matmul vs OpenBLAS sgemm"
{
  echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
  "$BUILD_DIR/bin/terra-kernel-bench"
} | tee "$OUT_DIR/kernels.txt"

echo "== eager ops: Terra's imperative phase vs PyTorch 1.13 eager"
PYTHONPATH="$BUILD_DIR/python" /usr/bin/python3 "$(dirname "$0")/eager/per_op.py" \
  | tee "$OUT_DIR/eager-ops.txt"
echo "== training steps: Terra imperative vs PyTorch 1.13 eager"
PYTHONPATH="$BUILD_DIR/python" /usr/bin/python3 "$(dirname "$0")/eager/training_step.py" \
  | tee "$OUT_DIR/training-steps.txt"
echo "== co-execution: Terra co-execution vs Terra imperative vs PyTorch 1.13 eager"
/usr/bin/python3 "$(dirname "$0")/coexec/coexec.py" "$BUILD_DIR" \
  | tee "$OUT_DIR/coexec.txt"
echo "== model suite: PyTorch 1.13 eager vs Terra imperative vs co-execution"
/usr/bin/python3 "$(dirname "$0")/suite.py" --build "$BUILD_DIR"
echo "== compile latency: cold and warm (compile cache) starts, recompilations"
/usr/bin/python3 "$(dirname "$0")/compile_cache.py" --build "$BUILD_DIR"
echo "== results in $OUT_DIR/ and bench/results/"
