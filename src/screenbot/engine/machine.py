"""`step`: one candidate event in, the next state and what to say out. Pure: no I/O, no clock."""

from __future__ import annotations

import random
from collections.abc import Set
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from screenbot.content.catalog import Catalog
from screenbot.content.models import Flow, MultiChoiceQuestion, SingleChoiceQuestion
from screenbot.engine import replies
from screenbot.engine.answers import YES_NO_OPTIONS, choice_options, read_answer, read_yes_no
from screenbot.engine.events import (
    ChoicePicked,
    Command,
    CommandIssued,
    InboundEvent,
    Started,
    TextReceived,
    Unsupported,
)
from screenbot.engine.messages import Ask, Completed, Option, Outbound, Say
from screenbot.engine.profile import Invalid
from screenbot.engine.profile import options as profile_options
from screenbot.engine.profile import parse as parse_profile
from screenbot.engine.profile import prompt_text as profile_prompt
from screenbot.engine.scoring import score, scorecard
from screenbot.engine.selection import draw
from screenbot.engine.state import Pending, QuestionRef, ScoredAnswer, ScreeningState, Stage
from screenbot.engine.transitions import Trigger, next_stage

FLOW_PICKER = "flows"
Reply = TextReceived | ChoicePicked


@dataclass(frozen=True)
class StepResult:
    """The engine's decision: the new state, the messages, and what the store must do."""

    state: ScreeningState | None
    outbound: tuple[Outbound, ...]
    answer: ScoredAnswer | None = None
    fresh: bool = False
    erase: bool = False


