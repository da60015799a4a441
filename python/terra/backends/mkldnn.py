"""terra.backends.mkldnn (torch.backends.mkldnn): terra's eager convolution
does not go through PyTorch's oneDNN path; the flag is accepted."""

enabled = True


def is_available():
    return False
