"""terra.backends.cudnn (torch.backends.cudnn): no cuDNN in this build; the
flags are settable and have no effect."""

enabled = True
benchmark = False
deterministic = False
allow_tf32 = True
benchmark_limit = 10


def is_available():
    return False


def version():
    return None
