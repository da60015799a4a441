# Children started with sys.executable (subprocess, multiprocessing's spawn)
# are terra-runs too, and get the interpreter flags back.
import multiprocessing
import subprocess
import sys


def square(x):
    return x * x


if __name__ == "__main__":
    child = subprocess.run(
        [sys.executable, *subprocess._args_from_interpreter_flags(), "-c",
         "import sys; print('child:', sys.argv, sys.flags.dont_write_bytecode,"
         " '_terra' in sys.builtin_module_names)"],
        capture_output=True, text=True)
    print(child.stdout, end="")
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        print("spawned pool:", pool.map(square, [1, 2, 3]))
