"""Everything the bot says in its own words, kept together so the voice stays one voice."""

from __future__ import annotations

from screenbot.content.flows import Flow, Mode
from screenbot.engine.state import ScreeningState, Stage

HELP = (
    "I run the first screening round for the jobs below. I'll ask for your consent, a short "
    "profile, a few yes/no questions about the role, then some technical questions.\n"
    "You can stop at any time and carry on later: just come back and send a message.\n"
    "Commands:\n"
    "/status — where you are and how much is left\n"
    "/back — change your previous profile answer (before the technical questions)\n"
    "/cancel — withdraw from this screening\n"
    "/delete_my_data — erase your profile and answers\n"
    "/help — this message"
)
PRIVATE_ONLY = "Screenings happen in a private chat: please message me directly, not in a group."
YES_OR_NO = "Please answer yes or no."
CLOSED_QUESTION = "That question is closed, so I've left your answers as they were."
NOTHING_TO_UNDO = "There's nothing earlier to change here."
NO_BACK_IN_QUESTIONS = (
    "Answers to the technical questions can't be changed once sent, but nothing else is lost."
)
CARRY_ON = "Good, let's carry on."
NOTHING_DELETED = "Nothing was deleted."
ERASED = "Done: your profile and answers are erased. If you apply again later you'll start fresh."
NO_DATA = "We don't hold any screening answers for you."
NOTHING_TO_CANCEL = "There's no screening in progress to cancel."
CONSENT = (
    "Before we start: we'll store your answers and profile so the hiring team can review your "
    "application. You can ask us to erase them at any time with /delete_my_data. Do you agree?"
)
DECLINED = "No problem — nothing has been stored. If you change your mind, send /start."
WITHDRAWN = "You've withdrawn from this screening. Thanks for your time, and good luck!"
WELCOME_BACK = "Welcome back! Let's pick up where you left off."
HELLO = "Hi! I screen candidates for our openings."
PICK_FLOW = "Which opening would you like to apply for?"
NO_OPEN_FLOWS = "There are no openings accepting candidates right now. Please check back soon."


def greeting(flow: Flow) -> str:
    """The first thing a new screening says."""
    intro = f"\n{flow.intro}" if flow.intro else ""
    return f"Hi! This is the screening for {flow.title}.{intro}"


def unknown_flow(flow_id: str) -> str:
    """A `/start` for a flow that does not exist or is closed."""
    return f"I couldn't find an open screening called “{flow_id}”."


def unsupported(kind: str) -> str:
    """A sticker, photo, voice note or file, which the bot cannot read."""
    article = "an" if kind[:1].lower() in "aeiou" else "a"
    return (
        f"I can't read {article} {kind} here, sorry. Please type your answer, or use the buttons."
    )


def too_long(limit: int, length: int) -> str:
    """A typed answer longer than the flow takes."""
    return (
        f"That's {length:,} characters; I can take up to {limit:,}. "
        "Please shorten it and send it again."
    )


def question_header(number: int, total: int, section: str) -> str:
    """The line above a bank question: where the candidate is, and in which section."""
    return f"Question {number} of {total} · {section}"


def time_limit(seconds: int) -> str:
    """The note under a timed question."""
    return (
        f"(please answer within {seconds // 60} min)"
        if seconds >= 60
        else (f"(please answer within {seconds} s)")
    )


def knocked_out(flow: Flow) -> str:
    """The wrong answer to a knockout question."""
    return (
        f"Thank you for your honesty. This opening ({flow.title}) needs a yes to that, so we "
        "can't take your application further this time. We'd be glad to see you apply for other "
        "roles — send /start to see them."
    )


def completed(flow: Flow, first_name: str | None) -> str:
    """The last message of a completed screening; it never tells the score."""
    name = f", {first_name}" if first_name else ""
    return (
        f"That's everything — thank you{name}! Your screening for {flow.title} is complete.\n"
        f"What happens next: {flow.next_steps}"
    )


def expired(flow: Flow) -> str:
    """A message to a screening left untouched too long."""
    return (
        f"Your screening for {flow.title} was inactive for more than {flow.expire_after_days} "
        f"days and has expired. Send /start {flow.id} to begin again."
    )


def finished(state: ScreeningState, flow_title: str) -> str:
    """Anything sent to a screening that has ended, and `/status` there."""
    if state.stage is Stage.COMPLETED:
        return (
            f"You've completed the screening for {flow_title}; the hiring team will be in touch. "
            "Send /start to see other openings."
        )
    if state.stage is Stage.KNOCKED_OUT:
        return f"Your application for {flow_title} has ended. Send /start to see other openings."
    return f"Your screening for {flow_title} is closed. Send /start to begin one."


def confirm_withdraw(flow_title: str) -> str:
    """The question `/cancel` asks."""
    return f"Withdraw from the screening for {flow_title}? Your answers won't be reviewed."


CONFIRM_DELETE = (
    "Erase your profile and all your answers for good? The hiring team will no longer see them."
)


def status_consent(flow: Flow) -> str:
    """`/status` at the consent question."""
    return f"You're at the start of the screening for {flow.title}, at the consent question."


def status_profile(given: int, flow: Flow) -> str:
    """`/status` in the profile, `given` answers in."""
    return (
        f"You're filling in your profile for {flow.title}: "
        f"{given} of {len(flow.profile)} answers given."
    )


def status_knockout(number: int, flow: Flow) -> str:
    """`/status` at knockout question `number`."""
    return f"You're on the role questions for {flow.title}: {number} of {len(flow.knockout)}."


def status_questions(number: int, total: int, flow: Flow) -> str:
    """`/status` at bank question `number` of `total` (for an adaptive flow, the most it asks:
    it may stop sooner)."""
    if flow.mode is Mode.ADAPTIVE:
        return (
            f"You're on question {number} of at most {total} for {flow.title} "
            f"(at most {total - number + 1} to go, including this one)."
        )
    return (
        f"You're on question {number} of {total} for {flow.title} "
        f"({total - number + 1} to go, including this one)."
    )
