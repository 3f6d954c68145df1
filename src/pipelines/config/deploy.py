"""``project.yml: deploy``: how the bundle schedules and guards the pipelines on Databricks.

Only what differs between projects lives here (start times, deadlines, retries, timeouts);
what differs between environments (catalog, notification destinations, run-as principal) is
a bundle variable or a target in ``databricks.yml``, never a key here.
"""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator

from pipelines.config.base import Identifier, Model

__all__ = ["DeploySettings", "DomainDeploy", "JobDefaults", "minutes_of_day"]

ClockTime = Annotated[
    str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="local time of day, HH:MM")
]

_MINUTES_PER_DAY = 24 * 60


def minutes_of_day(clock: str) -> int:
    """``"05:30"`` -> 330."""
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def _known_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone '{value}' (an IANA name like Europe/Paris)") from None
    return value


class JobDefaults(Model):
    """Defaults of every daily job; a domain overrides its schedule."""

    start_time: ClockTime = Field("04:00", description="daily start of a domain without deadline")
    timezone: str = Field("UTC", description="IANA time zone of the schedules")
    timeout_minutes: int = Field(240, gt=0, description="a whole run is cancelled after this")
    task_timeout_minutes: int = Field(120, gt=0, description="one layer's refresh")
    max_retries: int = Field(2, ge=0, le=10, description="retries of each task on its own")
    min_retry_interval_minutes: int = Field(5, ge=0)
    lead_minutes: int = Field(
        120, gt=0, lt=_MINUTES_PER_DAY, description="start this long before a domain's deadline"
    )

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        return _known_timezone(value)


class DomainDeploy(Model):
    """Schedule of one domain's daily job: a start time, or a deadline it must meet."""

    description: str = ""
    start_time: ClockTime | None = None
    deadline: ClockTime | None = Field(
        None, description="the domain's data must be ready by then (e.g. 06:00 reports)"
    )
    lead_minutes: int | None = Field(
        None, gt=0, lt=_MINUTES_PER_DAY, description="default: jobs.lead_minutes"
    )
    timezone: str | None = None

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str | None) -> str | None:
        return None if value is None else _known_timezone(value)

    @model_validator(mode="after")
    def _one_schedule(self) -> DomainDeploy:
        if self.start_time is not None and self.deadline is not None:
            raise ValueError("deadline: give a start_time or a deadline, not both")
        if self.lead_minutes is not None and self.deadline is None:
            raise ValueError("lead_minutes: only applies with a deadline")
        return self


class DeploySettings(Model):
    """``project.yml: deploy``: jobs defaults and per-domain schedules."""

    jobs: JobDefaults = JobDefaults()
    domains: dict[Identifier, DomainDeploy] = Field(default_factory=dict)
