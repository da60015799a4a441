# Imported by show_argv.py from the script's own folder.
where = __file__
