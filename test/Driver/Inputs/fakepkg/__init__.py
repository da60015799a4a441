# A stand-in target package for testing terra._torch_alias.AliasFinder.
