"""The ``alerts`` section of ``project.yml``: which rules raise incidents and where they go.

Destinations name *secrets* (the webhook URL, the SMTP password), never their values:
``{secret: alerts/slack_webhook}`` is read through the project's secret lookup
(``pipelines.secrets``: ``$LAKEHOUSE_SECRET_ALERTS_SLACK_WEBHOOK``, its ``_FILE``, the secrets
file). A bare name (``slack_webhook``, the older form) is read from
``$LAKEHOUSE_SECRET_SLACK_WEBHOOK`` only.
"""

from __future__ import annotations

import re
from datetime import time
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, PlainValidator, ValidationError, field_validator

from pipelines.config.base import Identifier, Model
from pipelines.config.secrets import SecretRef

_NAME = re.compile(r"[a-z][a-z0-9_]{0,119}")


def _secret_name(value: object) -> SecretRef | str:
    """One message for either form, never quoting the value (it may be the secret itself)."""
    if isinstance(value, SecretRef):
        return value
    expected = "expected a secret name (lower_snake_case) or {secret: <scope>/<key>}"
    if isinstance(value, dict):
        try:
            return SecretRef.model_validate(value)
        except ValidationError:
            raise ValueError(f"{expected}; the secret is '<scope>/<key>'") from None
    if isinstance(value, str) and _NAME.fullmatch(value):
        return value
    raise ValueError(f"{expected}, not the value itself")


SecretName = Annotated[SecretRef | str, PlainValidator(_secret_name)]
"""Where a destination's secret is: ``{secret: scope/key}`` (the project's secret lookup) or
a bare name (``$LAKEHOUSE_SECRET_<NAME>`` only, the older form)."""

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
    webhook_secret: SecretName


class TeamsDestination(Model):
    """A Microsoft Teams incoming webhook (Workflows); its URL is the secret ``webhook_secret``."""

    type: Literal["teams"]
    name: Identifier = "teams"
    webhook_secret: SecretName


class EmailDestination(Model):
    """Mail through an SMTP relay; the password (if any) is the secret ``password_secret``."""

    type: Literal["email"]
    name: Identifier = "email"
    smtp_host: str = Field(min_length=1)
    smtp_port: int = Field(587, gt=0, lt=65536)
    starttls: bool = True
    username: str | None = None
    password_secret: SecretName | None = None
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
