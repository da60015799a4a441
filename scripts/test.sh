#!/usr/bin/env bash
# `make test`: every test through ctest (the lit suite and the C++ unit
# tests), then one summary line. Usage: scripts/test.sh [BUILD_DIR] [JOBS]
set -uo pipefail

BUILD_DIR=${1:-build}
JOBS=${2:-2}
start=$(date +%s)
(cd "$BUILD_DIR" && ctest --output-on-failure -j "$JOBS")
status=$?
log="$BUILD_DIR/Testing/Temporary/LastTest.log"
lit_total=$(grep -m1 -oE 'Total Discovered Tests: [0-9]+' "$log" 2>/dev/null | grep -oE '[0-9]+$' || echo "?")
names=$(grep -oE '^[0-9]+/[0-9]+ Test: .*' "$log" 2>/dev/null | sed 's/^[^:]*: //')
unit_total=$(echo "$names" | grep -cvE '^(lit|python|python-coexec|model-suite-smoke|fuzz-slice|fuzz-dynamic-slice|fuzz-python-slice|fuzz-inputs-slice|docs-up-to-date/.*)$' || true)
python_total=$(grep -oE '^Ran [0-9]+ tests?' "$log" 2>/dev/null | grep -oE '[0-9]+' | head -1 || echo 0)
docs_total=$(echo "$names" | grep -cE '^docs-up-to-date/' || true)
suite_total=$(echo "$names" | grep -cE '^model-suite-smoke$' || true)
fuzz_programs=$(grep -m1 -oE 'terra-fuzz: [0-9]+ programs' "$log" 2>/dev/null | grep -oE '[0-9]+' || echo 0)
dynamic_blocks=$(grep -m1 -oE 'terra-fuzz --dynamic: [0-9]+ seeds \(from [0-9]+\): [0-9]+ blocks' "$log" 2>/dev/null | grep -oE '[0-9]+ blocks' | grep -oE '[0-9]+' || echo 0)
python_programs=$(grep -m1 -oE 'python_programs: [0-9]+ programs' "$log" 2>/dev/null | grep -oE '[0-9]+' || echo 0)
verdict=passed
[ "$status" -eq 0 ] || verdict=FAILED
echo "terra: tests $verdict: $lit_total lit tests, $unit_total C++ unit tests, ${python_total:-0} Python tests (imperative and co-executed), $docs_total docs checks, $suite_total model-suite smoke check, ${fuzz_programs:-0} fuzzed blocks (compiled vs eager), ${dynamic_blocks:-0} fuzzed blocks with dynamic sizes and ${python_programs:-0} fuzzed Python programs (co-executed vs imperative), in $(( $(date +%s) - start ))s"
exit "$status"
