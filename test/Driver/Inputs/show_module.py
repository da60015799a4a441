# Run with terra-run -m show_module.
import sys

print("__name__:", __name__)
print("argv:", sys.argv)
