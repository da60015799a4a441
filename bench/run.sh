#!/usr/bin/env bash
# `make bench`: the compiler's kernel benchmarks, each as a ratio against a
# baseline measured in the same run (memcpy bandwidth, OpenBLAS sgemm).
# Results are printed and kept in BUILD_DIR/bench/. Usage: bench/run.sh [BUILD_DIR]
set -euo pipefail

BUILD_DIR=${1:-build}
OUT_DIR="$BUILD_DIR/bench"
mkdir -p "$OUT_DIR"

echo "== kernels: fused elementwise chain vs memcpy, matmul vs OpenBLAS sgemm"
{
  echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
  "$BUILD_DIR/bin/terra-kernel-bench"
} | tee "$OUT_DIR/kernels.txt"
echo "== results in $OUT_DIR/kernels.txt"
