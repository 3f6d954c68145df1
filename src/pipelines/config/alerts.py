"""The ``alerts`` section of ``project.yml``: which rules raise incidents and where they go.

Destinations name *secrets* (the webhook URL, the SMTP password), never their values: locally a
secret ``slack_webhook`` is read from ``$LAKEHOUSE_SECRET_SLACK_WEBHOOK``.
"""

from __future__ import annotations

from datetime import time
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator

from pipelines.config.base import Identifier, Model

__all__ = [
    "AlertDestination",
    "AlertRules",
    "AlertsConfig",
    "EmailDestination",
    "FreshnessRule",
    "RetryPolicy",
    "SlackDestination",
    "TeamsDestination",
    "VolumeRule",
]


class VolumeRule(Model):
    """A dataset's row count outside ``median ± k·MAD`` of its recent successful runs."""

    enabled: bool = True
    window: int = Field(14, ge=2, description="how many recent successful runs form the band")
    min_history: int = Field(5, ge=1, description="no verdict with fewer runs than this")
    k: float = Field(3.0, gt=0, description="band half-width in (scaled) MADs")
    min_band_pct: float = Field(
        10.0, ge=0, description="band half-width at least this % of the median (flat history)"
    )


class FreshnessRule(Model):
    """Gold must be refreshed by ``deadline`` (``timezone``) every day."""

    enabled: bool = False
    deadline: time = Field(time(6, 0), description="time of day, e.g. 06:00")
    timezone: str = "UTC"
    datasets: tuple[str, ...] = Field((), description="default: every gold dataset")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone '{value}' (e.g. UTC, Europe/Paris)") from None
        return value


class AlertRules(Model):
    """Which rules run after every run."""

    run_failure: bool = True
    quality_breach: bool = True
    schema_drift: bool = True
    volume: VolumeRule = VolumeRule()
    freshness: FreshnessRule = FreshnessRule()


class RetryPolicy(Model):
    """Delivery retries: ``attempts`` tries, waiting ``backoff_seconds · 2^n`` in between."""

    attempts: int = Field(3, ge=1, le=10)
    backoff_seconds: float = Field(1.0, ge=0)
    timeout_seconds: float = Field(10.0, gt=0)


class SlackDestination(Model):
    """A Slack incoming webhook; its URL is the secret ``webhook_secret``."""

    type: Literal["slack"]
    name: Identifier = "slack"
    webhook_secret: Identifier


class TeamsDestination(Model):
    """A Microsoft Teams incoming webhook (Workflows); its URL is the secret ``webhook_secret``."""

    type: Literal["teams"]
    name: Identifier = "teams"
    webhook_secret: Identifier


class EmailDestination(Model):
    """Mail through an SMTP relay; the password (if any) is the secret ``password_secret``."""

    type: Literal["email"]
    name: Identifier = "email"
    smtp_host: str = Field(min_length=1)
    smtp_port: int = Field(587, gt=0, lt=65536)
    starttls: bool = True
    username: str | None = None
    password_secret: Identifier | None = None
    sender: str = Field(min_length=3, pattern=r"@")
    recipients: tuple[str, ...] = Field(min_length=1)


AlertDestination = Annotated[
    SlackDestination | TeamsDestination | EmailDestination, Field(discriminator="type")
]


class AlertsConfig(Model):
    """``alerts:`` in ``project.yml``."""

    enabled: bool = True
    rules: AlertRules = AlertRules()
    destinations: tuple[AlertDestination, ...] = ()
    retry: RetryPolicy = RetryPolicy()
