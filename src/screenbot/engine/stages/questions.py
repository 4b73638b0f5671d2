"""The questions stage: bank questions asked one at a time, each answer scored as it comes, and
the screening's score once the last is answered.

Which questions, and how many, is the business of a `QuestionOrder`: the stage asks
`plan[step]` and finishes when `step` reaches the end of the plan.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol

from screenbot.content.models import MultiChoiceQuestion, Question, SingleChoiceQuestion
from screenbot.engine import replies
from screenbot.engine.adaptive_order import is_adaptive, scores
from screenbot.engine.answers import YES_NO_OPTIONS, choice_options, read_answer
from screenbot.engine.events import Reply
from screenbot.engine.messages import Ask, Completed, Say
from screenbot.engine.profile import Invalid
from screenbot.engine.scoring import score, scorecard
from screenbot.engine.stages.spec import StageSpec
from screenbot.engine.state import QuestionRef, ScoredAnswer, ScreeningState
from screenbot.engine.transitions import Trigger, move
from screenbot.engine.turn import Context, StepResult


class QuestionOrder(Protocol):
    """Chooses a screening's bank questions: all at the start, or each after the answer before
    it. Pure, like the rest of the engine: the same state and context give the same plan."""

    def plan(self, state: ScreeningState, context: Context) -> tuple[QuestionRef, ...]:
        """The screening's questions as of now: the ones asked so far, unchanged, then those
        to come; asked when the questions begin (with an empty plan) and after every answer.
        A plan that ends at the current step ends the screening."""
        ...

    def total(self, state: ScreeningState, context: Context) -> int:
        """How many questions the candidate is told the screening has, for "3 of N"."""
        ...


def current(state: ScreeningState, context: Context) -> Question:
    """The question the screening is on."""
    ref = state.plan[state.step]
    return context.catalog.banks[ref.bank].question(ref.question)


def with_scores(state: ScreeningState, context: Context) -> ScreeningState:
    """`state` with its total, section scores and pass (and, for an adaptive flow, ability and
    its standard error) computed from its answers, the flow's way."""
    flow = context.flow(state)
    if is_adaptive(flow):
        adaptive = scores(state, context)
        return replace(
            state,
            score=adaptive.total,
            section_scores=adaptive.sections,
            passed=adaptive.total >= flow.pass_score,
            ability=adaptive.ability,
            ability_se=adaptive.ability_se,
            score_se=adaptive.total_se,
        )
    card = scorecard(((s.bank, s.weight) for s in flow.sections), state.answers)
    return replace(
        state,
        score=card.total,
        section_scores=card.sections,
        passed=card.total >= flow.pass_score,
    )


def finish(
    state: ScreeningState, context: Context, answer: ScoredAnswer | None = None
) -> StepResult:
    """Score the screening, close it, and thank the candidate (never telling the score)."""
    flow = context.flow(state)
    closed = replace(move(state, Trigger.ALL_ANSWERED, context.now), asked_at=None)
    done = with_scores(closed, context)
    name = str(done.profile_dict.get("full_name", "")).split(" ")[0] or None
    return StepResult(done, (Completed(replies.completed(flow, name)),), answer=answer)


def _key(state: ScreeningState) -> str:
    return f"q{state.step}"


def _catch_up(
    state: ScreeningState, context: Context, order: QuestionOrder
) -> ScreeningState | StepResult:
    """Questions an admin removed from a bank since they were planned are skipped, never asked;
    an order that chooses as it goes chooses again; a screening left with none to ask is
    finished."""
    banks = context.catalog.banks
    rest = tuple(
        ref
        for ref in state.plan[state.step :]
        if ref.bank in banks and any(q.id == ref.question for q in banks[ref.bank].questions)
    )
    if len(rest) != len(state.plan) - state.step:
        state = replace(state, plan=state.plan[: state.step] + rest)
        if state.step >= len(state.plan):
            state = replace(state, plan=order.plan(state, context))
    return finish(state, context) if state.step >= len(state.plan) else state


def _no_back(state: ScreeningState, _context: Context) -> StepResult:
    return StepResult(state, (Say(replies.NO_BACK_IN_QUESTIONS),))


def spec(order: QuestionOrder) -> StageSpec:
    """The questions stage, asking what `order` chooses."""

    def prompt(state: ScreeningState, context: Context, key: str) -> Ask:
        ref = state.plan[state.step]
        bank = context.catalog.banks[ref.bank]
        question = bank.question(ref.question)
        header = replies.question_header(state.step + 1, order.total(state, context), bank.title)
        lines = [header, question.text]
        if question.time_limit:
            lines.append(replies.time_limit(question.time_limit))
        text = "\n".join(lines)
        if isinstance(question, SingleChoiceQuestion | MultiChoiceQuestion):
            multi = isinstance(question, MultiChoiceQuestion)
            return Ask(key, text, choice_options(question), multi=multi)
        if question.type == "yes_no":
            return Ask(key, text, YES_NO_OPTIONS)
        return Ask(key, text)

    def status(state: ScreeningState, context: Context) -> str:
        total = order.total(state, context)
        return replies.status_questions(state.step + 1, total, context.flow(state))

    def answer(state: ScreeningState, reply: Reply, context: Context) -> StepResult:
        ref = state.plan[state.step]
        question = current(state, context)
        read = read_answer(question, reply)
        if isinstance(read, Invalid):
            return StepResult(state, (Say(read.reason),))
        now = context.now
        seconds = max(0.0, (now - (state.asked_at or now)).total_seconds())
        late = question.time_limit is not None and seconds > question.time_limit
        scored = ScoredAnswer(
            bank=ref.bank,
            question=ref.question,
            raw=read.raw,
            points=0.0 if late else score(question, read),
            max_points=question.max_points,
            seconds=round(seconds, 3),
            late=late,
        )
        answered = replace(
            state, answers=(*state.answers, scored), step=state.step + 1, asked_at=now
        )
        answered = replace(answered, plan=order.plan(answered, context), updated_at=now)
        if answered.step < len(answered.plan):
            return StepResult(answered, (), answer=scored)
        return finish(answered, context, scored)

    def settle(state: ScreeningState, context: Context) -> ScreeningState:
        if state.plan:
            return state
        plan = order.plan(state, context)
        return replace(state, plan=plan, asked_at=context.now, updated_at=context.now)

    return StageSpec(
        key=_key,
        prompt=prompt,
        status=status,
        answer=answer,
        back=_no_back,
        settle=settle,
        catch_up=lambda state, context: _catch_up(state, context, order),
    )
