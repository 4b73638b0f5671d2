"""Every way a screening moves between stages, in one table read top to bottom."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from screenbot.engine.state import Stage
from screenbot.errors import IllegalTransitionError


class Trigger(StrEnum):
    AGREE = "agree"
    DECLINE = "decline"
    PROFILE_DONE = "profile_done"
    BACK = "back"
    KNOCKOUT_PASSED = "knockout_passed"
    KNOCKOUT_FAILED = "knockout_failed"
    ALL_ANSWERED = "all_answered"
    WITHDRAW = "withdraw"
    EXPIRE = "expire"


TRANSITIONS: Mapping[tuple[Stage, Trigger], Stage] = {
    (Stage.CONSENT, Trigger.AGREE): Stage.PROFILE,
    (Stage.CONSENT, Trigger.DECLINE): Stage.DECLINED,
    (Stage.PROFILE, Trigger.PROFILE_DONE): Stage.KNOCKOUT,
    (Stage.KNOCKOUT, Trigger.BACK): Stage.PROFILE,
    (Stage.KNOCKOUT, Trigger.KNOCKOUT_PASSED): Stage.QUESTIONS,
    (Stage.KNOCKOUT, Trigger.KNOCKOUT_FAILED): Stage.KNOCKED_OUT,
    (Stage.QUESTIONS, Trigger.ALL_ANSWERED): Stage.COMPLETED,
    (Stage.CONSENT, Trigger.WITHDRAW): Stage.WITHDRAWN,
    (Stage.PROFILE, Trigger.WITHDRAW): Stage.WITHDRAWN,
    (Stage.KNOCKOUT, Trigger.WITHDRAW): Stage.WITHDRAWN,
    (Stage.QUESTIONS, Trigger.WITHDRAW): Stage.WITHDRAWN,
    (Stage.CONSENT, Trigger.EXPIRE): Stage.EXPIRED,
    (Stage.PROFILE, Trigger.EXPIRE): Stage.EXPIRED,
    (Stage.KNOCKOUT, Trigger.EXPIRE): Stage.EXPIRED,
    (Stage.QUESTIONS, Trigger.EXPIRE): Stage.EXPIRED,
}


def next_stage(stage: Stage, trigger: Trigger) -> Stage:
    try:
        return TRANSITIONS[(stage, trigger)]
    except KeyError:
        raise IllegalTransitionError(f"{trigger.value} is not allowed in {stage.value}") from None
