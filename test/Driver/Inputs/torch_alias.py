import sys

import torch
import terra
import terra._options

print("torch is", torch.__name__, torch is terra, sys.modules["torch"] is terra)
print("terra keeps its spec:", terra.__spec__.name)
print("torch_alias:", terra._options.torch_alias)
try:
    import torch.xyz
except ModuleNotFoundError as error:
    print("ModuleNotFoundError:", error, "| name:", error.name)

import torch.autograd

print("torch.autograd is", torch.autograd.__name__,
      torch.autograd is terra.autograd)
