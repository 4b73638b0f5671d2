"""Starting a screening: `/start` with or without a flow, resuming one, the flow picker, and
what the bot says to someone who has no screening at all."""

from __future__ import annotations

from dataclasses import replace

from screenbot.content.catalog import Catalog
from screenbot.engine import replies
from screenbot.engine.events import Command, CommandIssued, InboundEvent, Unsupported
from screenbot.engine.messages import Ask, Option, Outbound, Say
from screenbot.engine.prompts import asking
from screenbot.engine.state import ScreeningState, Stage
from screenbot.engine.turn import Context, StepResult

FLOW_PICKER = "flows"


def flow_picker(catalog: Catalog, *said: Outbound) -> tuple[Outbound, ...]:
    """What was said, then the open flows to pick from (or that there are none)."""
    flows = catalog.open_flows
    if not flows:
        return (*said, Say(replies.NO_OPEN_FLOWS))
    options = tuple(Option(f.id, f.title) for f in flows)
    return (*said, Ask(FLOW_PICKER, replies.PICK_FLOW, options))


def start(state: ScreeningState | None, flow_id: str | None, context: Context) -> StepResult:
    """Resume the screening in progress if it is the one asked for (or none was named);
    otherwise begin the named flow, or offer the open ones."""
    catalog = context.catalog
    if (
        state is not None
        and flow_id in (None, state.flow_id)
        and state.stage.active
        and not context.expired(state)
    ):
        resumed = replace(state, pending=None, updated_at=context.now)
        return asking(StepResult(resumed, (Say(replies.WELCOME_BACK),)), context)
    if flow_id is None:
        return StepResult(state, flow_picker(catalog))
    wanted = catalog.flows.get(flow_id)
    if wanted is None or not wanted.open:
        return StepResult(state, flow_picker(catalog, Say(replies.unknown_flow(flow_id))))
    ended = {Stage.COMPLETED, Stage.KNOCKED_OUT}
    if state is not None and state.flow_id == flow_id and state.stage in ended:
        return StepResult(state, (Say(replies.finished(state, wanted.title)),))
    now = context.now
    fresh = ScreeningState(wanted.id, Stage.CONSENT, started_at=now, updated_at=now)
    said = StepResult(fresh, (Say(replies.greeting(wanted)),), fresh=True)
    return asking(said, context)


def without_screening(event: InboundEvent, catalog: Catalog) -> StepResult:
    """Anything but `/start` from someone with no screening: a word, then the open flows."""
    if isinstance(event, CommandIssued):
        if event.command is Command.HELP:
            return StepResult(None, flow_picker(catalog, Say(replies.HELP)))
        if event.command is Command.DELETE_MY_DATA:
            return StepResult(None, (Say(replies.NO_DATA),))
    if isinstance(event, Unsupported):
        return StepResult(None, flow_picker(catalog, Say(replies.unsupported(event.kind))))
    return StepResult(None, flow_picker(catalog, Say(replies.HELLO)))
