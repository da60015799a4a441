#!/usr/bin/env bash
# `make demo`: runs an imperative training script with terra-run
# (docs/examples/train_mlp.py), then shows the compiler on
# docs/examples/mlp.mlir (a two-layer perceptron in the terra dialect):
# fused, lowered for the CPU and run, and lowered to PTX.
# Usage: scripts/demo.sh [BUILD_DIR]
set -euo pipefail

BUILD_DIR=${1:-build}
LLVM_PREFIX=${LLVM_PREFIX:-/usr/lib/llvm-22}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
EXAMPLE="$ROOT/docs/examples/mlp.mlir"
TERRA_OPT="$BUILD_DIR/bin/terra-opt"
LIBS="$LLVM_PREFIX/lib/libmlir_runner_utils.so,$LLVM_PREFIX/lib/libmlir_c_runner_utils.so,$BUILD_DIR/lib/libterra_runtime.so"

echo "== terra-run docs/examples/train_mlp.py (imperative training)"
"$BUILD_DIR/bin/terra-run" "$ROOT/docs/examples/train_mlp.py"

echo "== the compiler on $EXAMPLE"
echo "-- terra ops in the program:"
grep -o 'terra\.[a-z_0-9]*' "$EXAMPLE" | sort | uniq -c | sort -rn | sed 's/^/   /'

echo "-- after convert-terra-to-linalg and elementwise fusion:"
"$TERRA_OPT" "$EXAMPLE" -convert-terra-to-linalg -terra-fuse-elementwise \
  | grep -oE 'linalg\.[a-z_]+' | grep -vE 'linalg\.(index|yield)' \
  | sort | uniq -c | sort -rn | sed 's/^/   /'

echo "-- terra-lower-to-cpu, run with mlir-runner (softmax probabilities, argmax):"
"$TERRA_OPT" "$EXAMPLE" -terra-lower-to-cpu \
  | "$LLVM_PREFIX/bin/mlir-runner" -e main -entry-point-result=void -shared-libs="$LIBS" \
  | grep -v '^Unranked Memref'

echo "-- terra-lower-to-nvvm (sm_90, PTX):"
kernels=$("$TERRA_OPT" "$EXAMPLE" -terra-lower-to-nvvm="chip=sm_90" | grep -o '\.entry' | wc -l)
echo "   $kernels GPU kernels in the gpu.binary"
echo "== done"
