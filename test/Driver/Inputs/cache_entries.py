"""Spoils every entry of a Terra compile cache, the ways a disk or another
build can: cache_entries.py (truncate | damage | foreign) DIR."""
import os
import sys

how, directory = sys.argv[1], sys.argv[2]
entries = [os.path.join(directory, name) for name in os.listdir(directory)
           if name.endswith(".tobj")]
if not entries:
    sys.exit("no cache entries in " + directory)
for path in entries:
    with open(path, "rb") as f:
        data = bytearray(f.read())
    if how == "truncate":
        data = data[:len(data) // 2]
    elif how == "damage":
        data[-100] ^= 0xFF  # In the object code, past the header.
    elif how == "foreign":
        # The writer's identity starts "terra <version>": another version.
        start = data.index(b"terra ")
        data[start + 6:start + 7] = b"9"
    else:
        sys.exit("unknown spoiling: " + how)
    with open(path, "wb") as f:
        f.write(data)
print("%s %d entries" % (how, len(entries)))
