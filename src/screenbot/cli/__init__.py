"""The `screenbot` command: run the bot, chat in the terminal, lint content, report results."""

from __future__ import annotations

import asyncio
import gc
import getpass
import json
import logging
import signal
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from screenbot.app import open_app
from screenbot.channels.console import ConsoleChat
from screenbot.cli.apps import app, banks_app, candidate_app, db_app, run_async
from screenbot.content.catalog import errors, load
from screenbot.content.flows import Flow
from screenbot.content.models import Bank, FreeTextQuestion
from screenbot.errors import ScreenbotError
from screenbot.grading import shared_grader
from screenbot.grading.trial import grade_lines
from screenbot.logs import configure as configure_logs
from screenbot.runner import serve
from screenbot.scheduling import check_schedule
from screenbot.service.grading import GradingWorker
from screenbot.settings import Settings
from screenbot.store.database import open_database
from screenbot.store.migrate import upgrade

log = logging.getLogger("screenbot")


async def _read_line() -> str | None:
    line = await asyncio.to_thread(sys.stdin.readline)
    return line.rstrip("\n") if line else None


async def _chat(settings: Settings, flow: str | None, name: str) -> None:
    async with open_app(settings) as parts:
        if flow is None and len(parts.catalog.open_flows) == 1:
            flow = parts.catalog.open_flows[0].id
        grading = GradingWorker(parts.database, parts.catalog, metrics=parts.metrics)
        grading.start()  # free-text answers are graded beside the chat, as `run` grades them
        try:
            await ConsoleChat(parts.service, name, _read_line, typer.echo).run(flow)
        finally:
            await grading.stop()
            await grading.run_until_idle()  # what this chat left is graded before it closes


@app.command()
def chat(
    flow: Annotated[str | None, typer.Option(help="Flow id to screen for.")] = None,
    as_: Annotated[
        str | None, typer.Option("--as", help="Your name; the same name resumes.")
    ] = None,
) -> None:
    """Take a screening in the terminal, as a candidate."""
    run_async(_chat(Settings(), flow, as_ or getpass.getuser()))


@app.command()
def run() -> None:
    """Run the bot on every channel whose tokens are set; with none, chat in the terminal."""
    settings = Settings()
    if not settings.telegram_enabled and not settings.slack_bot_token:
        typer.echo(
            "No TELEGRAM_BOT_TOKEN or SLACK_BOT_TOKEN is set, so this is a terminal chat.\n"
            "Set them (see the README) to serve candidates on Telegram and Slack."
        )
        run_async(_chat(settings, None, getpass.getuser()))
        return
    configure_logs(settings.log_format)
    run_async(_serve_until_signalled(settings))


