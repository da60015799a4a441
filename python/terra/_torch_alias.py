"""``import torch`` as terra: the import hook behind ``terra-run --torch``.

After ``install()``, importing ``torch`` gives the ``terra`` module itself and
``torch.X`` gives ``terra.X`` (the same module objects, so ``torch.Tensor is
terra.Tensor``). A torch module that terra does not have raises
ModuleNotFoundError naming the torch module and pointing at
docs/torch-compat.md.
"""

import importlib
import importlib.abc
import importlib.util
import sys

from . import _options


class AliasFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Resolves the package ``alias`` and its submodules to ``target``."""

    def __init__(self, alias, target):
        self.alias = alias
        self.target = target

    def _target_name(self, fullname):
        if fullname == self.alias:
            return self.target
        if fullname.startswith(self.alias + "."):
            return self.target + fullname[len(self.alias):]
        return None

    def find_spec(self, fullname, path=None, target=None):
        target_name = self._target_name(fullname)
        if target_name is None:
            return None
        try:
            module = importlib.import_module(target_name)
        except ModuleNotFoundError as error:
            # Only a missing target module is unsupported; a module that
            # exists but fails to import reports its own error.
            missing = error.name or ""
            if not (target_name == missing or
                    target_name.startswith(missing + ".")) or \
                    missing == self.target:
                raise
            module = self._attribute_module(target_name)
            if module is None:
                raise ModuleNotFoundError(
                    f"{self.target} has no {fullname} (terra-run --torch): "
                    f"see docs/torch-compat.md", name=fullname) from None
        spec = importlib.util.spec_from_loader(fullname, self)
        spec._terra_module = module
        return spec

    @staticmethod
    def _attribute_module(target_name):
        """A module that the target's parent package holds as an attribute
        without it being importable by name (None if there is none)."""
        parent, _, child = target_name.rpartition(".")
        value = getattr(sys.modules.get(parent), child, None)
        return value if isinstance(value, type(sys)) else None

    def create_module(self, spec):
        module = spec._terra_module
        # module_from_spec overwrites __spec__; keep the target's own.
        spec._terra_own_spec = getattr(module, "__spec__", None)
        return module

    def exec_module(self, module):
        # The target module ran when find_spec imported it: only put its
        # own spec back.
        alias_spec = module.__spec__
        if alias_spec._terra_own_spec is not None:
            module.__spec__ = alias_spec._terra_own_spec
        del alias_spec._terra_module, alias_spec._terra_own_spec


_finder = AliasFinder("torch", "terra")


def install():
    """Makes ``import torch`` resolve to terra from now on (idempotent)."""
    if _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)
    _options.torch_alias = True


def uninstall():
    """Undoes ``install()``; already imported torch modules stay."""
    if _finder in sys.meta_path:
        sys.meta_path.remove(_finder)
    _options.torch_alias = False
