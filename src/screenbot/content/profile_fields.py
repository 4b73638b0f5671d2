"""The profile fields a flow may ask for; how each is parsed is the engine's business."""

from __future__ import annotations

from enum import StrEnum


class ProfileField(StrEnum):
    """A profile field as it is named in a flow's `profile` list and stored with the answers."""

    FULL_NAME = "full_name"
    EMAIL = "email"
    PHONE = "phone"
    YEARS_EXPERIENCE = "years_experience"
    CITY = "city"
    WORK_MODEL = "work_model"
    EXPECTED_SALARY_PKR = "expected_salary_pkr"
    EXPECTED_SALARY_AED = "expected_salary_aed"
    EXPECTED_SALARY_USD = "expected_salary_usd"
    NOTICE_PERIOD_WEEKS = "notice_period_weeks"

    @property
    def is_salary(self) -> bool:
        """An expected salary field: asked and read as a monthly amount in its currency."""
        return self.value.startswith("expected_salary_")

    @property
    def currency(self) -> str | None:
        """The currency of a salary field, as an ISO code ("PKR"); None for any other field."""
        return self.value.removeprefix("expected_salary_").upper() if self.is_salary else None

    @property
    def is_personal(self) -> bool:
        """Fields that identify a person and are erased on request or after retention."""
        return self in {ProfileField.FULL_NAME, ProfileField.EMAIL, ProfileField.PHONE}
