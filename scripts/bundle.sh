#!/usr/bin/env bash
# Packs terra-run into a relocatable tarball (docs/bundle.md):
#
#   terra-<version>-linux-x86_64/
#     bin/terra-run        terra-run-static, stripped (MLIR and LLVM inside)
#     lib/                 libterra_runtime, libpython3.11 and every other
#                          shared library that these, the standard library's
#                          extension modules and NumPy need, except glibc's
#     lib/python3.11/      the standard library (no tests, IDLE or Tk)
#     python/terra, numpy  the terra package and NumPy
#
# terra-run finds lib/ through its RPATH and the standard library through
# the lib/python3.11 beside it, so the tree runs wherever it is unpacked, on
# any x86-64 Linux with glibc 2.36 or newer.
#
# Usage: scripts/bundle.sh [BUILD_DIR]   (terra-run-static must be built)
# Writes BUILD_DIR/terra-<version>-linux-x86_64.tar.xz and prints its path.
set -euo pipefail

BUILD_DIR=$(cd "${1:-build}" && pwd)
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PYTHON_STDLIB=/usr/lib/python3.11
NUMPY_DIR=$(/usr/bin/python3 -c 'import numpy, os; print(os.path.dirname(numpy.__file__))')

source "$ROOT/scripts/gpu-common.sh"
NAME=$BUNDLE_NAME
STAGE=$BUILD_DIR/bundle/$NAME
TARBALL=$BUILD_DIR/$NAME.tar.xz

if [ ! -x "$BUILD_DIR/bin/terra-run-static" ]; then
  echo "terra: $BUILD_DIR/bin/terra-run-static is missing; run 'make bundle'" >&2
  exit 1
fi

echo "terra: staging $STAGE"
rm -rf "$STAGE"
mkdir -p "$STAGE/bin" "$STAGE/lib" "$STAGE/python"
strip -o "$STAGE/bin/terra-run" "$BUILD_DIR/bin/terra-run-static"
cp -L "$BUILD_DIR/lib/libterra_runtime.so" "$STAGE/lib/"

# The standard library without its tests, IDLE, Tk and the deprecated NIS
# module (they bring X11 and Kerberos along), and without Debian's
# sitecustomize (a link into /etc); bytecode is rebuilt on first import.
tar -C "$(dirname "$PYTHON_STDLIB")" -cf - \
  --exclude=__pycache__ --exclude='python3.11/test' \
  --exclude='python3.11/sitecustomize.py' \
  --exclude='_tkinter.*' --exclude='nis.*' --exclude='_test*' \
  --exclude='_ctypes_test.*' --exclude='_xxtestfuzz.*' --exclude='xxlimited*' \
  --exclude='python3.11/idlelib' --exclude='python3.11/tkinter' \
  --exclude='python3.11/turtledemo' --exclude='python3.11/ensurepip' \
  --exclude='python3.11/lib2to3' --exclude='python3.11/site-packages' \
  --exclude='python3.11/dist-packages' --exclude='python3.11/config-3.11-*' \
  "$(basename "$PYTHON_STDLIB")" | tar -C "$STAGE/lib" -xf -
tar -C "$(dirname "$NUMPY_DIR")" -cf - --exclude=__pycache__ \
  --exclude=tests --exclude='*.pyi' numpy | tar -C "$STAGE/python" -xf -
tar -C "$ROOT/python" -cf - --exclude=__pycache__ terra |
  tar -C "$STAGE/python" -xf -

# Shared libraries, to a fixed point: each copied library may need more.
# glibc's libraries stay the host's (they must match its dynamic loader).
is_glibc() {
  case "$1" in
  linux-vdso.so.* | ld-linux-x86-64.so.* | libc.so.* | libm.so.* | \
    libmvec.so.* | libpthread.so.* | libdl.so.* | librt.so.* | \
    libutil.so.* | libresolv.so.* | libanl.so.* | libnsl.so.*) return 0 ;;
  esac
  return 1
}
while :; do
  added=0
  while read -r soname path; do
    if is_glibc "$soname" || [ -e "$STAGE/lib/$soname" ]; then
      continue
    fi
    cp -L "$path" "$STAGE/lib/$soname"
    added=$((added + 1))
  done < <(find "$STAGE" -type f \( -name '*.so*' -o -path '*/bin/*' \) \
             -exec ldd {} + 2>/dev/null |
           awk '$2 == "=>" && $3 ~ /^\// { print $1, $3 }' | sort -u)
  [ "$added" -eq 0 ] && break
done
chmod -R u+w,a+rX "$STAGE"

echo "terra: $(du -sh "$STAGE" | cut -f1) staged; compressing"
tar -C "$BUILD_DIR/bundle" -cf - "$NAME" | xz -T2 -6 >"$TARBALL.tmp"
mv "$TARBALL.tmp" "$TARBALL"
echo "terra: bundle $TARBALL ($(du -h "$TARBALL" | cut -f1))"
