"""terra.backends.cpu (torch.backends.cpu)."""


def get_cpu_capability():
    """The widest vector extension terra's kernels may use here."""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            flags = cpuinfo.read()
    except OSError:
        return "DEFAULT"
    if " avx512f" in flags:
        return "AVX512"
    if " avx2" in flags:
        return "AVX2"
    return "DEFAULT"
