"""Each destination's real message format for one incident (pure, no I/O).

- Slack incoming webhook: ``{"text": fallback, "blocks": [header, section, context]}``
  (Block Kit; ``text`` is what notifications show).
- Teams incoming webhook / Workflows: ``{"type": "message", "attachments": [{"contentType":
  "application/vnd.microsoft.card.adaptive", "content": <AdaptiveCard 1.4>}]}``.
- Email: a plain-text ``EmailMessage``.
"""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

from pipelines.alerts.model import Incident

__all__ = ["email_message", "plain_text", "slack_payload", "teams_payload"]

_ICON = {"critical": ":red_circle:", "warning": ":large_orange_circle:"}
_ADAPTIVE = "application/vnd.microsoft.card.adaptive"
_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"


def _escape_slack(text: str) -> str:
    """Slack reads ``&``, ``<`` and ``>`` as markup (``<!channel>`` pings everyone)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _facts(incident: Incident, origin: str) -> list[tuple[str, str]]:
    facts = [("Pipeline", origin), ("Run", incident.run_id), ("Rule", incident.kind)]
    if incident.dataset:
        facts.append(("Dataset", incident.dataset))
    return facts


def plain_text(incident: Incident, origin: str) -> str:
    """The incident as plain text (email body, logs)."""
    facts = "\n".join(f"{name}: {value}" for name, value in _facts(incident, origin))
    return f"[{incident.severity.upper()}] {incident.title}\n\n{incident.detail}\n\n{facts}\n"


def slack_payload(incident: Incident, origin: str) -> dict[str, Any]:
    """Slack Block Kit message."""
    headline = f"{_ICON[incident.severity]} {incident.title}"
    context = " | ".join(f"*{k}:* {_escape_slack(v)}" for k, v in _facts(incident, origin))
    return {
        "text": f"[{incident.severity}] {incident.title}",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": headline[:150]}},
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": f"```{_escape_slack(incident.detail)}```"},
            },
            {"type": "context", "elements": [{"type": "mrkdwn", "text": context}]},
        ],
    }


def teams_payload(incident: Incident, origin: str) -> dict[str, Any]:
    """Teams message carrying an Adaptive Card."""
    card = {
        "$schema": _SCHEMA,
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": [
            {
                "type": "TextBlock",
                "text": incident.title,
                "weight": "Bolder",
                "size": "Medium",
                "color": "Attention" if incident.severity == "critical" else "Warning",
                "wrap": True,
            },
            {"type": "TextBlock", "text": incident.detail, "wrap": True, "fontType": "Monospace"},
            {
                "type": "FactSet",
                "facts": [{"title": k, "value": v} for k, v in _facts(incident, origin)],
            },
        ],
    }
    return {
        "type": "message",
        "attachments": [{"contentType": _ADAPTIVE, "contentUrl": None, "content": card}],
    }


def email_message(
    incident: Incident, origin: str, sender: str, recipients: tuple[str, ...]
) -> EmailMessage:
    """A plain-text mail for one incident."""
    message = EmailMessage()
    message["Subject"] = f"[{origin}] [{incident.severity}] {incident.title}"
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["X-Lakehouse-Incident"] = incident.key
    message.set_content(plain_text(incident, origin))
    return message
