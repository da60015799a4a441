# Sourced by the bundle and GPU scripts (ROOT: the checkout).

# The bundle's name, as `make bundle` writes it: terra-<version>-linux-x86_64.
BUNDLE_NAME=terra-$(sed -n 's/^project(terra VERSION \([0-9.]*\).*/\1/p' \
  "$ROOT/CMakeLists.txt")-linux-x86_64

# dump_suite_blocks TERRA_RUN PROGRAM DIR LOG: runs bench/programs/PROGRAM.py
# for two measured steps with --dump-ir DIR, enough for every hot block to
# be recorded and compiled (TERRA_COMPILE_WAIT), which writes its
# terra-dialect module as DIR/blockN.0-terra.mlir; its output goes to LOG.
dump_suite_blocks() {
  (cd "$ROOT/bench/programs" &&
    BENCH_STEPS=2 BENCH_WARMUP=1 TERRA_CACHE=0 TERRA_COMPILE_WAIT=1 \
      "$1" --torch --dump-ir "$3" "$2.py" >"$4" 2>&1)
}
