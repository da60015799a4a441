# A folder without __main__.py: not runnable as a script.
