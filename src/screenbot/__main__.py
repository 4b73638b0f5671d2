"""`python -m screenbot`: the same command as `screenbot`."""

from screenbot.cli import main

if __name__ == "__main__":  # not again in a child process that imports this module
    main()
