import os
import sys

import _terra
import terra

terra_dir = os.path.join(os.path.dirname(os.path.dirname(sys.executable)),
                         "python")
print("_terra built in:", "_terra" in sys.builtin_module_names)
print("sys.path[0] is the script's folder:",
      sys.path[0] == os.path.dirname(__file__))
print("sys.path[1] is <bin>/../python:", sys.path[1] == terra_dir)
print("terra from there:", terra.__file__.startswith(terra_dir + os.sep))
