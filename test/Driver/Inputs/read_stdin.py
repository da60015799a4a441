import sys

first = input()
rest = sys.stdin.read()
print("first:", repr(first))
print("rest:", repr(rest))
