"""Results for recruiters and admins: reports, item statistics and calibration, rescoring,
digests on demand."""

from __future__ import annotations

from dataclasses import asdict
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from screenbot.app import open_app
from screenbot.channels.slack.client import SlackPoster, web_client
from screenbot.cli.apps import app, items_app, run_async
from screenbot.errors import ScreenbotError
from screenbot.recruiting.digests import Digests
from screenbot.recruiting.fairness import fairness
from screenbot.recruiting.item_calibration import calibrate_banks, summary
from screenbot.recruiting.item_stats import item_stats_for
from screenbot.recruiting.item_stats_output import table as stats_table
from screenbot.recruiting.item_stats_output import to_csv as stats_csv
from screenbot.recruiting.item_stats_output import to_json as stats_json
from screenbot.recruiting.report import results, to_csv, to_json
from screenbot.recruiting.rescore import describe, rescore_flow
from screenbot.settings import Settings


class ReportFormat(StrEnum):
    """The formats `screenbot report` writes."""

    CSV = "csv"
    JSON = "json"


class StatsFormat(StrEnum):
    """The formats `screenbot items stats` writes."""

    TABLE = "table"
    CSV = "csv"
    JSON = "json"


@app.command()
def report(
    flow: Annotated[str, typer.Argument(help="Flow id.")],
    format_: Annotated[ReportFormat, typer.Option("--format")] = ReportFormat.CSV,
    output: Annotated[Path | None, typer.Option(help="File to write; default stdout.")] = None,
    fairness_: Annotated[
        bool,
        typer.Option(
            "--fairness",
            help="Selection rates by city, work model and experience band instead, with the "
            "four-fifths rule flagged.",
        ),
    ] = False,
) -> None:
    """Export a flow's results: one row per candidate (or, with --fairness, per group)."""

    async def go() -> str:
        async with open_app(Settings()) as parts:
            target = parts.catalog.flow(flow)
            if fairness_:
                rows = [asdict(r) for r in await fairness(parts.database, target)]
            else:
                rows = await results(parts.database, target)
        return to_csv(rows) if format_ is ReportFormat.CSV else to_json(rows)

    text = run_async(go())
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")


@items_app.command("calibrate")
def items_calibrate(
    bank: Annotated[str | None, typer.Option(help="Only this bank; default every bank.")] = None,
) -> None:
    """Fit every automatically scored question's 2PL parameters from the stored answers and
    store them: screenings use them once a question has SCREENBOT_MIN_ANSWERS_TO_CALIBRATE
    answers. Finished screenings keep their scores (see `rescore`)."""

    async def go() -> list[str]:
        settings = Settings()
        async with open_app(settings) as parts:
            outcomes = await calibrate_banks(
                parts.database,
                parts.catalog,
                parts.clock(),
                bank=bank,
                min_answers=settings.min_answers_to_calibrate,
            )
        return summary(outcomes, settings.min_answers_to_calibrate)

    for line in run_async(go()):
        typer.echo(line)


@items_app.command("stats")
def items_stats(
    flow: Annotated[
        str | None, typer.Option(help="Only this flow's questions, from its screenings.")
    ] = None,
    bank: Annotated[
        str | None, typer.Option(help="Only this bank's questions, from every flow.")
    ] = None,
    format_: Annotated[StatsFormat, typer.Option("--format")] = StatsFormat.TABLE,
    all_versions: Annotated[
        bool,
        typer.Option(
            "--all-versions", help="Count answers to every bank version, not only the current."
        ),
    ] = False,
) -> None:
    """Per question: answers, share right, item-total correlation, calibrated a/b, wrong
    choices by the stronger and weaker half, median time, exposure, month-over-month drift,
    flags; and, once recruiters have decided on enough candidates, share right among the
    advanced vs the rejected."""

    async def go() -> str:
        async with open_app(Settings()) as parts:
            report = await item_stats_for(
                parts.database,
                parts.catalog,
                parts.clock(),
                flow=flow,
                bank=bank,
                all_versions=all_versions,
            )
        if format_ is StatsFormat.JSON:
            return stats_json(report)
        return stats_csv(report) if format_ is StatsFormat.CSV else stats_table(report)

    typer.echo(run_async(go()), nl=False)


@app.command()
def rescore(
    flow: Annotated[str, typer.Argument(help="Flow id.")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print what would change; store nothing.")
    ] = False,
) -> None:
    """Score a flow's finished screenings again under the current bank versions (a fixed key
    counts) and item parameters; keep each old score in an audit row; print who moved in the
    ranking."""

    async def go() -> list[str]:
        async with open_app(Settings()) as parts:
            result = await rescore_flow(
                parts.database,
                parts.catalog,
                parts.service.calibrations,
                flow,
                parts.clock(),
                dry_run=dry_run,
            )
        return describe(result, flow)

    for line in run_async(go()):
        typer.echo(line)


@app.command()
def digest(
    flow: Annotated[str, typer.Argument(help="Flow id.")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print it instead of posting.")
    ] = False,
) -> None:
    """Build a flow's shortlist digest now: post it to its Slack channel, or print it."""

    async def go() -> str:
        settings = Settings()
        async with open_app(settings) as parts:
            target = parts.catalog.flow(flow)
            if dry_run:
                built = await Digests(parts.database, parts.catalog, None).build(
                    target, parts.clock()
                )
                return built.text
            if settings.slack_bot_token is None or target.shortlist is None:
                raise ScreenbotError(
                    "Posting needs SLACK_BOT_TOKEN and a `shortlist` section in the flow; "
                    "use --dry-run to print the digest instead."
                )
            poster = SlackPoster(
                web_client(settings.slack_bot_token.get_secret_value(), settings.slack_api_url)
            )
            built = await Digests(parts.database, parts.catalog, poster).build(
                target, parts.clock()
            )
            channel, ts = await poster.post(target.shortlist.slack_channel, built)
            return f"posted to {target.shortlist.slack_channel} ({channel}, ts {ts})"

    typer.echo(run_async(go()))
