"""`python -m apilint` runs the command line.

`python -m` puts the current folder first on `sys.path`. Inside a repository under analysis
that would let a planted `yaml.py` or `rich/` be imported (and run) in place of the real
library, so that entry is dropped before anything else is imported.
"""

import os
import sys

if sys.path and sys.path[0] in ("", os.getcwd()):
    del sys.path[0]

from apilint.cli import main

main()
