"""terra.backends.mps (torch.backends.mps): Apple's Metal is not a Terra
backend."""


def is_available():
    return False


def is_built():
    return False
