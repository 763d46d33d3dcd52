"""`python -m apilint` runs the command line."""

from apilint.cli import main

main()
