"""`python -m screenbot`: the same command as `screenbot`."""

from screenbot.cli import main

main()
