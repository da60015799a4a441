import os
import sys

import helper

print("argv:", sys.argv)
print("__name__:", __name__)
print("__file__:", __file__)
print("path[0] is the script's folder:",
      sys.path[0] == os.path.dirname(os.path.abspath(__file__)))
print("helper:", helper.where)
