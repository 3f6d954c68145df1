"""Each service's message format for one incident (no I/O)."""

from __future__ import annotations

from pipelines.alerts import Incident
from pipelines.alerts.payloads import email_message, plain_text, slack_payload, teams_payload

INCIDENT = Incident(
    key="volume_anomaly:bronze.a", kind="volume_anomaly", severity="warning", run_id="r9",
    dataset="bronze.a", title="Unusual row count on bronze.a: 37",
    detail="37 rows; expected 362 to 443 (<median> 402 & co)",
)  # fmt: skip


def test_slack_block_kit_message_escapes_markup() -> None:
    assert slack_payload(INCIDENT, "lakehouse/local") == {
        "text": "[warning] Unusual row count on bronze.a: 37",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": ":large_orange_circle: Unusual row count on bronze.a: 37"}},
            {"type": "section", "text": {"type": "mrkdwn", "text": "```37 rows; expected 362 to 443 (&lt;median&gt; 402 &amp; co)```"}},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "*Pipeline:* lakehouse/local | *Run:* r9 | *Rule:* volume_anomaly | *Dataset:* bronze.a"}]},
        ],
    }  # fmt: skip


def test_teams_message_carries_an_adaptive_card() -> None:
    payload = teams_payload(INCIDENT, "lakehouse/local")
    [attachment] = payload["attachments"]
    assert (payload["type"], attachment["contentType"], attachment["contentUrl"]) == (
        "message", "application/vnd.microsoft.card.adaptive", None,
    )  # fmt: skip
    card = attachment["content"]
    assert (card["type"], card["version"]) == ("AdaptiveCard", "1.4")
    assert [b["type"] for b in card["body"]] == ["TextBlock", "TextBlock", "FactSet"]
    assert card["body"][0]["text"] == "Unusual row count on bronze.a: 37"
    assert card["body"][0]["color"] == "Warning"
    assert card["body"][2]["facts"] == [
        {"title": "Pipeline", "value": "lakehouse/local"}, {"title": "Run", "value": "r9"},
        {"title": "Rule", "value": "volume_anomaly"}, {"title": "Dataset", "value": "bronze.a"},
    ]  # fmt: skip


def test_email_is_plain_text_with_the_incident_key() -> None:
    mail = email_message(INCIDENT, "lakehouse/local", "lakehouse@example.org", ("a@x.org", "b@x.org"))  # fmt: skip
    assert mail["Subject"] == "[lakehouse/local] [warning] Unusual row count on bronze.a: 37"
    assert (mail["To"], mail["X-Lakehouse-Incident"]) == ("a@x.org, b@x.org", "volume_anomaly:bronze.a")  # fmt: skip
    assert mail.get_content() == plain_text(INCIDENT, "lakehouse/local")
    assert plain_text(INCIDENT, "lakehouse/local") == (
        "[WARNING] Unusual row count on bronze.a: 37\n\n"
        "37 rows; expected 362 to 443 (<median> 402 & co)\n\n"
        "Pipeline: lakehouse/local\nRun: r9\nRule: volume_anomaly\nDataset: bronze.a\n"
    )
