"""terra.optim: optimizers and learning-rate schedulers with torch.optim's
names, hyper-parameters and (torch 1.13) update formulas."""

from .optimizer import Optimizer
from .sgd import SGD
from .adam import Adam, AdamW
from .rmsprop import RMSprop
from .adagrad import Adagrad
from .adadelta import Adadelta
from . import lr_scheduler

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad",
           "Adadelta", "lr_scheduler"]
