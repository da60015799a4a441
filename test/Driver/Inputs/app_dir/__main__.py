import sys

print("app_dir main, argv:", sys.argv)
