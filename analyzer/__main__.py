"""`python -m apilint` runs the command line.

`python -m` puts the current folder first on `sys.path`. Inside a repository under analysis
that would let a planted `yaml.py` or `rich/` be imported (and run) in place of the real
library, so that entry is dropped before anything else is imported.
"""

import os
import sys

# os and sys are already loaded at start-up; pathlib is not, and importing it here could load
# a planted pathlib.py, so this stays with os.getcwd().
if sys.path and sys.path[0] in ("", os.getcwd()):  # noqa: PTH109
    del sys.path[0]

from apilint.launcher import main

main()