def _stop_on_signals() -> asyncio.Event:
    """An event set by SIGINT or SIGTERM: how a process is asked to stop cleanly."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    return stop


def settle_startup_objects() -> None:
    """Keep what startup built (modules, content, clients: some 170,000 objects) out of every
    later garbage collection, once the bot is up. Each full collection walked them all, pausing
    the event loop for 120-210 ms in the middle of candidates' turns; collected once here and
    frozen, they are never walked again, and a full collection takes a few milliseconds."""
    gc.collect()
    gc.freeze()


async def _serve_until_signalled(settings: Settings) -> None:
    stop = _stop_on_signals()

    def ready(port: int) -> None:
        settle_startup_objects()
        log.info("screenbot is running", extra={"http_port": port})

    await serve(settings, stop, ready)


@app.command()
def grade() -> None:
    """Grade free-text answers until stopped, beside bots run with SCREENBOT_GRADING=elsewhere;
    any number of these share the work."""
    settings = Settings()
    configure_logs(settings.log_format)
    run_async(_grade_until_signalled(settings))


async def _grade_until_signalled(settings: Settings) -> None:
    stop = _stop_on_signals()
    async with open_app(settings) as parts:
        worker = GradingWorker(
            parts.database, parts.catalog, metrics=parts.metrics, clock=parts.clock
        )
        worker.start()
        log.info("screenbot is grading")
        await stop.wait()
        await worker.stop()


@banks_app.command("lint")
def banks_lint(
    paths: Annotated[list[Path] | None, typer.Argument(help="Files or folders.")] = None,
) -> None:
    """Check banks and flows; print every problem as FILE:LINE: message; warnings never fail."""
    settings = Settings()
    targets = paths or [settings.banks_dir, settings.flows_dir]
    missing = [p for p in targets if not p.exists()]
    for path in missing:
        typer.echo(f"{path}: no such file or folder", err=True)
    catalog, problems = load(
        [p for p in targets if p.exists()],
        fallback_banks=settings.banks_dir,
        checks=[check_schedule],
    )
    for problem in problems:
        typer.echo(str(problem))
    refused = errors(problems)
    warned = len(problems) - len(refused)
    suggestions = f", {warned} warning(s)" if warned else ""
    if refused or missing:
        typer.echo(f"{len(refused) + len(missing)} problem(s) found{suggestions}.", err=True)
        raise typer.Exit(1)
    typer.echo(f"ok: {len(catalog.banks)} bank(s), {len(catalog.flows)} flow(s){suggestions}.")


@banks_app.command("schema")
def banks_schema(
    out: Annotated[Path, typer.Option(help="Folder to write the schemas to.")] = Path("schemas"),
) -> None:
    """Write JSON Schemas for banks and flows, for editor autocompletion."""
    out.mkdir(parents=True, exist_ok=True)
    for name, model in (("bank", Bank), ("flow", Flow)):
        path = out / f"{name}.schema.json"
        path.write_text(json.dumps(model.model_json_schema(), indent=2) + "\n", encoding="utf-8")
        typer.echo(f"wrote {path}")


class GradeFormat(StrEnum):
    """How `banks grade` prints: a line for people, or a JSON object per answer."""

    TABLE = "table"
    JSON = "json"


@banks_app.command("grade")
def banks_grade(
    path: Annotated[Path, typer.Argument(help="A bank file (linted first).")],
    question: Annotated[str, typer.Option("--question", help="A free-text question's id.")],
    format_: Annotated[GradeFormat, typer.Option("--format")] = GradeFormat.TABLE,
) -> None:
    """Grade answers to a free-text question as the bot would: one JSON object per line on
    stdin ({"answer": "…"}), one result per line out, in the same order."""
    catalog, problems = load([path], fallback_banks=Settings().banks_dir)
    if refused := errors(problems):
        for problem in refused:
            typer.echo(str(problem), err=True)
        raise typer.Exit(1)
    found = [q for bank in catalog.banks.values() for q in bank.questions if q.id == question]
    if not found or not isinstance(found[0], FreeTextQuestion):
        typer.echo(f"error: {path} has no free-text question {question!r}", err=True)
        raise typer.Exit(1)
    try:
        trials = grade_lines(shared_grader(), found[0], sys.stdin)
    except ScreenbotError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    for trial in trials:
        typer.echo(trial.as_json() if format_ is GradeFormat.JSON else trial.as_row())
    if any(t.grade is None for t in trials):
        raise typer.Exit(1)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration."""

    async def go() -> None:
        database = open_database(Settings().database_url)
        try:
            await upgrade(database)
        finally:
            await database.dispose()

    run_async(go())
    typer.echo("database is up to date.")


@candidate_app.command("forget")
def candidate_forget(candidate_id: Annotated[int, typer.Argument(help="Candidate id.")]) -> None:
    """Erase a candidate's personal data and answers."""

    async def go() -> None:
        async with open_app(Settings()) as parts:
            await parts.privacy.forget(candidate_id)

    run_async(go())
    typer.echo(f"candidate {candidate_id} erased.")


@candidate_app.command("export")
def candidate_export(candidate_id: Annotated[int, typer.Argument(help="Candidate id.")]) -> None:
    """Print everything stored about a candidate, as JSON."""

    async def go() -> dict[str, Any]:
        async with open_app(Settings()) as parts:
            return await parts.privacy.export(candidate_id)

    typer.echo(json.dumps(run_async(go()), indent=2, ensure_ascii=False))


# Imported last so that its commands (reports, items, rescore, digest) list after these.
from screenbot.cli import results as _results  # noqa: E402, F401 - adds its commands to the app

__all__ = ["app", "main"]


def main() -> None:
    """The `screenbot` command, as the console script and `python -m screenbot` run it."""
    app()
