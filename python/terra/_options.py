"""Run-wide options of Terra, set by terra-run before the program starts.

terra-run --imperative sets ``imperative``; terra-run --torch (through
``terra._torch_alias.install``) sets ``torch_alias``. Under a plain python3
they keep these defaults.
"""

#: Run every op eagerly and never co-execute (terra-run --imperative).
imperative = False

#: ``import torch`` resolves to terra (terra-run --torch).
torch_alias = False
