"""Console entry point: replay an unchanged run (`apilint.replay`), else start the command line.

Kept to the standard library until a run is needed: importing typer, rich, libcst and the
rules costs more than a whole replayed run.
"""

from __future__ import annotations

import sys


def main() -> None:
    """`apilint ...`: answer from a replay record when every input is unchanged."""
    from apilint.replay import replay

    code = replay(sys.argv[1:])
    if code is not None:
        raise SystemExit(code)
    from apilint.cli import main as cli_main

    cli_main()
