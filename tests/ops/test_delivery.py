"""Delivery to real servers on loopback: retries, one message per incident, skipped secrets."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pytest

from pipelines.alerts import Incident
from pipelines.alerts.deliver import (
    Delivery,
    SecretName,
    deliver,
    env_secret,
    lookup_secret,
    secret_variable,
)
from pipelines.config.alerts import AlertsConfig
from pipelines.platform import platform_for
from tests.ops.servers import Recorder, smtp_server, webhook_server

INCIDENTS = [
    Incident("run_failure:r9", "run_failure", "critical", "r9", None, "Run r9 failed: gold.x", "gold.x: boom"),
    Incident("schema_drift:bronze.f", "schema_drift", "warning", "r9", "bronze.f", "Schema drift on bronze.f: 1 change(s)", "tip: added"),
]  # fmt: skip
LOCAL_SECRETS = partial(lookup_secret, platform=platform_for("local"))


def _config(smtp_port: int, attempts: int = 3) -> AlertsConfig:
    return AlertsConfig.model_validate(
        {
            "destinations": [
                {"type": "slack", "webhook_secret": "slack_hook"},
                {"type": "teams", "webhook_secret": "teams_hook"},
                {"type": "email", "smtp_host": "127.0.0.1", "smtp_port": smtp_port,
                 "starttls": False, "sender": "lakehouse@example.org", "recipients": ["oncall@example.org"]},
            ],
            "retry": {"attempts": attempts, "backoff_seconds": 0.25},
        }
    )  # fmt: skip


def test_every_incident_reaches_every_destination_once_after_a_retry() -> None:
    recorder = Recorder(failures=1)
    waits: list[float] = []
    with webhook_server(recorder) as url, smtp_server(recorder) as port:
        secrets: dict[SecretName, str] = {
            "slack_hook": f"{url}/slack",
            "teams_hook": f"{url}/teams",
        }
        deliveries = deliver(INCIDENTS, _config(port), "lakehouse/local", secrets.get, waits.append)
    assert deliveries == [
        Delivery("slack", "run_failure:r9", "sent", 2),  # the first request got a 503
        Delivery("slack", "schema_drift:bronze.f", "sent", 1),
        Delivery("teams", "run_failure:r9", "sent", 1),
        Delivery("teams", "schema_drift:bronze.f", "sent", 1),
        Delivery("email", "run_failure:r9", "sent", 1),
        Delivery("email", "schema_drift:bronze.f", "sent", 1),
    ]
    assert waits == [0.25]
    assert recorder.refused == ["/slack"]
    assert [(path, kind, body.get("text") or body["type"]) for path, kind, body in recorder.requests] == [
        ("/slack", "application/json", "[critical] Run r9 failed: gold.x"),
        ("/slack", "application/json", "[warning] Schema drift on bronze.f: 1 change(s)"),
        ("/teams", "application/json", "message"),
        ("/teams", "application/json", "message"),
    ]  # fmt: skip
    teams = [body["attachments"][0]["content"]["body"][0]["text"] for path, _, body in recorder.requests if path == "/teams"]  # fmt: skip
    assert teams == ["Run r9 failed: gold.x", "Schema drift on bronze.f: 1 change(s)"]
    assert [(m["Subject"], m["To"]) for m in recorder.mails] == [
        ("[lakehouse/local] [critical] Run r9 failed: gold.x", "oncall@example.org"),
        ("[lakehouse/local] [warning] Schema drift on bronze.f: 1 change(s)", "oncall@example.org"),
    ]


def test_a_failing_destination_is_reported_not_raised() -> None:
    recorder = Recorder(failures=10)
    waits: list[float] = []
    with webhook_server(recorder) as url:
        destinations = [{"type": "slack", "webhook_secret": "s"}]
        retry = {"attempts": 3, "backoff_seconds": 1}
        config = AlertsConfig.model_validate({"destinations": destinations, "retry": retry})
        secrets: dict[SecretName, str] = {"s": f"{url}/down"}
        deliveries = deliver(INCIDENTS[:1], config, "lh/local", secrets.get, waits.append)
    assert deliveries == [Delivery("slack", "run_failure:r9", "failed", 3, "HTTP 503 Service Unavailable")]  # fmt: skip
    assert waits == [1.0, 2.0]  # exponential backoff
    assert recorder.refused == ["/down", "/down", "/down"]


def test_unreachable_and_client_errors() -> None:
    config = AlertsConfig.model_validate({"destinations": [{"type": "teams", "webhook_secret": "t"}], "retry": {"attempts": 2, "backoff_seconds": 0}})  # fmt: skip
    with webhook_server(Recorder(failures=0)) as url:
        pass  # closed again: nothing listens there any more
    secrets: dict[SecretName, str] = {"t": f"{url}/gone"}
    [delivery] = deliver(INCIDENTS[:1], config, "lh/local", secrets.get, lambda _s: None)
    assert (delivery.status, delivery.attempts, delivery.error.startswith("unreachable: ")) == ("failed", 2, True)  # fmt: skip


def test_a_destination_without_its_secret_is_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LAKEHOUSE_SECRET_SLACK_HOOK", raising=False)
    config = AlertsConfig.model_validate({"destinations": [{"type": "slack", "webhook_secret": "slack_hook"}]})  # fmt: skip
    assert deliver(INCIDENTS[:1], config, "lh/local", LOCAL_SECRETS) == [
        Delivery("slack", "run_failure:r9", "skipped", 0, "secret slack_hook not set")
    ]
    monkeypatch.setenv("LAKEHOUSE_SECRET_SLACK_HOOK", "http://127.0.0.1:9/x")
    assert (secret_variable("slack_hook"), env_secret("slack_hook")) == ("LAKEHOUSE_SECRET_SLACK_HOOK", "http://127.0.0.1:9/x")  # fmt: skip


def test_a_secret_reference_goes_through_the_project_secret_lookup(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """``{secret: alerts/slack_webhook}``: the secrets file (``pipelines.secrets``), not only
    the environment; unset is skipped, named as the config names it."""
    recorder = Recorder(failures=0)
    config = AlertsConfig.model_validate(
        {"destinations": [{"type": "slack", "webhook_secret": {"secret": "alerts/slack_webhook"}}]}
    )
    monkeypatch.delenv("LAKEHOUSE_SECRET_ALERTS_SLACK_WEBHOOK", raising=False)
    monkeypatch.delenv("LAKEHOUSE_SECRET_ALERTS_SLACK_WEBHOOK_FILE", raising=False)
    monkeypatch.setenv("LAKEHOUSE_SECRETS_FILE", str(tmp_path / "secrets.yml"))
    assert deliver(INCIDENTS[:1], config, "lh/local", LOCAL_SECRETS) == [
        Delivery("slack", "run_failure:r9", "skipped", 0, "secret alerts/slack_webhook not set")
    ]
    with webhook_server(recorder) as url:
        (tmp_path / "secrets.yml").write_text(f"alerts: {{slack_webhook: '{url}/slack'}}\n")
        assert deliver(INCIDENTS[:1], config, "lh/local", LOCAL_SECRETS) == [
            Delivery("slack", "run_failure:r9", "sent", 1)
        ]
    assert [path for path, _type, _body in recorder.requests] == ["/slack"]
