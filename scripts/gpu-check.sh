#!/usr/bin/env bash
# The GPU checks for a machine with an NVIDIA GPU and none of Debian's
# packages (docs/gpu.md), in two steps:
#
#   scripts/gpu-check.sh prepare [BUILD_DIR [PROGRAM...]]   here: the bundle,
#       and the blocks that PROGRAMs (default dcgan resnet50 bert_cls)
#       compile, as --dump-ir writes them, in BUILD_DIR/gpu-check/blocks
#   scripts/gpu-check.sh run [BUILD_DIR]                    on the GPU machine,
#       with BUILD_DIR/terra-*.tar.xz and BUILD_DIR/gpu-check carried there:
#       unpacks the bundle, then `terra-run --check-gpu` (a small block) and
#       `terra-run --check-gpu BLOCK...` (each block on the GPU against the
#       CPU); the report also goes to $OUT/gpu-check.txt when OUT is set.
set -euo pipefail

mode=${1:-}
BUILD_DIR=${2:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$ROOT/scripts/gpu-common.sh"
NAME=$BUNDLE_NAME

case "$mode" in
prepare)
  shift 2 || shift $#
  PROGRAMS=("$@")
  [ ${#PROGRAMS[@]} -gt 0 ] || PROGRAMS=(dcgan resnet50 bert_cls)
  make -C "$ROOT" --no-print-directory bundle BUILD_DIR="$BUILD_DIR"
  BUILD_DIR=$(cd "$BUILD_DIR" && pwd)
  blocks=$BUILD_DIR/gpu-check/blocks
  rm -rf "$BUILD_DIR/gpu-check"
  mkdir -p "$blocks"
  dumps=$(mktemp -d)
  trap 'rm -rf "$dumps"' EXIT
  for program in "${PROGRAMS[@]}"; do
    dump_suite_blocks "$BUILD_DIR/bin/terra-run" "$program" \
      "$dumps/$program" /dev/null
    for block in "$dumps/$program"/block*.0-terra.mlir; do
      cp "$block" "$blocks/$program-$(basename "$block" .0-terra.mlir).mlir"
    done
  done
  echo "terra: $(ls "$blocks" | wc -l) blocks in $blocks; carry" \
    "$BUILD_DIR/$NAME.tar.xz and $BUILD_DIR/gpu-check to the GPU machine"
  ;;
run)
  report=${OUT:-/tmp}/gpu-check.txt
  prefix=/tmp/terra-gpu-check
  rm -rf "$prefix"
  mkdir -p "$prefix"
  tar -C "$prefix" -xf "$BUILD_DIR/$NAME.tar.xz"
  terra_run=$prefix/$NAME/bin/terra-run
  {
    nvidia-smi -L 2>&1 || true
    status=0
    "$terra_run" --check-gpu || status=1
    "$terra_run" --check-gpu "$BUILD_DIR"/gpu-check/blocks/*.mlir || status=1
    echo "terra: GPU check exit status $status"
  } 2>&1 | tee "$report"
  grep -q 'GPU check exit status 0' "$report"
  ;;
*)
  echo "usage: scripts/gpu-check.sh prepare|run [BUILD_DIR [PROGRAM...]]" >&2
  exit 2
  ;;
esac
