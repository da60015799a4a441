#!/usr/bin/env bash
# Installs every system package Terra needs to build, test and benchmark on
# Debian bookworm. Safe to run repeatedly: only missing packages are installed.
set -euo pipefail

PACKAGES=(
  # Compiler toolchain and MLIR 22.
  llvm-22-dev llvm-22-tools libmlir-22-dev mlir-22-tools clang-22 clang-format-22
  # Sanitizer runtimes (make test-tsan).
  libclang-rt-22-dev
  cmake ninja-build ccache make
  # C++ unit tests.
  libgtest-dev
  # Embedded CPython 3.11 and the numerical reference stack.
  python3-dev python3-numpy python3-torch python3-matplotlib
  # Heavy math libraries (OpenBLAS with threads, so PyTorch uses it too).
  libopenblas-dev libopenblas0-pthread libdnnl-dev
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "terra: installing missing packages: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "terra: need root or sudo to install: ${missing[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