def _screening_tag(state: ScreeningState) -> str:
    """Four base-36 characters from the screening's start, to tell its prompts from another's."""
    value = int(state.started_at.timestamp() * 1000) % 36**4
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    return "".join(digits[value // 36**p % 36] for p in (3, 2, 1, 0))


def prompt_key(state: ScreeningState) -> str:
    """Names the open prompt of this screening; a button carries it, so an old keyboard (even
    one from an earlier screening of the same candidate) is recognised as old."""
    if state.pending is not None:
        base = f"confirm-{state.pending.value}"
    else:
        base = {
            Stage.CONSENT: "consent",
            Stage.PROFILE: f"p{state.step}",
            Stage.KNOCKOUT: f"k{state.step}",
            Stage.QUESTIONS: f"q{state.step}",
        }.get(state.stage, state.stage.value)
    return f"{base}.{_screening_tag(state)}"


def prompt(state: ScreeningState, catalog: Catalog) -> Ask | None:
    """The question the candidate should be looking at now; None once the screening has ended."""
    flow = catalog.flow(state.flow_id)
    key = prompt_key(state)
    yes_no = YES_NO_OPTIONS
    if state.pending is Pending.WITHDRAW:
        opts = (Option("yes", "Yes, withdraw"), Option("no", "No, carry on"))
        return Ask(key, replies.confirm_withdraw(flow.title), opts)
    if state.pending is Pending.DELETE:
        opts = (Option("yes", "Erase my data"), Option("no", "Keep it"))
        return Ask(key, replies.CONFIRM_DELETE, opts)
    if state.stage is Stage.CONSENT:
        return Ask(key, replies.CONSENT, (Option("yes", "I agree"), Option("no", "No thanks")))
    if state.stage is Stage.PROFILE:
        field = flow.profile[state.step]
        return Ask(key, profile_prompt(field), profile_options(field, flow))
    if state.stage is Stage.KNOCKOUT:
        return Ask(key, flow.knockout[state.step].text, yes_no)
    if state.stage is not Stage.QUESTIONS:
        return None
    ref = state.plan[state.step]
    bank = catalog.banks[ref.bank]
    question = bank.question(ref.question)
    lines = [replies.question_header(state.step + 1, len(state.plan), bank.title), question.text]
    if question.time_limit:
        lines.append(replies.time_limit(question.time_limit))
    text = "\n".join(lines)
    if isinstance(question, SingleChoiceQuestion | MultiChoiceQuestion):
        multi = isinstance(question, MultiChoiceQuestion)
        return Ask(key, text, choice_options(question), multi=multi)
    if question.type == "yes_no":
        return Ask(key, text, yes_no)
    return Ask(key, text)


def _with_prompt(state: ScreeningState, catalog: Catalog, *said: Outbound) -> tuple[Outbound, ...]:
    ask = prompt(state, catalog) if state.stage.active or state.pending else None
    return (*said, ask) if ask is not None else said


def _move(state: ScreeningState, trigger: Trigger, now: datetime) -> ScreeningState:
    return replace(state, stage=next_stage(state.stage, trigger), step=0, updated_at=now)


def _settle(
    state: ScreeningState,
    catalog: Catalog,
    now: datetime,
    rng: random.Random,
    seen: Set[QuestionRef],
) -> ScreeningState:
    """Skip stages with nothing to ask; draw the questions when the questions begin."""
    flow = catalog.flow(state.flow_id)
    if state.stage is Stage.PROFILE and state.step >= len(flow.profile):
        state = _move(state, Trigger.PROFILE_DONE, now)
    if state.stage is Stage.KNOCKOUT and state.step >= len(flow.knockout):
        state = _move(state, Trigger.KNOCKOUT_PASSED, now)
    if state.stage is Stage.QUESTIONS and not state.plan:
        state = replace(state, plan=draw(flow, catalog, rng, seen))
    if state.stage is Stage.QUESTIONS:
        state = replace(state, asked_at=now)
    return replace(state, updated_at=now)


def _flow_picker(catalog: Catalog, *said: Outbound) -> tuple[Outbound, ...]:
    flows = catalog.open_flows
    if not flows:
        return (*said, Say(replies.NO_OPEN_FLOWS))
    options = tuple(Option(f.id, f.title) for f in flows)
    return (*said, Ask(FLOW_PICKER, replies.PICK_FLOW, options))


def _expired(state: ScreeningState, flow: Flow, now: datetime) -> bool:
    return state.stage.active and now - state.updated_at > timedelta(days=flow.expire_after_days)


def _start(
    state: ScreeningState | None,
    flow_id: str | None,
    catalog: Catalog,
    now: datetime,
    rng: random.Random,
    seen: Set[QuestionRef],
) -> StepResult:
    if state is not None and flow_id in (None, state.flow_id) and state.stage.active:
        flow = catalog.flow(state.flow_id)
        if not _expired(state, flow, now):
            resumed = replace(state, pending=None, updated_at=now)
            return StepResult(resumed, _with_prompt(resumed, catalog, Say(replies.WELCOME_BACK)))
    if flow_id is None:
        return StepResult(state, _flow_picker(catalog))
    wanted = catalog.flows.get(flow_id)
    if wanted is None or not wanted.open:
        return StepResult(state, _flow_picker(catalog, Say(replies.unknown_flow(flow_id))))
    if (
        state is not None
        and state.flow_id == flow_id
        and state.stage
        in {
            Stage.COMPLETED,
            Stage.KNOCKED_OUT,
        }
    ):
        return StepResult(state, (Say(replies.finished(state, wanted.title)),))
    fresh = ScreeningState(wanted.id, Stage.CONSENT, started_at=now, updated_at=now)
    said = _with_prompt(fresh, catalog, Say(replies.greeting(wanted)))
    return StepResult(fresh, said, fresh=True)


def _command(
    state: ScreeningState, command: Command, flow: Flow, catalog: Catalog, now: datetime
) -> StepResult:
    if command is Command.HELP:
        return StepResult(state, _with_prompt(state, catalog, Say(replies.HELP)))
    if command is Command.STATUS:
        return StepResult(state, _with_prompt(state, catalog, Say(replies.status(state, flow))))
    if command is Command.DELETE_MY_DATA:
        asking = replace(state, pending=Pending.DELETE, updated_at=now)
        return StepResult(asking, _with_prompt(asking, catalog))
    if command is Command.CANCEL:
        if state.pending is not None:
            cleared = replace(state, pending=None, updated_at=now)
            return StepResult(cleared, _with_prompt(cleared, catalog, Say(replies.CARRY_ON)))
        if not state.stage.active:
            return StepResult(state, (Say(replies.NOTHING_TO_CANCEL),))
        asking = replace(state, pending=Pending.WITHDRAW, updated_at=now)
        return StepResult(asking, _with_prompt(asking, catalog))
    return _back(state, catalog, now)


def _back(state: ScreeningState, catalog: Catalog, now: datetime) -> StepResult:
    flow = catalog.flow(state.flow_id)
    if state.stage is Stage.QUESTIONS:
        return StepResult(state, _with_prompt(state, catalog, Say(replies.NO_BACK_IN_QUESTIONS)))
    if state.stage is Stage.KNOCKOUT and flow.profile:
        back = replace(_move(state, Trigger.BACK, now), step=len(flow.profile) - 1)
    elif state.stage is Stage.PROFILE and state.step > 0:
        back = replace(state, step=state.step - 1, updated_at=now)
    else:
        return StepResult(state, _with_prompt(state, catalog, Say(replies.NOTHING_TO_UNDO)))
    back = back.without_profile(flow.profile[back.step].value)
    return StepResult(replace(back, pending=None), _with_prompt(back, catalog))


def _confirm(state: ScreeningState, reply: Reply, catalog: Catalog, now: datetime) -> StepResult:
    if isinstance(reply, ChoicePicked) and reply.prompt_key != prompt_key(state):
        return StepResult(state, _with_prompt(state, catalog, Say(replies.CLOSED_QUESTION)))
    agreed = read_yes_no(reply)
    if agreed is None:
        return StepResult(state, _with_prompt(state, catalog, Say(replies.YES_OR_NO)))
    if state.pending is Pending.DELETE:
        if agreed:
            return StepResult(None, (Say(replies.ERASED),), erase=True)
        kept = replace(state, pending=None, updated_at=now)
        return StepResult(kept, _with_prompt(kept, catalog, Say(replies.NOTHING_DELETED)))
    if agreed:
        gone = replace(_move(state, Trigger.WITHDRAW, now), pending=None)
        return StepResult(gone, (Say(replies.WITHDRAWN),))
    kept = replace(state, pending=None, updated_at=now)
    return StepResult(kept, _with_prompt(kept, catalog, Say(replies.CARRY_ON)))


def _consent(
    state: ScreeningState,
    reply: Reply,
    catalog: Catalog,
    now: datetime,
    rng: random.Random,
    seen: Set[QuestionRef],
) -> StepResult:
    agreed = read_yes_no(reply)
    if agreed is None:
        return StepResult(state, _with_prompt(state, catalog, Say(replies.YES_OR_NO)))
    if not agreed:
        return StepResult(_move(state, Trigger.DECLINE, now), (Say(replies.DECLINED),))
    moved = _settle(_move(state, Trigger.AGREE, now), catalog, now, rng, seen)
    return StepResult(moved, _with_prompt(moved, catalog))


def _profile(
    state: ScreeningState,
    reply: Reply,
    catalog: Catalog,
    now: datetime,
    rng: random.Random,
    seen: Set[QuestionRef],
) -> StepResult:
    flow = catalog.flow(state.flow_id)
    field = flow.profile[state.step]
    text = reply.text if isinstance(reply, TextReceived) else ",".join(reply.choice_ids)
    value = parse_profile(field, text, flow)
    if isinstance(value, Invalid):
        return StepResult(state, _with_prompt(state, catalog, Say(value.reason)))
    answered = replace(state.with_profile(field.value, value), step=state.step + 1)
    moved = _settle(answered, catalog, now, rng, seen)
    return StepResult(moved, _with_prompt(moved, catalog))


def _knockout(
    state: ScreeningState,
    reply: Reply,
    catalog: Catalog,
    now: datetime,
    rng: random.Random,
    seen: Set[QuestionRef],
) -> StepResult:
    flow = catalog.flow(state.flow_id)
    said_yes = read_yes_no(reply)
    if said_yes is None:
        return StepResult(state, _with_prompt(state, catalog, Say(replies.YES_OR_NO)))
    if said_yes is not flow.knockout[state.step].expect:
        out = _move(state, Trigger.KNOCKOUT_FAILED, now)
        return StepResult(out, (Say(replies.knocked_out(flow)),))
    moved = _settle(replace(state, step=state.step + 1), catalog, now, rng, seen)
    return StepResult(moved, _with_prompt(moved, catalog))


def _question(
    state: ScreeningState,
    reply: Reply,
    catalog: Catalog,
    now: datetime,
    rng: random.Random,
    seen: Set[QuestionRef],
) -> StepResult:
    flow = catalog.flow(state.flow_id)
    ref = state.plan[state.step]
    question = catalog.banks[ref.bank].question(ref.question)
    answer = read_answer(question, reply)
    if isinstance(answer, Invalid):
        return StepResult(state, _with_prompt(state, catalog, Say(answer.reason)))
    seconds = max(0.0, (now - (state.asked_at or now)).total_seconds())
    late = question.time_limit is not None and seconds > question.time_limit
    scored = ScoredAnswer(
        bank=ref.bank,
        question=ref.question,
        raw=answer.raw,
        points=0.0 if late else score(question, answer),
        max_points=question.max_points,
        seconds=round(seconds, 3),
        late=late,
    )
    answered = replace(
        state, answers=(*state.answers, scored), step=state.step + 1, asked_at=now, updated_at=now
    )
    if answered.step < len(answered.plan):
        return StepResult(answered, _with_prompt(answered, catalog), answer=scored)
    return _finish(answered, flow, now, scored)


def _finish(
    state: ScreeningState, flow: Flow, now: datetime, answer: ScoredAnswer | None = None
) -> StepResult:
    card = scorecard(((s.bank, s.weight) for s in flow.sections), state.answers)
    done = replace(
        _move(state, Trigger.ALL_ANSWERED, now),
        asked_at=None,
        score=card.total,
        section_scores=card.sections,
        passed=card.total >= flow.pass_score,
    )
    name = str(done.profile_dict.get("full_name", "")).split(" ")[0] or None
    return StepResult(done, (Completed(replies.completed(flow, name)),), answer=answer)


def _drop_removed_questions(state: ScreeningState, catalog: Catalog) -> ScreeningState:
    """Questions an admin removed from a bank since the draw are skipped, never asked."""
    if state.stage is not Stage.QUESTIONS:
        return state
    banks = catalog.banks
    rest = tuple(
        ref
        for ref in state.plan[state.step :]
        if ref.bank in banks and any(q.id == ref.question for q in banks[ref.bank].questions)
    )
    if len(rest) == len(state.plan) - state.step:
        return state
    return replace(state, plan=state.plan[: state.step] + rest)


_STAGES = {
    Stage.CONSENT: _consent,
    Stage.PROFILE: _profile,
    Stage.KNOCKOUT: _knockout,
    Stage.QUESTIONS: _question,
}


def step(
    state: ScreeningState | None,
    event: InboundEvent,
    catalog: Catalog,
    now: datetime,
    rng: random.Random,
    seen: Set[QuestionRef] = frozenset(),
) -> StepResult:
    """Decide one turn. `seen` lists questions the candidate met in earlier screenings."""
    if state is not None and state.flow_id in catalog.flows:
        state = _drop_removed_questions(state, catalog)
        if state.stage is Stage.QUESTIONS and state.step >= len(state.plan):
            return _finish(state, catalog.flow(state.flow_id), now)
    if isinstance(event, Started):
        return _start(state, event.flow_id, catalog, now, rng, seen)
    if isinstance(event, ChoicePicked) and event.prompt_key == FLOW_PICKER:
        return _start(
            state, event.choice_ids[0] if event.choice_ids else None, catalog, now, rng, seen
        )
    if state is None or state.flow_id not in catalog.flows:
        return _without_screening(event, catalog)
    flow = catalog.flow(state.flow_id)
    if _expired(state, flow, now):
        return StepResult(_move(state, Trigger.EXPIRE, now), (Say(replies.expired(flow)),))
    if isinstance(event, Unsupported):
        return StepResult(state, _with_prompt(state, catalog, Say(replies.unsupported(event.kind))))
    if isinstance(event, CommandIssued):
        return _command(state, event.command, flow, catalog, now)
    if isinstance(event, TextReceived) and len(event.text) > flow.max_answer_chars:
        too_long = Say(replies.too_long(flow.max_answer_chars, len(event.text)))
        return StepResult(state, (too_long,))
    if state.pending is not None:
        return _confirm(state, event, catalog, now)
    if not state.stage.active:
        return StepResult(state, (Say(replies.finished(state, flow.title)),))
    if isinstance(event, ChoicePicked) and event.prompt_key != prompt_key(state):
        return StepResult(state, (Say(replies.CLOSED_QUESTION),))
    return _STAGES[state.stage](state, event, catalog, now, rng, seen)


def _without_screening(event: InboundEvent, catalog: Catalog) -> StepResult:
    if isinstance(event, CommandIssued):
        if event.command is Command.HELP:
            return StepResult(None, _flow_picker(catalog, Say(replies.HELP)))
        if event.command is Command.DELETE_MY_DATA:
            return StepResult(None, (Say(replies.NO_DATA),))
    if isinstance(event, Unsupported):
        return StepResult(None, _flow_picker(catalog, Say(replies.unsupported(event.kind))))
    return StepResult(None, _flow_picker(catalog, Say("Hi! I screen candidates for our openings.")))
