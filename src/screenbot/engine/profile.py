"""Asking for and checking profile answers, with a friendly reason when one does not fit."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pydantic import TypeAdapter, ValidationError
from pydantic.networks import EmailStr

from screenbot.content.flows import Flow, WorkModel
from screenbot.content.profile_fields import ProfileField
from screenbot.engine.messages import Option
from screenbot.engine.state import ProfileValue

_EMAIL: TypeAdapter[str] = TypeAdapter(EmailStr)
_NUMBER = re.compile(r"(\d+(?:\.\d+)?)")
_SALARY = re.compile(
    r"^(?P<cur1>[a-z.$]+)?\s*(?P<num>\d+(?:\.\d+)?)\s*"
    r"(?P<mult>thousand|lakhs|lakh|lacs|lac|million|mn|m|crore|k)?\s*"
    r"(?P<cur2>[a-z.$]+)?(?:\s*(?:per|a|/)\s*month|\s*monthly)?$"
)
_MULTIPLIERS = {
    "k": 1_000,
    "thousand": 1_000,
    "lakh": 100_000,
    "lakhs": 100_000,
    "lac": 100_000,
    "lacs": 100_000,
    "m": 1_000_000,
    "mn": 1_000_000,
    "million": 1_000_000,
    "crore": 10_000_000,
}
_CURRENCIES = {
    "pkr": "PKR",
    "rs": "PKR",
    "rs.": "PKR",
    "rupees": "PKR",
    "aed": "AED",
    "dhs": "AED",
    "dh": "AED",
    "dirham": "AED",
    "dirhams": "AED",
    "usd": "USD",
    "$": "USD",
    "dollars": "USD",
}
_WORK_MODEL_LABELS = {
    WorkModel.ON_SITE: "On-site",
    WorkModel.HYBRID: "Hybrid",
    WorkModel.REMOTE: "Remote",
}


@dataclass(frozen=True)
class Invalid:
    """Why an answer did not fit, phrased for the candidate."""

    reason: str


_PROMPTS = {
    ProfileField.FULL_NAME: "What is your full name?",
    ProfileField.EMAIL: "What email address should the hiring team use?",
    ProfileField.PHONE: "What phone number can the hiring team reach you on?",
    ProfileField.YEARS_EXPERIENCE: "How many years of professional backend experience do you have?",
    ProfileField.CITY: "Which city are you based in?",
    ProfileField.WORK_MODEL: "Which way of working do you prefer?",
    ProfileField.NOTICE_PERIOD_WEEKS: "How many weeks' notice do you need to give?",
}


def prompt_text(field: ProfileField) -> str:
    """The question that asks for a profile field."""
    if field.is_salary:
        return (
            f"What monthly salary do you expect, in {field.currency}? "
            "(for example 250k, 2.5 lakh or 250,000)"
            if field.currency == "PKR"
            else f"What monthly salary do you expect, in {field.currency}? (for example 25,000)"
        )
    return _PROMPTS[field]


def options(field: ProfileField, flow: Flow) -> tuple[Option, ...]:
    """The buttons a profile field offers, if it is picked rather than typed."""
    if field is ProfileField.CITY:
        return tuple(Option(str(i), city) for i, city in enumerate(flow.cities, start=1))
    if field is ProfileField.WORK_MODEL:
        return tuple(Option(m.value, label) for m, label in _WORK_MODEL_LABELS.items())
    return ()


def _pick(text: str, opts: tuple[Option, ...]) -> str | None:
    cleaned = text.strip().lower()
    for n, option in enumerate(opts, start=1):
        if cleaned in {str(n), option.id.lower(), option.label.lower()}:
            return option.id
    return None


def parse_salary(text: str, currency: str) -> float | Invalid:
    """Accept how people write pay in Pakistan and the Gulf: 250k, 2.5 lakh, PKR 250,000."""
    cleaned = text.strip().lower().replace(",", "").replace("_", "")
    cleaned = re.sub(r"(?<=\d)\s+(?=\d)", "", cleaned)
    match = _SALARY.match(cleaned)
    if match is None:
        return Invalid(f"Please give a number, in {currency} — for example 250k or 250,000.")
    given = {match["cur1"], match["cur2"]} - {None}
    for token in given:
        named = _CURRENCIES.get(token)
        if named is None:
            return Invalid(f"Please give a number, in {currency} — for example 250k or 250,000.")
        if named != currency:
            return Invalid(f"This opening is paid in {currency}; please give the figure in it.")
    amount = float(match["num"]) * _MULTIPLIERS.get(match["mult"] or "", 1)
    if amount <= 0 or amount > 1_000_000_000:
        return Invalid(f"That doesn't look right; please give a monthly figure in {currency}.")
    return round(amount, 2)


def parse(field: ProfileField, text: str, flow: Flow) -> ProfileValue | Invalid:
    """The stored value for a typed or picked answer, or why it was not accepted."""
    text = text.strip()
    if field is ProfileField.FULL_NAME:
        if not 2 <= len(text) <= 100 or not any(ch.isalpha() for ch in text):
            return Invalid("Please type your name as you'd like the hiring team to see it.")
        return " ".join(text.split())
    if field is ProfileField.EMAIL:
        try:
            return str(_EMAIL.validate_python(text)).lower()
        except ValidationError:
            return Invalid("That doesn't look like an email address (name@example.com).")
    if field is ProfileField.PHONE:
        digits = re.sub(r"[\s()-]", "", text)
        if not re.fullmatch(r"\+?\d{7,15}", digits):
            return Invalid("Please include the country code, e.g. +92 300 1234567.")
        return digits
    if field in (ProfileField.YEARS_EXPERIENCE, ProfileField.NOTICE_PERIOD_WEEKS):
        match = _NUMBER.search(text)
        upper = 60 if field is ProfileField.YEARS_EXPERIENCE else 52
        if match is None or not 0 <= float(match[1]) <= upper:
            return Invalid(f"Please answer with a number from 0 to {upper}.")
        value = float(match[1])
        return int(value) if value.is_integer() else value
    if field.is_salary:
        return parse_salary(text, field.currency or "PKR")
    picked = _pick(text, options(field, flow))
    if picked is None:
        return Invalid("Please pick one of the options.")
    if field is ProfileField.CITY:
        return next(o.label for o in options(field, flow) if o.id == picked)
    return picked


def display(field: ProfileField, value: ProfileValue) -> str:
    """A stored profile value as recruiters read it."""
    if field.is_salary and isinstance(value, int | float):
        return f"{field.currency} {value:,.0f}"
    if field is ProfileField.WORK_MODEL:
        return _WORK_MODEL_LABELS[WorkModel(str(value))]
    return str(value)
