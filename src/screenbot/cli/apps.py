"""The `screenbot` command's typer apps, shared by the modules that add commands to them."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

import typer

from screenbot.errors import ScreenbotError

T = TypeVar("T")

app = typer.Typer(
    help="screenbot: first-round screening of backend candidates.",
    no_args_is_help=True,
    add_completion=False,
)
banks_app = typer.Typer(help="Write and check question banks and flows.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
candidate_app = typer.Typer(help="Data-subject requests.", no_args_is_help=True)
items_app = typer.Typer(help="Question statistics and calibration.", no_args_is_help=True)
app.add_typer(banks_app, name="banks")
app.add_typer(db_app, name="db")
app.add_typer(candidate_app, name="candidate")
app.add_typer(items_app, name="items")


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Run a command's coroutine; an error meant for people is printed and exits with 2."""
    try:
        return asyncio.run(coro)
    except ScreenbotError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
