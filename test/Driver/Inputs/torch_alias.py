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

import torch.nn as nn
import torch.nn.functional as F
import torch.nn.init
import torch.nn.utils
import torch.optim
import torch.optim.lr_scheduler
from torch.nn import Linear
from torch.optim import SGD

print("torch.nn is", nn.__name__, nn is terra.nn, F is terra.nn.functional,
      torch.nn.init is terra.nn.init, torch.nn.utils is terra.nn.utils)
print("torch.optim is", torch.optim.__name__, torch.optim is terra.optim,
      torch.optim.lr_scheduler is terra.optim.lr_scheduler,
      Linear is terra.nn.Linear, SGD is terra.optim.SGD)
