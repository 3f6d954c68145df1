"""Send incidents to their destinations, with retries; never raises.

One message per incident and destination. A destination whose secret is not set is skipped;
one that keeps failing is reported in the returned deliveries, not raised: alerting must not
hide the run's own result.
"""

from __future__ import annotations

import json
import os
import smtplib
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from typing import TYPE_CHECKING

from pipelines.alerts.model import Incident
from pipelines.alerts.payloads import email_message, slack_payload, teams_payload
from pipelines.config.alerts import (
    AlertDestination,
    AlertsConfig,
    EmailDestination,
    RetryPolicy,
    SlackDestination,
)
from pipelines.config.secrets import SecretRef
from pipelines.errors import LakehouseError

if TYPE_CHECKING:
    from pipelines.platform import Platform

__all__ = [
    "Delivery",
    "SecretResolver",
    "deliver",
    "env_secret",
    "lookup_secret",
    "secret_variable",
]

SecretName = SecretRef | str
SecretResolver = Callable[[SecretName], str | None]
Sleep = Callable[[float], None]


class DeliveryError(LakehouseError):
    """A destination refused a message or could not be reached."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


@dataclass(frozen=True)
class Delivery:
    """What happened to one incident at one destination."""

    destination: str
    incident_key: str
    status: str  # sent | failed | skipped
    attempts: int
    error: str = ""


def secret_variable(name: str) -> str:
    """The environment variable holding secret ``name`` locally."""
    return f"LAKEHOUSE_SECRET_{name.upper()}"


def env_secret(name: str) -> str | None:
    """Secret ``name`` from ``$LAKEHOUSE_SECRET_<NAME>`` (``None`` when unset or empty)."""
    return os.environ.get(secret_variable(name)) or None


def lookup_secret(name: SecretName, platform: Platform) -> str | None:
    """A ``{secret: scope/key}`` through the project's one secret lookup
    (``pipelines.secrets.lookup`` where ``platform`` keeps secrets: environment, ``_FILE``,
    secrets file; on Databricks the secret scope); a bare name from the environment
    (:func:`env_secret`). ``None`` when not set: the destination is skipped.

    A :data:`SecretResolver` is this with the platform bound:
    ``partial(lookup_secret, platform=...)``."""
    from pipelines.secrets import SecretNotFound, lookup

    if not isinstance(name, SecretRef):
        return env_secret(name)
    try:
        return lookup(name, platform=platform).text.strip() or None
    except SecretNotFound:
        return None


def _shown(name: SecretName) -> str:
    return name.secret if isinstance(name, SecretRef) else name


def deliver(
    incidents: Sequence[Incident],
    config: AlertsConfig,
    origin: str,
    secrets: SecretResolver,
    sleep: Sleep = time.sleep,
) -> list[Delivery]:
    """Send every incident to every destination; returns one delivery per pair.

    ``secrets``: how the destinations' secrets are read (the platform's lookup).
    """
    deliveries: list[Delivery] = []
    for destination in config.destinations:
        secret_name = _secret_name(destination)
        secret = secrets(secret_name) if secret_name else None
        if secret_name and secret is None:
            deliveries.extend(
                Delivery(
                    destination.name, i.key, "skipped", 0, f"secret {_shown(secret_name)} not set"
                )
                for i in incidents
            )
            continue
        for incident in incidents:
            send = _sender(destination, incident, origin, secret, config.retry.timeout_seconds)
            deliveries.append(
                _with_retries(destination.name, incident.key, send, config.retry, sleep)
            )
    return deliveries


def _secret_name(destination: AlertDestination) -> SecretName | None:
    if isinstance(destination, EmailDestination):
        return destination.password_secret
    return destination.webhook_secret


def _sender(
    destination: AlertDestination,
    incident: Incident,
    origin: str,
    secret: str | None,
    timeout: float,
) -> Callable[[], None]:
    if isinstance(destination, EmailDestination):
        message = email_message(incident, origin, destination.sender, destination.recipients)
        return lambda: _send_mail(destination, secret, message, timeout)
    build = slack_payload if isinstance(destination, SlackDestination) else teams_payload
    body = json.dumps(build(incident, origin)).encode()
    url = secret or ""  # a webhook destination without its secret is skipped before this
    return lambda: _post(url, body, timeout)


def _with_retries(
    name: str, key: str, send: Callable[[], None], retry: RetryPolicy, sleep: Sleep
) -> Delivery:
    error = ""
    for attempt in range(1, retry.attempts + 1):
        try:
            send()
            return Delivery(name, key, "sent", attempt)
        except DeliveryError as exc:
            error = str(exc)
            if not exc.retryable:
                return Delivery(name, key, "failed", attempt, error)
        if attempt < retry.attempts:
            sleep(retry.backoff_seconds * 2 ** (attempt - 1))
    return Delivery(name, key, "failed", retry.attempts, error)


def _post(url: str, body: bytes, timeout: float) -> None:
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        retryable = exc.code == 429 or exc.code >= 500
        raise DeliveryError(f"HTTP {exc.code} {exc.reason}", retryable=retryable) from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise DeliveryError(f"unreachable: {exc}", retryable=True) from None


def _send_mail(
    destination: EmailDestination, password: str | None, message: EmailMessage, timeout: float
) -> None:
    try:
        with smtplib.SMTP(destination.smtp_host, destination.smtp_port, timeout=timeout) as smtp:
            if destination.starttls:
                smtp.starttls()
            if destination.username and password:
                smtp.login(destination.username, password)
            smtp.send_message(message)
    except smtplib.SMTPResponseException as exc:
        transient = 400 <= exc.smtp_code < 500  # 4xx: try again later; 5xx: refused
        raise DeliveryError(f"SMTP {exc.smtp_code}", retryable=transient) from None
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"SMTP: {exc}", retryable=True) from None
