# -*- Python -*-
import os

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "TERRA"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.terra_obj_root, "test")
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "Inputs", "Utils", "Unit"]

llvm_config.use_default_substitutions()
# LLVM's test tools (`not`, `count`) anywhere in a RUN line.
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
# Every test compiles what it runs: no compiled block comes from the user's
# compile cache (test/Driver/compile-cache.test turns it on in its own
# folder).
config.environment["TERRA_CACHE"] = "0"

config.substitutions.append(("%mlir_lib_dir", config.mlir_lib_dir))
config.substitutions.append(("%terra_lib_dir", config.terra_lib_dir))
config.substitutions.append(
    ("%mlir_runner_libs",
     ",".join([os.path.join(config.mlir_lib_dir, "libmlir_runner_utils.so"),
               os.path.join(config.mlir_lib_dir, "libmlir_c_runner_utils.so"),
               os.path.join(config.terra_lib_dir, "libterra_runtime.so")])))

# PTX is assembled when the CUDA toolkit's ptxas is present.
if os.path.exists(config.cuda_ptxas):
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", config.cuda_ptxas))

tool_dirs = [config.terra_tools_dir, config.llvm_tools_dir]
tools = ["terra-opt", "terra-run", "mlir-opt", "mlir-runner",
         ToolSubst("%python", "/usr/bin/python3", unresolved="ignore")]
llvm_config.add_tool_substitutions(tools, tool_dirs)
