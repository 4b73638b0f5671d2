"""Profile answers: what people really type, accepted; what doesn't fit, re-asked with a reason."""

from __future__ import annotations

import pytest

from screenbot.content.catalog import Catalog
from screenbot.content.profile_fields import ProfileField
from screenbot.engine.profile import Invalid, parse, parse_salary


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("250k", 250_000),
        ("2.5 lakh", 250_000),
        ("250,000", 250_000),
        ("PKR 250,000", 250_000),
        ("Rs. 300k", 300_000),
        ("3 lacs", 300_000),
        ("1.2m", 1_200_000),
        ("250 000", 250_000),
        ("250k per month", 250_000),
    ],
)
def test_salary_in_the_ways_people_write_it(text: str, amount: float) -> None:
    assert parse_salary(text, "PKR") == amount


@pytest.mark.parametrize("text", ["a lot", "AED 20,000", "$3000", "-5", "0", "k"])
def test_salary_that_does_not_fit_is_reasked(text: str) -> None:
    result = parse_salary(text, "PKR")
    assert isinstance(result, Invalid)
    assert "PKR" in result.reason


def test_salary_in_aed_for_a_dubai_flow() -> None:
    assert parse_salary("AED 25,000", "AED") == 25_000
    assert parse_salary("25k dirhams", "AED") == 25_000


@pytest.mark.parametrize(
    ("field", "text", "expected"),
    [
        (ProfileField.EMAIL, "Ayesha@Example.COM", "ayesha@example.com"),
        (ProfileField.YEARS_EXPERIENCE, "about 4 years", 4),
        (ProfileField.YEARS_EXPERIENCE, "2.5", 2.5),
        (ProfileField.CITY, "2", "Lahore"),
        (ProfileField.CITY, "karachi", "Karachi"),
        (ProfileField.WORK_MODEL, "Hybrid", "hybrid"),
        (ProfileField.WORK_MODEL, "remote", "remote"),
        (ProfileField.FULL_NAME, "  Ali   Raza ", "Ali Raza"),
        (ProfileField.PHONE, "+92 300 123-4567", "+923001234567"),
    ],
)
def test_accepted_profile_answers(
    mini: Catalog, field: ProfileField, text: str, expected: object
) -> None:
    assert parse(field, text, mini.flow("mini")) == expected


@pytest.mark.parametrize(
    ("field", "text", "reason"),
    [
        (ProfileField.EMAIL, "ayesha@", "email address"),
        (ProfileField.YEARS_EXPERIENCE, "61", "0 to 60"),
        (ProfileField.YEARS_EXPERIENCE, "many", "0 to 60"),
        (ProfileField.CITY, "Tokyo", "pick one"),
        (ProfileField.WORK_MODEL, "4", "pick one"),
        (ProfileField.FULL_NAME, "7", "name"),
    ],
)
def test_rejected_profile_answers_say_why(
    mini: Catalog, field: ProfileField, text: str, reason: str
) -> None:
    result = parse(field, text, mini.flow("mini"))
    assert isinstance(result, Invalid)
    assert reason in result.reason.lower()
