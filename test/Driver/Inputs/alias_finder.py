# AliasFinder (the mechanism of --torch) on a stand-in package: "fk" -> fakepkg.
import sys

import terra._torch_alias

sys.meta_path.insert(0, terra._torch_alias.AliasFinder("fk", "fakepkg"))

import fk.nn.functional as F
from fk.nn import functional
import fakepkg

print("relu(-3):", F.relu(-3))
print("same modules:", sys.modules["fk"] is fakepkg, F is fakepkg.nn.functional,
      functional is F)
print("specs kept:", fakepkg.__spec__.name, F.__spec__.name)
try:
    import fk.missing
except ModuleNotFoundError as error:
    print("missing:", error, "| name:", error.name)
try:
    import fk.broken
except ModuleNotFoundError as error:
    print("broken:", error)
