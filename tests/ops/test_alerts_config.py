"""The ``alerts`` section of project.yml: validated with the rest of the config (no Spark)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.config import load_config
from pipelines.config.alerts import EmailDestination, SlackDestination, TeamsDestination
from pipelines.config.secrets import SecretRef
from pipelines.errors import ConfigErrors
from tests.conftest import CONF


def test_the_shipped_project_names_secrets_never_urls() -> None:
    alerts = load_config(CONF).project.alerts
    assert alerts.destinations == (
        SlackDestination(type="slack", webhook_secret=SecretRef(secret="alerts/slack_webhook")),
        TeamsDestination(type="teams", webhook_secret=SecretRef(secret="alerts/teams_webhook")),
    )
    assert "http" not in (CONF / "project.yml").read_text()


def _with_alerts(conf: Path, section: str) -> list[str]:
    project = conf / "project.yml"
    text = project.read_text()
    project.write_text(text[: text.index("alerts:")] + section)
    with pytest.raises(ConfigErrors) as caught:
        load_config(conf)
    return [f"{p.key_path}: {p.message}" for p in caught.value.problems]


def test_a_mistyped_destination_is_reported_with_its_key_path(conf_copy: Path) -> None:
    problems = _with_alerts(conf_copy, "alerts:\n  destinations:\n    - {type: slak, webhook_secret: x}\n")  # fmt: skip
    assert len(problems) == 1
    assert problems[0].startswith("alerts.destinations[0].type: ")
    assert "slak" in problems[0]


def test_a_url_where_a_secret_name_belongs_is_rejected(conf_copy: Path) -> None:
    problems = _with_alerts(conf_copy, "alerts:\n  destinations:\n    - {type: slack, webhook_secret: 'https://hooks.slack.com/services/T/B/X'}\n")  # fmt: skip
    assert problems == [
        "alerts.destinations[0].webhook_secret: expected a secret name (lower_snake_case) or "
        "{secret: <scope>/<key>}, not the value itself"
    ]  # the URL (the secret itself) is not repeated


def test_an_unknown_time_zone_is_rejected(conf_copy: Path) -> None:
    problems = _with_alerts(conf_copy, "alerts:\n  rules:\n    freshness: {timezone: Europe/Pariss}\n")  # fmt: skip
    assert problems == ["alerts.rules.freshness.timezone: unknown time zone 'Europe/Pariss' (e.g. UTC, Europe/Paris)"]  # fmt: skip


def test_email_needs_recipients() -> None:
    with pytest.raises(ValueError, match="recipients"):
        EmailDestination.model_validate({"type": "email", "smtp_host": "relay", "sender": "a@b.c", "recipients": []})  # fmt: skip


def test_a_run_where_no_flow_completed_does_not_read_the_volume_history() -> None:
    """The history is the slowest read after a run, and the volume rule compares only the
    flows that completed: a nothing-new run (every flow up to date) skips it."""
    from pipelines.alerts.evaluate import alert_reads

    config = load_config(CONF)
    assert config.project.alerts.rules.volume.enabled
    quiet = [{"dataset": "silver.orders", "status": "UP_TO_DATE", "rows_out": None}]
    ran = [*quiet, {"dataset": "bronze.orders", "status": "COMPLETED", "rows_out": 5}]
    # no session is needed to list the reads: they are called later, at once
    assert sorted(alert_reads(None, config, "r1", quiet)) == ["quality_metrics", "schema_changes"]  # type: ignore[arg-type]
    assert sorted(alert_reads(None, config, "r1", ran)) == ["history", "quality_metrics", "schema_changes"]  # type: ignore[arg-type]  # fmt: skip
    assert sorted(alert_reads(None, config, "r1")) == ["history", "quality_metrics", "schema_changes"]  # type: ignore[arg-type]  # fmt: skip
