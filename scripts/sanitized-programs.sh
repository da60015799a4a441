#!/usr/bin/env bash
# `make test-asan-full` and `make test-tsan-full`: terra-run programs built
# with AddressSanitizer and UndefinedBehaviorSanitizer, or with
# ThreadSanitizer (an instrumented build of everything): the demo,
# every co-execution feature program, the gradient programs, changing
# shapes, the CNN under --torch, and four model-suite programs cold and
# warm (compile cache). Fails on a nonzero status or any sanitizer report.
# Usage: scripts/sanitized-programs.sh BUILD_DIR
set -uo pipefail
BUILD_DIR=$(cd "${1:-build-asan-full}" && pwd)
RUN="$BUILD_DIR/bin/terra-run"
INPUTS=test/Driver/Inputs
LOG="$BUILD_DIR/sanitized-programs.log"
# CPython's own allocations are not leaks of Terra's.
export ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1
export TSAN_OPTIONS=halt_on_error=0
# OpenBLAS's own threads synchronise in ways ThreadSanitizer cannot see
# (uninstrumented spin loops): its calls run on the calling thread here.
export OPENBLAS_NUM_THREADS=1
export TERRA_COMPILE_WAIT=1 TERRA_CACHE=1 TERRA_CACHE_DIR="$BUILD_DIR/cache"
rm -rf "$TERRA_CACHE_DIR" "$LOG"
failed=0 runs=0
run() {
  runs=$((runs + 1))
  if ! (cd "${DIR:-.}" && timeout 900 "$@") >> "$LOG" 2>&1; then
    echo "sanitized-programs: FAILED: $*"
    failed=$((failed + 1))
  fi
}
run "$RUN" docs/examples/train_mlp.py
for f in third_party print_every_n data_dependent_branch python_random_branch \
    data_dependent_trip_count recursion exceptions generators_and_closures \
    global_side_effects list_of_tensors shape_changes dropout \
    no_grad_evaluation; do
  run "$RUN" "$INPUTS/coexec_features.py" "$f"
done
for f in slices clamps conv_transpose in_place residual; do
  run "$RUN" "$INPUTS/coexec_gradients.py" "$f"
done
run "$RUN" "$INPUTS/varying_shapes.py" lengths 12
run "$RUN" "$INPUTS/varying_shapes.py" last-batch
run "$RUN" --torch "$INPUTS/train_torch.py" cnn
export BENCH_STEPS=6 BENCH_WARMUP=2
for p in sdpoint bert_cls yolov3 faster_rcnn; do
  for start in cold warm; do
    DIR=bench/programs run "$RUN" --torch "$p.py"
  done
done
reports=$(grep -cE 'ERROR: AddressSanitizer|runtime error:|WARNING: ThreadSanitizer' "$LOG")
echo "sanitized-programs: $runs runs, $failed failed, $reports sanitizer reports (log: $LOG)"
[ "$failed" -eq 0 ] && [ "$reports" -eq 0 ]
