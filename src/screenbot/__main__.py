"""The `screenbot` command and `python -m screenbot`.

The console script imports this module, not the command line itself: a grading child process
(`grading/process.py`) starts by importing the script that started its parent, and should not
pay for the whole application it never uses.
"""


def main() -> None:
    """Run the `screenbot` command."""
    from screenbot.cli import main as command

    command()


if __name__ == "__main__":
    main()
