#!/usr/bin/env bash
# Unpacks the bundle (`make bundle`) into an empty folder and runs a CPU
# training program with its terra-run (test/Bundle/bundle_check.py): once
# with LD_LIBRARY_PATH and PYTHONHOME pointing inside it, once with neither
# and nothing else set, checking each time that every module, shared library
# and sys.path entry came from inside the bundle, that blocks ran compiled,
# and that the losses equal the build tree's terra-run's.
#
# Usage: scripts/test-bundle.sh [BUILD_DIR]
set -euo pipefail

BUILD_DIR=$(cd "${1:-build}" && pwd)
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CHECK=$ROOT/test/Bundle/bundle_check.py
source "$ROOT/scripts/gpu-common.sh"
NAME=$BUNDLE_NAME
TARBALL=$BUILD_DIR/$NAME.tar.xz

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/unpacked"
tar -C "$work/unpacked" -xf "$TARBALL"
prefix=$work/unpacked/$NAME

# Nothing from this machine's environment: no PYTHONPATH, no cache folder.
clean_env=(env -i PATH=/usr/bin:/bin HOME="$work" TERRA_CACHE=0
           TERRA_COMPILE_WAIT=1)
"${clean_env[@]}" \
  "$BUILD_DIR/bin/terra-run" "$CHECK" - >"$work/reference.txt"

fail() {
  echo "terra: bundle test failed: $1" >&2
  exit 1
}
check_run() {
  local label=$1 output=$2
  grep -q '^compiled passes: yes$' "$output" ||
    fail "$label: no block ran compiled"
  diff <(grep '^step ' "$work/reference.txt") <(grep '^step ' "$output") \
    >/dev/null || fail "$label: losses differ from the build tree's terra-run"
  grep '^bundle: ' "$output" | sed "s/^/terra: $label: /"
}

"${clean_env[@]}" LD_LIBRARY_PATH="$prefix/lib" PYTHONHOME="$prefix" \
  "$prefix/bin/terra-run" "$CHECK" "$prefix" >"$work/with-env.txt" ||
  { cat "$work/with-env.txt"; fail "with LD_LIBRARY_PATH and PYTHONHOME"; }
check_run "with LD_LIBRARY_PATH and PYTHONHOME" "$work/with-env.txt"

"${clean_env[@]}" "$prefix/bin/terra-run" "$CHECK" "$prefix" \
  >"$work/plain.txt" ||
  { cat "$work/plain.txt"; fail "without LD_LIBRARY_PATH and PYTHONHOME"; }
check_run "without them" "$work/plain.txt"

echo "terra: bundle test passed ($(du -h "$TARBALL" | cut -f1) tarball," \
  "$(du -sh "$prefix" | cut -f1) unpacked)"
