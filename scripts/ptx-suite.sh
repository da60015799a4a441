#!/usr/bin/env bash
# Every block that the model-suite programs (bench/programs) compile, lowered
# with terra-lower-to-nvvm and its PTX assembled with ptxas for sm_80 and
# sm_90: the GPU path's compile check on machines without a GPU.
#
# Each program runs two measured steps with --dump-ir, which writes the
# terra-dialect module of every block it compiles. Each distinct block is
# lowered for sm_80 (test/NVVM lowers every op family for sm_90 as well);
# each distinct kernel module is assembled for sm_80 and, as the same PTX
# JIT-compiles on newer GPUs, for sm_90.
#
# Usage: scripts/ptx-suite.sh [BUILD_DIR [PROGRAM...]]   (default: all ten)
set -euo pipefail

BUILD_DIR=$(cd "${1:-build}" && pwd)
shift || true
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PTXAS=${PTXAS:-/usr/local/cuda/bin/ptxas}
JOBS=${JOBS:-2}
source "$ROOT/scripts/gpu-common.sh"
PROGRAMS=("$@")
if [ ${#PROGRAMS[@]} -eq 0 ]; then
  PROGRAMS=(dropblock sdpoint bert_cls bert_qa gpt2 music_transformer dcgan
            resnet50 faster_rcnn yolov3)
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() {
  echo "terra: PTX check failed: $1" >&2
  exit 1
}

# Lowers one block (a file) and writes its kernels' PTX beside the others
# of its program; prints nothing on success.
lower_block() {
  local block=$1 out=$2
  "$BUILD_DIR/bin/terra-opt" "$block" -terra-lower-to-nvvm="chip=sm_80" \
    >"$out.mlir" 2>"$out.log" || { cat "$out.log"; echo "lowering failed: $block"; return 1; }
  # A block whose outputs are views of its inputs launches nothing.
  grep -q 'gpu.launch_func' "$out.mlir" || { rm -f "$out.mlir"; return 0; }
  python3 "$ROOT/test/Utils/extract-ptx.py" "$out.ptx" <"$out.mlir" >/dev/null ||
    { echo "no PTX in the lowered $block"; return 1; }
  rm -f "$out.mlir"
}
export -f lower_block
export BUILD_DIR ROOT

total_blocks=0
total_modules=0
for program in "${PROGRAMS[@]}"; do
  start=$(date +%s)
  dump=$work/$program
  dump_suite_blocks "$BUILD_DIR/bin/terra-run" "$program" "$dump" \
    "$work/$program.log" ||
    { cat "$work/$program.log"; fail "$program did not run"; }
  blocks=$(ls "$dump"/block*.0-terra.mlir 2>/dev/null | wc -l)
  [ "$blocks" -gt 0 ] || fail "$program compiled no block"

  # Distinct blocks, lowered $JOBS at a time.
  mkdir -p "$work/lowered/$program"
  md5sum "$dump"/block*.0-terra.mlir | sort -k1,1 -u |
    awk -v out="$work/lowered/$program" '{ print $2, out "/" $1 }' |
    xargs -P "$JOBS" -n 2 bash -c 'lower_block "$0" "$1"' ||
    fail "$program: a block did not lower (above)"

  # Distinct kernel modules, assembled for both chips.
  modules=$(find "$work/lowered/$program" -name '*.ptx' -type f -exec md5sum {} + |
    sort -k1,1 -u | awk '{ print $2 }')
  count=$(echo "$modules" | grep -c . || true)
  for chip in sm_80 sm_90; do
    echo "$modules" | xargs -P "$JOBS" -I{} sh -c \
      '"$0" -arch="$1" "$2" -o /dev/null 2>"$2.$1.log" || { cat "$2.$1.log"; echo "ptxas rejected $2 for $1"; exit 255; }' \
      "$PTXAS" "$chip" {} || fail "$program: ptxas rejected a kernel (above)"
  done
  echo "terra: $program: $blocks blocks, $count distinct kernel modules, PTX assembled for sm_80 and sm_90 ($(( $(date +%s) - start ))s)"
  total_blocks=$((total_blocks + blocks))
  total_modules=$((total_modules + count))
done
echo "terra: PTX of ${#PROGRAMS[@]} model-suite programs: $total_blocks blocks, $total_modules distinct kernel modules assembled for sm_80 and sm_90"
